"""Calibrators in Pipeline, imbalanced-learn Pipeline, GridSearchCV and pickles."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import (
    ClassScaleBias,
    ClassTemperature,
    LogitAdjuster,
    TauNormalizer,
    make_crt,
    make_ncm,
)

from .conftest import FAST

# ReLU features that are zero for a whole class: NearestCentroid warns about
# its unused within-class deviations
pytestmark = pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")

CALIBRATORS = [LogitAdjuster(), ClassTemperature(), ClassScaleBias()]
NAMES = np.array(["cat", "dog", "eel"])


def _check_fitted_pipeline(pipe, X, labels, proba=True):
    pred = pipe.predict(X)
    assert set(pred) <= set(NAMES)
    clone = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(clone.predict(X), pred)
    if not proba:
        return
    proba = pipe.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(pipe.classes_, NAMES)
    np.testing.assert_array_equal(NAMES[proba.argmax(1)], pred)
    np.testing.assert_allclose(clone.predict_proba(X), proba)


@pytest.mark.parametrize("calibrator", CALIBRATORS, ids=lambda c: type(c).__name__)
def test_after_the_network_in_a_pipeline(split, calibrator):
    X_train, X_held, y_train, _ = split
    labels = NAMES[y_train]
    pipe = make_pipeline(StandardScaler(), ImbalancedNetClassifier(**FAST), calibrator)
    pipe.fit(X_train, labels)
    _check_fitted_pipeline(pipe, X_held, labels)
    # the calibrator saw the network's logits
    logits = pipe[:2].transform(X_held)
    np.testing.assert_allclose(pipe.decision_function(X_held), pipe[-1].transform(logits))


@pytest.mark.parametrize("calibrator", CALIBRATORS, ids=lambda c: type(c).__name__)
def test_in_an_imbalanced_learn_pipeline(split, calibrator):
    X_train, X_held, y_train, _ = split
    labels = NAMES[y_train]
    pipe = make_imb_pipeline(StandardScaler(), RandomOverSampler(random_state=0),
                             ImbalancedNetClassifier(**FAST), calibrator)
    pipe.fit(X_train, labels)
    _check_fitted_pipeline(pipe, X_held, labels)
    if isinstance(calibrator, LogitAdjuster):
        # after the sampler the labels are balanced: nothing to adjust
        np.testing.assert_allclose(pipe[-1].adjustment_, 0, atol=1e-12)


def test_tau_normalisation_and_decoupling_in_pipelines(split):
    X_train, X_held, y_train, _ = split
    labels = NAMES[y_train]
    net = ImbalancedNetClassifier(**FAST)
    for pipe in (make_pipeline(StandardScaler(), TauNormalizer(net), LogitAdjuster()),
                 make_pipeline(StandardScaler(), make_crt(net))):
        _check_fitted_pipeline(pipe.fit(X_train, labels), X_held, labels)
    # NearestCentroid's probabilities are not its decision rule: predictions only
    ncm = make_imb_pipeline(StandardScaler(), make_ncm(net)).fit(X_train, labels)
    _check_fitted_pipeline(ncm, X_held, labels, proba=False)


def test_tau_tuned_on_held_out_folds_with_a_frozen_network(split, net):
    _, X_held, _, y_held = split
    grid = {"tau": [0.0, 0.5, 1.0, 2.0]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    for calibrator in (LogitAdjuster(FrozenEstimator(net)), TauNormalizer(FrozenEstimator(net))):
        search = GridSearchCV(calibrator, grid, cv=cv, scoring="balanced_accuracy")
        search.fit(X_held, y_held)
        scores = search.cv_results_["mean_test_score"]
        assert len(set(scores.round(6))) > 1
        assert search.best_params_["tau"] == grid["tau"][int(np.argmax(scores))]
        # the frozen network was shared, never re-trained
        assert search.best_estimator_.estimator_.estimator is net
        _ = pickle.loads(pickle.dumps(search)).predict(X_held)


def test_grid_search_over_tau_trains_the_network_once_per_fold(split, tmp_path):
    X_train, _, y_train, _ = split
    pipe = Pipeline([("scale", StandardScaler()), ("net", ImbalancedNetClassifier(**FAST)),
                     ("la", LogitAdjuster())], memory=str(tmp_path))
    search = GridSearchCV(pipe, {"la__tau": [0.0, 1.0, 2.0]}, cv=3,
                          scoring="balanced_accuracy").fit(X_train, y_train)
    # Pipeline's memory caches the fitted network: one per fold plus the refit,
    # not one per candidate
    cached = [p for p in Path(tmp_path).rglob("output.pkl") if "_fit_transform_one" in str(p)]
    assert len(cached) == 2 * (3 + 1)  # the scaler's and the network's
    assert search.best_estimator_.predict(X_train).shape == (len(X_train),)


@pytest.mark.parametrize(
    "make, grid",
    [
        (lambda net: ClassTemperature(FrozenEstimator(net)), {"gamma": [0.0, 0.2, 0.4]}),
        (lambda net: ClassScaleBias(FrozenEstimator(net)), {"alpha": [1e-3, 1.0]}),
        (lambda net: make_crt(FrozenEstimator(net)), {"logisticregression__C": [0.1, 1.0]}),
        (lambda net: make_ncm(FrozenEstimator(net)), {"nearestcentroid__metric": [
            "euclidean", "manhattan"]}),
    ],
    ids=["ClassTemperature", "ClassScaleBias", "cRT", "NCM"],
)
def test_every_step_is_tuned_by_grid_search(split, net, make, grid):
    _, X_held, _, y_held = split
    search = GridSearchCV(make(net), grid, cv=3, scoring="balanced_accuracy")
    search.fit(X_held, y_held)
    assert len(search.cv_results_["mean_test_score"]) == len(next(iter(grid.values())))
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X_held), search.predict(X_held))
