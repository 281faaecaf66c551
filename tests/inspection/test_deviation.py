"""Feature deviation: the quantities by hand, their behaviour, and errors."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster, make_crt
from skimbal.inspection import DEVIATION_COLUMNS, deviation_columns, feature_deviation
from skimbal.modules import get_module, list_modules

from ..neural_network.test_classifier import _NoHead

FAST = {"max_epochs": 2, "batch_size": 32, "random_state": 0}


class _Identity(nn.Module):
    """Features are the inputs: their deviation is known in advance."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.classifier = nn.Linear(n_features, n_classes)

    def features(self, x):
        return x

    def forward(self, x):
        return self.classifier(self.features(x))


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(400, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.75, 0.2, 0.05], random_state=0)
    return X[:300].astype(np.float32), y[:300], X[300:].astype(np.float32), y[300:]


@pytest.fixture(scope="module")
def identity_net(tabular):
    X, y, _, _ = tabular
    return ImbalancedNetClassifier(module=_Identity, **FAST).fit(X, y)


def test_columns_by_hand():
    # class 0: features (1, 0), (3, 0), (2, 3) -> mean (2, 1); squared distances
    # 2, 2, 4 -> spread sqrt(8 / 2) = 2. Class 1: (0, 2), (0, 4) -> mean (0, 3),
    # spread sqrt(2 / 1).
    f = np.array([[1.0, 0.0], [3.0, 0.0], [2.0, 3.0], [0.0, 2.0], [0.0, 4.0]])
    c = np.array([0, 0, 0, 1, 1])
    z = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 3.0]])
    # held out: class 0 twice at (5, 5), class 1 once at its training mean
    g = np.array([[5.0, 5.0], [5.0, 5.0], [0.0, 3.0]])
    gc = np.array([0, 0, 1])
    gz = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, -1.0]])
    cols = deviation_columns(f, z, c, g, gz, gc, n_classes=2)
    assert cols["n_train"].tolist() == [3, 2] and cols["n_eval"].tolist() == [2, 1]
    # |(5, 5) - (2, 1)| = 5, in spreads of 2; class 1's held-out mean is its training mean
    assert cols["feature_shift"] == pytest.approx([2.5, 0.0])
    assert cols["shift_sampling"] == pytest.approx([np.sqrt(1 / 3 + 1 / 2), np.sqrt(1.5)])
    assert cols["spread_ratio"][0] == pytest.approx(0.0)  # two identical held-out points
    assert np.isnan(cols["spread_ratio"][1])  # one held-out point has no spread
    # true-class values and margins: class 0 train (2, 1, 0) margins (2, 1, -1)
    assert cols["train_logit"] == pytest.approx([1.0, 2.0])
    assert cols["train_logit_std"] == pytest.approx([np.std([2, 1, 0]), np.std([1, 3])])
    assert cols["train_margin"] == pytest.approx([2 / 3, 1.5])
    assert cols["eval_logit"] == pytest.approx([2.0, -1.0])
    assert cols["eval_margin"] == pytest.approx([1.0, -1.0])  # (-1 + 3) / 2; -1 - 0
    assert cols["logit_drop"] == pytest.approx([-1.0, 3.0])
    assert cols["margin_drop"] == pytest.approx([2 / 3 - 1.0, 2.5])
    assert cols["train_accuracy"] == pytest.approx([2 / 3, 1.0])
    assert cols["eval_accuracy"] == pytest.approx([0.5, 0.0])
    # cosines to the training means (2, 1)/sqrt5 and (0, 1)
    cos0 = np.mean([2 / np.sqrt(5), 6 / np.sqrt(5) / 3, 7 / np.sqrt(5) / np.sqrt(13)])
    assert cols["train_cosine"] == pytest.approx([cos0, 1.0])
    assert cols["eval_cosine"] == pytest.approx([15 / np.sqrt(5) / np.sqrt(50), 1.0])
    assert cols["train_norm"] == pytest.approx([(1 + 3 + np.sqrt(13)) / 3, 3.0])
    assert cols["eval_norm"] == pytest.approx([np.sqrt(50), 3.0])
    assert cols["group"].tolist() == ["few", "few"]


def test_empty_classes_are_nan():
    f = np.array([[1.0], [2.0], [3.0]])
    z = np.array([[1.0, 0.0, 0.0]] * 3)
    cols = deviation_columns(f, z, np.array([0, 0, 1]), f[:1], z[:1], np.array([0]),
                             n_classes=3)
    assert np.isnan(cols["feature_shift"][1:]).all()  # one training example; none held out
    assert np.isnan(cols["eval_logit"][1:]).all() and np.isnan(cols["train_logit"][2])
    with pytest.raises(ValueError, match="one column per class"):
        deviation_columns(f, z[:, :2], np.array([0, 0, 1]), f, z, np.array([0, 0, 1]),
                          n_classes=3)


def test_a_network_whose_features_are_known(tabular, identity_net):
    X, y, _, _ = tabular
    head = identity_net.module_.classifier
    W, b = head.weight.detach().double().numpy(), head.bias.detach().double().numpy()
    d = np.array([0.5, -1.0, 0, 0, 2.0, 0], dtype=np.float32)
    table = feature_deviation(identity_net, X, y, X + d, y)
    logits = X.astype(np.float64) @ W.T + b
    for k in range(3):
        rows = y == k
        spread = np.sqrt(((X[rows] - X[rows].mean(0)) ** 2).sum() / (rows.sum() - 1))
        assert table["feature_shift"][k] == pytest.approx(np.linalg.norm(d) / spread, rel=1e-5)
        assert table["train_logit"][k] == pytest.approx(logits[rows, k].mean(), rel=1e-5)
        shifted = (X[rows] + d) @ W.T + b
        assert table["eval_logit"][k] == pytest.approx(shifted[:, k].mean(), rel=1e-5)
        assert table["spread_ratio"][k] == pytest.approx(1.0, rel=1e-5)
    assert table["n_train"].tolist() == np.bincount(y).tolist()
    assert list(table) == list(DEVIATION_COLUMNS)


def test_zero_on_the_training_set_and_growing_with_a_known_shift(tabular, identity_net):
    X, y, _, _ = tabular
    same = feature_deviation(identity_net, X, y, X, y)
    assert np.allclose(same["feature_shift"], 0, atol=1e-6)
    assert np.allclose(same["logit_drop"], 0, atol=1e-5)
    assert np.allclose(same["margin_drop"], 0, atol=1e-5)
    assert np.allclose(same["spread_ratio"], 1)
    assert np.allclose(same["train_cosine"], same["eval_cosine"])
    d = np.random.default_rng(0).normal(size=X.shape[1]).astype(np.float32)
    shifts = [feature_deviation(identity_net, X, y, X + t * d, y)["feature_shift"]
              for t in (0.5, 1.0, 2.0)]
    assert np.allclose(shifts[1], 2 * shifts[0], rtol=1e-4)
    assert np.allclose(shifts[2], 2 * shifts[1], rtol=1e-4)


def test_fixed_features_drawn_alike_shift_by_sampling_alone():
    # held-out features drawn like the training ones: the shift is what sampling
    # gives, for a 5-example class as for a 200-example one
    for seed in range(3):
        rng = np.random.default_rng(seed)
        n_train, n_eval, dim = np.array([200, 20, 5]), 500, 400
        c, gc = np.repeat(np.arange(3), n_train), np.repeat(np.arange(3), n_eval)
        means = 3 * rng.normal(size=(3, dim))
        f = means[c] + rng.normal(size=(len(c), dim))
        g = means[gc] + rng.normal(size=(len(gc), dim))
        cols = deviation_columns(f, f @ means.T, c, g, g @ means.T, gc, n_classes=3)
        assert cols["feature_shift"] / cols["shift_sampling"] == pytest.approx(1, abs=0.15)
        assert cols["spread_ratio"] == pytest.approx(1, abs=0.1)


# the ImageNet-size backbones are trained in tests/modules/test_torchvision.py;
# TabM has no penultimate features (its refusal is tested in tests/modules/test_tabm.py)
_LARGE = {"resnet18", "resnet50", "resnet152", "resnext50_32x4d", "tabm"}


@pytest.mark.parametrize("module", sorted(set(list_modules()) - _LARGE))
def test_every_built_in_module(module):
    images = get_module(module)[1] == "images"
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [30, 12, 6])
    X = rng.integers(0, 255, (len(y), 1, 8, 8), dtype=np.uint8) if images else \
        rng.normal(size=(len(y), 5)).astype(np.float32)
    clf = ImbalancedNetClassifier(module=module, max_epochs=1, batch_size=16,
                                  random_state=0).fit(X, y)
    table = feature_deviation(clf, X, y, X[::2], y[::2], as_frame=True)
    assert table.shape == (3, len(DEVIATION_COLUMNS))
    assert table["n_train"].tolist() == [30, 12, 6]
    assert np.isfinite(table["feature_shift"]).all()


def test_wrappers_share_the_network_features(tabular, identity_net):
    X, y, X_eval, y_eval = tabular
    plain = feature_deviation(identity_net, X, y, X_eval, y_eval)
    adjusted = LogitAdjuster(FrozenEstimator(identity_net), tau=1.0).fit(X, y)
    table = feature_deviation(adjusted, X, y, X_eval, y_eval)
    assert np.allclose(table["feature_shift"], plain["feature_shift"])
    # the decision values are the adjusted logits z_c - log(prior_c), up to a constant
    prior = np.bincount(y) / len(y)
    gap = table["eval_logit"] - (plain["eval_logit"] - np.log(prior))
    assert gap == pytest.approx(np.full(3, gap[0]), abs=1e-5)
    scores = adjusted.decision_function(X_eval)
    assert table["eval_logit"] == pytest.approx(
        [scores[y_eval == k, k].mean() for k in range(3)], rel=1e-6)
    crt = make_crt(FrozenEstimator(identity_net)).fit(X, y)
    assert np.allclose(feature_deviation(crt, X, y, X_eval, y_eval)["feature_shift"],
                       plain["feature_shift"])
    search = GridSearchCV(ImbalancedNetClassifier(module=_Identity, **FAST),
                          {"lr": [0.1]}, cv=2).fit(X, y)
    assert np.allclose(feature_deviation(search, X, y, X_eval, y_eval)["feature_shift"],
                       plain["feature_shift"])


def test_a_linear_model_on_its_input(tabular):
    X, y, X_eval, y_eval = tabular
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    table = feature_deviation(lr, X, y, X_eval, y_eval)
    scaled = lr[:-1].transform
    by_hand = feature_deviation(lr[-1], scaled(X), y, scaled(X_eval), y_eval)
    assert np.allclose(table["feature_shift"], by_hand["feature_shift"])
    assert np.allclose(table["eval_margin"], by_hand["eval_margin"])
    # a callable feature map
    table = feature_deviation(lr, X, y, X_eval, y_eval, features=lambda Z: Z[:, :2])
    assert np.all(np.isfinite(table["feature_shift"]))


def test_two_classes_use_the_margin_of_the_single_score():
    X, y = make_classification(200, weights=[0.8], random_state=0)
    lr = LogisticRegression().fit(X, y)
    table = feature_deviation(lr, X, y, X, y)
    s = lr.decision_function(X)
    assert table["train_margin"] == pytest.approx([-s[y == 0].mean(), s[y == 1].mean()])
    assert table["train_accuracy"] == pytest.approx(
        [np.mean(lr.predict(X)[y == k] == k) for k in (0, 1)])
    net = ImbalancedNetClassifier(**FAST).fit(X.astype(np.float32), y)
    table = feature_deviation(net, X, y, X, y)
    logits = net.forward(X)
    assert table["train_logit"][1] == pytest.approx(logits[y == 1, 1].mean(), rel=1e-5)


def test_errors(tabular, identity_net):
    X, y, X_eval, y_eval = tabular
    with pytest.raises(ValueError, match=r"y_eval has labels \[7\] that the estimator was "
                                         r"not fitted on \(classes \[0, 1, 2\]\)"):
        feature_deviation(identity_net, X, y, X_eval, np.full(len(y_eval), 7))
    with pytest.raises(ValueError, match=r"y has labels \['a'\]"):
        feature_deviation(identity_net, X, np.array(["a"] * len(y)), X_eval, y_eval)
    plain = ImbalancedNetClassifier(module=_NoHead, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"a features\(x\) method, which _NoHead does "
                                         "not have"):
        feature_deviation(plain, X, y, X_eval, y_eval)
    assert np.isfinite(feature_deviation(plain, X, y, X_eval, y_eval, features="input")[
        "feature_shift"]).all()
    with pytest.raises(ValueError, match="features must be"):
        feature_deviation(identity_net, X, y, X_eval, y_eval, features="logits")
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="needs a decision_function"):
        feature_deviation(forest, X, y, X_eval, y_eval)
    with pytest.raises(NotFittedError):
        feature_deviation(ImbalancedNetClassifier(), X, y, X_eval, y_eval)
