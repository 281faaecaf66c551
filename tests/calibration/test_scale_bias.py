"""ClassScaleBias: its objective, what it recovers, and its weighting."""

import numpy as np
import pytest
from scipy.optimize import check_grad
from sklearn.frozen import FrozenEstimator

from skimbal.calibration import ClassScaleBias
from skimbal.calibration._scale_bias import _objective


def _draw(scales, biases, n, seed=0):
    rng = np.random.RandomState(seed)
    Z = rng.normal(size=(n, len(scales))) * 2
    scores = Z * scales + biases
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(len(scales), p=row) for row in p])
    return Z, y


def test_gradient_matches_finite_differences():
    Z, y = _draw([1.0, 2.0, 0.5], [0.0, -1.0, 1.0], 50)
    weight = np.full(50, 1 / 50)
    params = np.array([0.8, 1.3, 0.7, 0.2, -0.1, 0.4])
    error = check_grad(lambda p: _objective(p, Z, y, weight, 0.1)[0],
                       lambda p: _objective(p, Z, y, weight, 0.1)[1], params)
    assert error < 1e-6


def test_recovers_the_scales_and_biases_that_generated_the_labels():
    scales, biases = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 1.0])
    Z, y = _draw(scales, biases, 20000)
    fit = ClassScaleBias(class_weight=None, alpha=0.0).fit(Z, y)
    np.testing.assert_allclose(fit.scales_, scales, atol=0.1)
    # biases are defined up to a common shift
    np.testing.assert_allclose(fit.biases_ - fit.biases_.mean(), biases - biases.mean(),
                               atol=0.1)


def test_a_strong_ridge_keeps_the_identity():
    Z, y = _draw([1.0, 2.0, 0.5], [0.0, -1.0, 1.0], 500)
    fit = ClassScaleBias(alpha=1e6).fit(Z, y)
    np.testing.assert_allclose(fit.scales_, 1.0, atol=1e-4)
    np.testing.assert_allclose(fit.biases_, 0.0, atol=1e-4)
    np.testing.assert_allclose(fit.transform(Z), Z, atol=1e-3)


def test_balanced_weighting_raises_rare_class_scores():
    # logits that ignore the prior; the held-out labels are 90% class 0
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], [900, 100])
    Z = np.column_stack([rng.normal(size=1000), rng.normal(size=1000)])
    Z[y == 1, 1] += 1.0
    plain = ClassScaleBias(class_weight=None).fit(Z, y)
    balanced = ClassScaleBias().fit(Z, y)
    dict_weighted = ClassScaleBias(class_weight={0: 1.0, 1: 9.0}).fit(Z, y)
    gap = {name: fit.biases_[1] - fit.biases_[0]
           for name, fit in (("plain", plain), ("balanced", balanced))}
    assert gap["balanced"] > gap["plain"] + 1.0
    np.testing.assert_allclose(dict_weighted.biases_, balanced.biases_, atol=1e-4)
    assert (balanced.predict(Z) == 1).mean() > (plain.predict(Z) == 1).mean()


def test_fits_on_held_out_data_of_a_frozen_network(split, net):
    _, X_held, _, y_held = split
    fit = ClassScaleBias(FrozenEstimator(net)).fit(X_held, y_held)
    logits = net.transform(X_held)
    np.testing.assert_allclose(fit.transform(X_held), logits * fit.scales_ + fit.biases_,
                               rtol=1e-6)
    assert fit.n_iter_ >= 1


def test_rejects_unknown_class_weight_type(logits):
    Z, y = logits
    with pytest.raises(ValueError, match="class_weight"):
        ClassScaleBias(class_weight="sqrt").fit(Z, y)
