"""A diverged fit never passes for a trained one."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import ClassScaleBias, LogitAdjuster
from skimbal.exceptions import DivergenceError


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(600, weights=[0.95, 0.05], random_state=0)
    return X.astype(np.float32), y


def test_grid_search_records_error_score_for_a_diverging_learning_rate(imbalanced):
    X, y = imbalanced
    search = GridSearchCV(ImbalancedNetClassifier(max_epochs=3, class_weight="balanced",
                                                  random_state=0),
                          {"lr": [0.1, 1e4]}, cv=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"lr": 0.1}
    assert any("training diverged" in str(w.message) for w in caught)


def test_divergence_names_the_epoch_and_the_likely_causes(imbalanced):
    X, y = imbalanced
    with pytest.raises(DivergenceError, match=r"became nan in epoch 1 \(batch \d+\).*"
                                              r"learning rate too high.*was 10000"):
        ImbalancedNetClassifier(max_epochs=3, lr=1e4, random_state=0).fit(X, y)
    with pytest.raises(DivergenceError, match=r"largest \|x\| of a batch is \d\.\d+e\+30"):
        ImbalancedNetClassifier(max_epochs=3, random_state=0).fit(X * 1e30, y)


def test_non_finite_outputs_raise_at_prediction_and_in_calibrators(imbalanced):
    X, y = imbalanced
    net = ImbalancedNetClassifier(max_epochs=2, random_state=0).fit(X, y)
    with np.errstate(all="ignore"):
        for param in net.module_.parameters():
            param.data.fill_(float("nan"))
    for method in (net.predict, net.predict_proba, net.decision_function, net.transform):
        with pytest.raises(DivergenceError, match="NaN or infinite for 600 of 600"):
            method(X)
    for calibrator in (LogitAdjuster(FrozenEstimator(net)),
                       ClassScaleBias(FrozenEstimator(net))):
        with pytest.raises(DivergenceError):
            calibrator.fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        LogitAdjuster().fit(np.full((4, 2), np.nan), [0, 1, 0, 1])


def test_losses_read_at_the_end_of_the_epoch_on_an_accelerator(imbalanced, monkeypatch):
    """Off the CPU the batch losses are read once an epoch: the same history and
    the same divergence error (checked here by deferring on the CPU)."""
    from skimbal.neural_network._net import _ImbalancedNet

    X, y = imbalanced
    params = {"max_epochs": 2, "random_state": 0}
    direct = ImbalancedNetClassifier(**params).fit(X, y)
    with pytest.raises(DivergenceError) as first:
        ImbalancedNetClassifier(**params, lr=1e4).fit(X, y)
    monkeypatch.setattr(_ImbalancedNet, "_defers_loss_reads", lambda self: True)
    deferred = ImbalancedNetClassifier(**params).fit(X, y)
    assert deferred.net_.history[:, "batches", :, "train_loss"] == \
        direct.net_.history[:, "batches", :, "train_loss"]
    assert deferred.net_.history[:, "train_loss"] == direct.net_.history[:, "train_loss"]
    with pytest.raises(DivergenceError) as later:
        ImbalancedNetClassifier(**params, lr=1e4).fit(X, y)
    # the same first non-finite batch is named
    assert str(later.value).split(":")[0] == str(first.value).split(":")[0]
