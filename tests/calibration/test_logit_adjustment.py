"""LogitAdjuster against hand-computed values, in both modes, and its errors."""

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from skimbal.calibration import LogitAdjuster


def test_subtracts_tau_log_prior_relative_to_uniform(logits):
    Z, y = logits
    adjuster = LogitAdjuster(tau=1.5, prior=[0.5, 0.3, 0.2]).fit(Z, y)
    expected = Z - 1.5 * np.log(np.array([0.5, 0.3, 0.2]) * 3)
    np.testing.assert_allclose(adjuster.transform(Z), expected)
    np.testing.assert_allclose(adjuster.predict_proba(Z), softmax(expected, axis=1))
    np.testing.assert_array_equal(adjuster.predict(Z), expected.argmax(1))
    # argmax f - tau log pi: the same ranking as Menon et al.'s formula
    np.testing.assert_array_equal(adjuster.predict(Z),
                                  (Z - 1.5 * np.log([0.5, 0.3, 0.2])).argmax(1))


def test_uniform_prior_and_tau_zero_change_nothing(logits):
    Z, y = logits
    cases = [(LogitAdjuster(prior=[1, 1, 1]), y),
             (LogitAdjuster(tau=0.0, prior=[9, 3, 1]), y),
             (LogitAdjuster(), np.repeat([0, 1, 2], 4))]  # counted: uniform
    for adjuster, labels in cases:
        adjuster.fit(Z, labels)
        np.testing.assert_array_equal(adjuster.transform(Z), Z)
        np.testing.assert_array_equal(adjuster.predict(Z), Z.argmax(1))


def test_given_prior_equals_prior_counted_from_y(logits):
    Z, _ = logits
    y = np.repeat([0, 1, 2], [6, 4, 2])
    counted = LogitAdjuster().fit(Z, y)
    np.testing.assert_allclose(counted.prior_, [0.5, 1 / 3, 1 / 6])
    for prior in ([6, 4, 2], [0.5, 1 / 3, 1 / 6], {0: 6, 1: 4, 2: 2}):
        given = LogitAdjuster(prior=prior).fit(Z, y)
        np.testing.assert_allclose(given.transform(Z), counted.transform(Z))


def test_target_prior(logits):
    Z, y = logits
    adjuster = LogitAdjuster(prior=[0.5, 0.3, 0.2], target_prior=[0.2, 0.3, 0.5]).fit(Z, y)
    np.testing.assert_allclose(adjuster.adjustment_, np.log([2.5, 1, 0.4]))


def test_string_labels_and_two_classes():
    Z = np.array([[2.0, 1.5], [0.3, 0.0], [1.0, 2.0]])
    y = np.array(["major", "minor", "minor"])
    adjuster = LogitAdjuster(prior={"major": 0.9, "minor": 0.1}).fit(Z, y)
    np.testing.assert_array_equal(adjuster.predict(Z), ["minor", "minor", "minor"])
    adjusted = adjuster.transform(Z)
    np.testing.assert_allclose(adjuster.decision_function(Z), adjusted[:, 1] - adjusted[:, 0])


def test_wrapping_a_frozen_network_uses_its_training_prior(split, net):
    _, X_held, _, y_held = split
    adjuster = LogitAdjuster(FrozenEstimator(net)).fit(X_held, y_held)
    assert adjuster.estimator_.estimator is net
    np.testing.assert_allclose(adjuster.prior_, net.class_counts_ / net.class_counts_.sum())
    on_logits = LogitAdjuster(prior=net.class_counts_).fit(net.transform(X_held), y_held)
    np.testing.assert_allclose(adjuster.transform(X_held), on_logits.transform(
        net.transform(X_held)), rtol=1e-6)
    assert adjuster.n_features_in_ == net.n_features_in_


def test_wrapping_another_classifier_counts_y():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 0, 1, 1])
    adjuster = LogitAdjuster(LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(adjuster.prior_, [2 / 3, 1 / 3])
    d = adjuster.estimator_.decision_function(X)
    expected = np.column_stack([-d / 2, d / 2]) - np.log(np.array([2 / 3, 1 / 3]) * 2)
    np.testing.assert_allclose(adjuster.transform(X), expected)


def test_logits_with_the_wrong_number_of_columns(logits):
    Z, y = logits
    with pytest.raises(ValueError, match="takes logits, one column per class: X has 2 "
                                         "columns but y has 3 classes"):
        LogitAdjuster().fit(Z[:, :2], y)
    adjuster = LogitAdjuster().fit(Z, y)
    with pytest.raises(ValueError, match="X has 4 features, but LogitAdjuster is expecting 3 "
                                         r"features as input: logits, one column per class"):
        adjuster.predict(np.hstack([Z, Z[:, :1]]))


def test_labels_the_network_never_saw(split, net):
    _, X_held, _, y_held = split
    with pytest.raises(ValueError, match=r"y has labels \[7\] that the network never saw "
                                         r"\(its classes_ are \[0, 1, 2\]\)"):
        LogitAdjuster(FrozenEstimator(net)).fit(X_held, np.where(y_held == 2, 7, y_held))


@pytest.mark.parametrize(
    "prior, message",
    [
        ([0.5, 0.5], r"prior must have one value per class \(3, in the order of classes_\); "
                     "got 2 values"),
        ([0.5, 0.5, 0.0], "prior must be positive and finite"),
        ({0: 1, 1: 1, 5: 1}, r"prior must have one entry per class of classes_ \[0, 1, 2\]; "
                             r"got keys \[0, 1, 5\]"),
    ],
)
def test_bad_prior(logits, prior, message):
    Z, y = logits
    with pytest.raises(ValueError, match=message):
        LogitAdjuster(prior=prior).fit(Z, y)


def test_a_class_absent_from_y_needs_a_given_prior(split, net):
    _, X_held, _, y_held = split
    keep = y_held < 2
    Z = net.transform(X_held[keep])
    with pytest.raises(ValueError, match="X has 3 columns but y has 2 classes. If the "
                                         "calibration data lack some of the network's classes"):
        LogitAdjuster().fit(Z, y_held[keep])
    # the fitted network knows its classes
    adjuster = LogitAdjuster(FrozenEstimator(net)).fit(X_held[keep], y_held[keep])
    assert adjuster.classes_.tolist() == [0, 1, 2]


def test_the_prior_of_a_network_at_the_end_of_a_frozen_pipeline(split):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skimbal import ImbalancedNetClassifier

    from .conftest import FAST

    X_train, X_held, y_train, y_held = split
    pipe = make_pipeline(StandardScaler(), ImbalancedNetClassifier(**FAST)).fit(X_train, y_train)
    adjuster = LogitAdjuster(FrozenEstimator(pipe)).fit(X_held[:30], y_held[:30])
    counts = pipe[-1].class_counts_
    np.testing.assert_allclose(adjuster.prior_, counts / counts.sum())
    np.testing.assert_allclose(adjuster.transform(X_held), pipe.decision_function(X_held)
                               - adjuster.adjustment_, rtol=1e-6)
