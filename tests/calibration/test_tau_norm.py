"""TauNormalizer against hand-computed values, and its errors."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import TauNormalizer

from ..neural_network.test_classifier import _NoHead
from .conftest import FAST


def _head(net):
    head = net.module_.classifier
    return head.weight.detach().double().numpy(), head.bias.detach().double().numpy()


def test_tau_zero_is_the_network(split, net):
    _, X_held, _, y_held = split
    tau0 = TauNormalizer(FrozenEstimator(net), tau=0.0).fit(X_held, y_held)
    np.testing.assert_allclose(tau0.transform(X_held), net.transform(X_held), atol=1e-5)
    np.testing.assert_array_equal(tau0.predict(X_held), net.predict(X_held))


@pytest.mark.parametrize("bias", ["scale", "drop"])
def test_weights_divided_by_their_norms(split, net, bias):
    _, X_held, _, y_held = split
    W, b = _head(net)
    features = net.set_params(transform_to="features").transform(X_held).astype(np.float64)
    net.set_params(transform_to="logits")
    norms = np.linalg.norm(W, axis=1)
    for tau in (0.5, 1.0, 2.0):
        fit = TauNormalizer(FrozenEstimator(net), tau=tau, bias=bias).fit(X_held, y_held)
        np.testing.assert_allclose(fit.weight_norms_, norms)
        np.testing.assert_allclose(np.linalg.norm(fit.coef_, axis=1), norms ** (1 - tau))
        bias_used = b / norms ** tau if bias == "scale" else 0.0
        expected = features @ (W / norms[:, None] ** tau).T + bias_used
        np.testing.assert_allclose(fit.transform(X_held), expected, rtol=1e-5, atol=1e-5)


def test_trains_an_unfitted_network(split, net):
    X_train, X_held, y_train, _ = split
    fit = TauNormalizer(ImbalancedNetClassifier(**FAST), tau=0.0).fit(X_train, y_train)
    np.testing.assert_allclose(fit.transform(X_held), net.transform(X_held), atol=1e-5)


def test_a_network_without_a_linear_head(split):
    X_train, _, y_train, _ = split
    ldam = ImbalancedNetClassifier(loss="ldam", **FAST).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"Tau-normalisation needs a network whose module has "
                                         r"a features\(x\) method and an nn.Linear `classifier`; "
                                         r"MLP has a cosine head \(loss='ldam'\)"):
        TauNormalizer(FrozenEstimator(ldam)).fit(X_train, y_train)

    with pytest.raises(ValueError, match="_NoHead has no such head"):
        TauNormalizer(ImbalancedNetClassifier(module=_NoHead, **FAST)).fit(X_train, y_train)
    with pytest.raises(ValueError, match="needs a skimbal ImbalancedNetClassifier .* got "
                                         "LogisticRegression"):
        TauNormalizer(LogisticRegression()).fit(X_train, y_train)


def test_labels_the_network_never_saw(split, net):
    _, X_held, _, y_held = split
    y_other = y_held.astype(object)
    y_other[y_held == 2] = "x"
    with pytest.raises(ValueError, match=r"y has labels \['x'\] that the network never saw"):
        TauNormalizer(FrozenEstimator(net)).fit(X_held, y_other)
