"""scikit-learn's estimator checks over representative settings."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skimbal import ImbalancedNetClassifier

_FAST = {"max_epochs": 10, "batch_size": 32, "lr": 0.05, "random_state": 0}
ESTIMATORS = [
    ImbalancedNetClassifier(**_FAST),
    ImbalancedNetClassifier(loss="ldam", schedule="drw", **_FAST),
    ImbalancedNetClassifier(
        loss="logit_adjusted", sampler="class_balanced", class_weight="balanced", **_FAST
    ),
]

EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "SGD over shuffled mini-batches: a weight of 2 is not the same as a "
        "repeated row (different batches and steps), so the fits differ."
    ),
}


def _expected_failures(estimator):
    return EXPECTED_FAILURES


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
