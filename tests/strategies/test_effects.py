"""The seed phenomenon and MFW's effect on it, on real imbalanced data."""

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy


def _progress(split, **params):
    X_train, X_test, y_train, y_test = split
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    clf = ImbalancedNetClassifier(
        max_epochs=30, random_state=0, callbacks=[
            PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test"),
            FeatureGradientNorms()], **params).fit(X_train, y_train)
    history = clf.net_.history
    return {key: np.array(history[:, key])
            for key in ("feature_grad_norm", "train_class_acc", "test_class_acc")}


@pytest.fixture(scope="module")
def erm(yeast_me2):
    return _progress(yeast_me2)


def test_erm_pushes_minor_features_with_larger_gradients(erm):
    # yeast_me2: class 1 is the minor class (ratio 28). In the first epochs
    # ERM classifies every minor example as major and the minor class's
    # feature gradients are more than ten times the major class's.
    grad, train = erm["feature_grad_norm"], erm["train_class_acc"]
    assert (train[:5, 1] == 0).all() and (train[:5, 0] > 0.95).all()
    assert (grad[:5, 1] > 10 * grad[:5, 0]).all()


def test_mfw_equalises_progress_and_helps_the_minor_class(yeast_me2, erm):
    # Thresholds checked on 4 stratified halvings x 3 seeds before writing
    # the test (benchmarks/mfw_effect_check.py, results/mfw_effect_yeast_me2.json):
    # MFW's minor-class training accuracy at the last epoch is above ERM's
    # by 0.077 or more, its minor/major feature-gradient ratio at epoch 10 is
    # at most 0.78x ERM's, its minor test recall is above ERM's on every run
    # (by one example of 25 at least), and it keeps the major class at 0.969
    # or more. (Minor training accuracy at epoch 10 is not asserted: MFW
    # ties ERM there on one run of twelve.)
    mfw = _progress(yeast_me2, mfw=True)
    ratio = {name: run["feature_grad_norm"][9, 1] / run["feature_grad_norm"][9, 0]
             for name, run in (("erm", erm), ("mfw", mfw))}
    assert mfw["train_class_acc"][-1, 1] > erm["train_class_acc"][-1, 1] + 0.05
    assert ratio["mfw"] < 0.85 * ratio["erm"]
    assert mfw["test_class_acc"][-1, 1] > erm["test_class_acc"][-1, 1]
    assert mfw["test_class_acc"][-1, 0] > 0.95
