"""FeatureDeviation: what it records, when, and that it agrees with the function."""

import numpy as np
import pytest

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureDeviation
from skimbal.inspection import feature_deviation

from ..neural_network.test_classifier import _NoHead

FAST = {"max_epochs": 5, "batch_size": 32, "lr": 0.05, "random_state": 0}


def test_records_every_n_epochs_and_agrees_with_the_function(data):
    X, y = data
    held = (X[300:], y[300:])
    clf = ImbalancedNetClassifier(
        callbacks=[FeatureDeviation(eval_set=held, eval_name="test", every=2)], **FAST,
    ).fit(X[:300], y[:300])
    history = clf.net_.history
    keys = ["train_logit", "train_margin", "train_cosine", "test_logit", "test_margin",
            "test_cosine", "test_feature_shift", "test_spread_ratio"]
    for key in keys:
        recorded = [row["epoch"] for row in history if key in row]
        assert recorded == [1, 3, 5], key
        assert len(history[-1, key]) == 3
    table = feature_deviation(clf, X[:300], y[:300], *held)
    for key in keys:
        column = key.replace("test_feature", "feature").replace("test_spread", "spread")
        column = column.replace("test_", "eval_")
        assert np.allclose(history[-1, key], table[column], rtol=1e-4, atol=1e-5), key
    # the records move with training: the margins grow from the first epoch
    assert np.mean(history[-1, "train_margin"]) > np.mean(history[0, "train_margin"])


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match=r"FeatureDeviation needs a module with a "
                                         r"features\(x\) method.*_NoHead has none"):
        ImbalancedNetClassifier(module=_NoHead, callbacks=[
            FeatureDeviation(eval_set=(X, y))], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"eval_set has labels \['fox'\]"):
        ImbalancedNetClassifier(callbacks=[
            FeatureDeviation(eval_set=(X[:2], ["cat", "fox"]))], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"eval_set must be a pair"):
        ImbalancedNetClassifier(callbacks=[FeatureDeviation(eval_set=X)], **FAST).fit(X, y)
