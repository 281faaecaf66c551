"""scikit-learn's estimator checks over representative settings."""

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import ClassScaleBias, ClassTemperature, LogitAdjuster, TauNormalizer

_FAST = {"max_epochs": 10, "batch_size": 32, "lr": 0.05, "random_state": 0}
ESTIMATORS = [
    ImbalancedNetClassifier(**_FAST),
    ImbalancedNetClassifier(loss="ldam", schedule="drw", **_FAST),
    ImbalancedNetClassifier(
        loss="logit_adjusted", sampler="class_balanced", class_weight="balanced", **_FAST
    ),
    ImbalancedNetClassifier(mfw=True, **_FAST),
    ImbalancedNetClassifier(reweight="l2rw", meta_dev_size=1, **_FAST),
    # calibrators wrapping a classifier, so that they take the checks' data
    LogitAdjuster(LogisticRegression()),
    ClassTemperature(LogisticRegression()),
    ClassScaleBias(LogisticRegression()),
    TauNormalizer(ImbalancedNetClassifier(**_FAST)),
]

EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "SGD over shuffled mini-batches: a weight of 2 is not the same as a "
        "repeated row (different batches and steps), so the fits differ."
    ),
    "check_methods_subset_invariance": (
        "float32 inference: scoring a subset changes the batch and so the BLAS "
        "summation order, which moves logits by ~1e-7 relative (the check's "
        "tolerance); predictions are unaffected. Passes for most settings."
    ),
}


DRW_FAILURES = {
    "check_class_weight_classifiers": (
        "schedule='drw' defers class_weight to the last 20% of training at a "
        "decayed learning rate, by design, so extreme weights cannot dominate "
        "the fit as the check expects."
    ),
}


L2RW_FAILURES = {
    "check_class_weight_classifiers": (
        "reweight='l2rw' learns every example's weight from the development "
        "loss; it rejects class_weight with an error naming the conflict."
    ),
}


def _expected_failures(estimator):
    if isinstance(estimator, TauNormalizer):
        # the network's float32 features, as for the network itself
        return {"check_methods_subset_invariance": EXPECTED_FAILURES[
            "check_methods_subset_invariance"]}
    if not isinstance(estimator, ImbalancedNetClassifier):
        return {}
    if estimator.schedule == "drw":
        return {**EXPECTED_FAILURES, **DRW_FAILURES}
    if estimator.reweight == "l2rw":
        return {**EXPECTED_FAILURES, **L2RW_FAILURES}
    return EXPECTED_FAILURES


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
