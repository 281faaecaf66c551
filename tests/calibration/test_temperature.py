"""ClassTemperature against hand-computed values."""

import numpy as np
from sklearn.frozen import FrozenEstimator

from skimbal.calibration import ClassTemperature


def test_multiplies_logits_by_count_ratio_powers(logits):
    Z, y = logits
    scaler = ClassTemperature(gamma=0.5, class_counts=[100, 25, 4]).fit(Z, y)
    np.testing.assert_allclose(scaler.temperatures_, [1.0, 2.0, 5.0])
    np.testing.assert_allclose(scaler.transform(Z), Z * [1.0, 2.0, 5.0])
    np.testing.assert_array_equal(scaler.predict(Z), (Z * [1.0, 2.0, 5.0]).argmax(1))


def test_gamma_zero_is_the_identity(logits):
    Z, y = logits
    np.testing.assert_array_equal(ClassTemperature(gamma=0.0).fit(Z, y).transform(Z), Z)


def test_given_counts_equal_counts_from_y(logits):
    Z, _ = logits
    y = np.repeat([0, 1, 2], [8, 3, 1])
    counted = ClassTemperature().fit(Z, y)
    given = ClassTemperature(class_counts={0: 8, 1: 3, 2: 1}).fit(Z, y)
    np.testing.assert_allclose(counted.temperatures_, (8 / np.array([8, 3, 1])) ** 0.2)
    np.testing.assert_allclose(given.transform(Z), counted.transform(Z))


def test_frozen_network_uses_its_training_counts(split, net):
    _, X_held, _, y_held = split
    scaler = ClassTemperature(FrozenEstimator(net), gamma=0.3).fit(X_held, y_held)
    counts = net.class_counts_
    np.testing.assert_allclose(scaler.temperatures_, (counts.max() / counts) ** 0.3)
    np.testing.assert_allclose(scaler.transform(X_held),
                               net.transform(X_held) * scaler.temperatures_, rtol=1e-6)
