"""TabM as a built-in module: its outputs, the members' loss, and every method with it."""

import pickle
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster, TauNormalizer
from skimbal.losses import list_losses

pytest.importorskip("tabm")
from skimbal.modules import TabMNet  # noqa: E402

SMALL = {"k": 4, "d_block": 16, "n_blocks": 1}
FAST = {"module": "tabm", "module_params": SMALL, "max_epochs": 3, "batch_size": 32,
        "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(160, n_features=5, n_informative=3, weights=[0.8, 0.2],
                               random_state=0)
    return X.astype(np.float32), y


def test_training_output_is_every_member_and_evaluation_the_mean_probability():
    torch.manual_seed(0)
    net = TabMNet(3, 4, **SMALL)
    x = torch.randn(5, 3)
    members = net.eval().member_logits(x)  # (5, k, 4)
    assert members.shape == (5, 4, 4)
    ensemble = net(x)
    mean_p = F.softmax(members, dim=-1).mean(dim=1)
    torch.testing.assert_close(ensemble.exp(), mean_p)
    torch.testing.assert_close(ensemble, mean_p.log())
    torch.manual_seed(1)
    train = net.train()(x)
    assert train.shape == (5 * 4, 4)


def test_each_member_is_trained_on_every_example(data):
    # the estimator's loss on an ensemble is the mean of the members' losses
    X, y = data
    est = ImbalancedNetClassifier(**{**FAST, "class_weight": "balanced"}).fit(X, y)
    net = est.net_
    x = torch.as_tensor(X[:6])
    t = torch.as_tensor(y[:6])
    net.module_.eval()  # no dropout: the members' logits are deterministic
    members = net.module_.member_logits(x)  # (6, k, 2)
    weights = net.criterion_.weight
    by_member = [F.cross_entropy(members[:, j], t, weight=weights)
                 for j in range(members.shape[1])]
    rows = members.reshape(-1, 2)
    loss = net.get_loss(rows, t)
    torch.testing.assert_close(loss, torch.stack(by_member).mean())


@pytest.mark.parametrize("loss", sorted(list_losses()))
def test_every_loss_trains(data, loss):
    X, y = data
    est = ImbalancedNetClassifier(**{**FAST, "loss": loss}).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("params", [
    {"loss": "ldam", "schedule": "drw"},
    {"sampler": "class_balanced"},
    {"sampler": "sqrt", "schedule": "drs"},
    {"sampler": RandomOverSampler()},
    {"class_weight": "effective_number"},
])
def test_schedules_and_samplers(data, params):
    X, y = data
    est = ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)
    assert np.isfinite(est.decision_function(X)).all()


def test_repeats_with_random_state_and_pickles(data):
    X, y = data
    a = ImbalancedNetClassifier(**FAST).fit(X, y)
    b = ImbalancedNetClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.decision_function(X), a.decision_function(X))


def test_in_pipelines_grid_search_and_post_hoc(data):
    X, y = data
    pipe = make_imb_pipeline(QuantileTransformer(n_quantiles=50, output_distribution="normal"),
                             RandomOverSampler(random_state=0),
                             ImbalancedNetClassifier(**FAST))
    search = GridSearchCV(pipe, {"imbalancednetclassifier__lr": [0.01, 0.05]}, cv=2,
                          scoring="balanced_accuracy", error_score="raise").fit(X, y)
    assert search.best_params_["imbalancednetclassifier__lr"] in (0.01, 0.05)
    adjusted = make_pipeline(QuantileTransformer(n_quantiles=50),
                             LogitAdjuster(ImbalancedNetClassifier(**FAST))).fit(X, y)
    assert set(adjusted.predict(X)) <= {0, 1}


@pytest.mark.parametrize("params", [{"mfw": True}, {"reweight": "l2rw"}])
def test_training_strategies_are_refused_naming_the_module(data, params):
    X, y = data
    with pytest.raises(ValueError, match="TabMNet is an ensemble"):
        ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)


def test_feature_level_steps_are_refused_naming_the_module(data):
    X, y = data
    with pytest.raises(ValueError, match="TabMNet has no such head"):
        TauNormalizer(ImbalancedNetClassifier(**FAST)).fit(X, y)
    with pytest.raises(ValueError, match="TabMNet has none"):
        ImbalancedNetClassifier(**{**FAST, "transform_to": "features"}).fit(X, y).transform(X)


def test_bad_input_gets_the_mlps_errors(data):
    X, y = data
    for bad, match in [(X.astype(object), None), (X.copy(), "NaN")]:
        if match is None:
            bad[0, 0] = "red"
        else:
            bad[0, 0] = np.nan
        errors = []
        for module in ("mlp", "tabm"):
            with pytest.raises(ValueError) as info:
                ImbalancedNetClassifier(**{**FAST, "module": module,
                                           "module_params": None if module == "mlp"
                                           else SMALL}).fit(bad, y)
            errors.append(str(info.value))
        assert errors[0] == errors[1]
        if match:
            assert match in errors[1]
    one = ImbalancedNetClassifier(**FAST).fit(X[:, :1], y)  # a single feature trains
    assert one.n_features_in_ == 1


def test_bad_module_parameters_and_a_missing_package(monkeypatch):
    with pytest.raises(ValueError, match="num_embeddings must be one of"):
        TabMNet(3, 2, num_embeddings="piecewise")
    monkeypatch.setitem(sys.modules, "tabm", None)
    with pytest.raises(ImportError, match="pip install tabm"):
        TabMNet(3, 2)
