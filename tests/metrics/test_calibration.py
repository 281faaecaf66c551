"""Expected calibration error against values computed by hand."""

import numpy as np
import pytest

from skimbal.metrics import expected_calibration_error


def test_hand_values():
    # one example per bin: ECE is the mean gap |correct - confidence|
    y_prob = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]
    assert expected_calibration_error([0, 1, 1], y_prob) == pytest.approx((0.1 + 0.2 + 0.7) / 3)
    # two examples in one bin: gap of the bin's means, weighted by its share
    y_prob = [[0.95, 0.05], [0.05, 0.95], [0.6, 0.4], [0.4, 0.6]]
    y = [0, 0, 0, 1]
    # bin (0.933, 1]: acc 1/2, conf 0.95 -> 0.45; bin (0.533, 0.6]: acc 1, conf 0.6 -> 0.4
    expected = 0.5 * 0.45 + 0.5 * 0.4
    assert expected_calibration_error(y, y_prob) == pytest.approx(expected)
    assert expected_calibration_error(y, y_prob, n_bins=1) == pytest.approx(abs(0.75 - 0.775))


def test_perfectly_calibrated_is_zero_and_labels_map_columns():
    y = ["b"] * 8 + ["a"] * 2  # confidence 0.8 on "b" everywhere: 80% right
    y_prob = np.tile([0.2, 0.8], (10, 1))
    assert expected_calibration_error(y, y_prob) == pytest.approx(0.0)
    assert expected_calibration_error(y, y_prob[:, ::-1], labels=["b", "a"]) == \
        pytest.approx(0.0)


def test_errors():
    with pytest.raises(ValueError, match="pass labels="):
        expected_calibration_error([0, 0], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0, 1], [[0.5, 0.5], [0.5, 0.5]], n_bins=0)
