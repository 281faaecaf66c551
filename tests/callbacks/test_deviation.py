"""FeatureDeviation: what it records, when, and that it agrees with the function."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureDeviation
from skimbal.inspection import feature_deviation

FAST = {"max_epochs": 5, "batch_size": 32, "lr": 0.05, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        400, n_features=6, n_informative=4, n_classes=3, weights=[0.75, 0.2, 0.05],
        random_state=0,
    )
    return X.astype(np.float32), np.array(["cat", "dog", "eel"])[y]


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


class _NoFeatures(nn.Module):
    def __init__(self, n_features, n_classes):
        super().__init__()
        self.body = nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.body(x)


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match=r"FeatureDeviation needs a module with a "
                                         r"features\(x\) method.*_NoFeatures has none"):
        ImbalancedNetClassifier(module=_NoFeatures, callbacks=[
            FeatureDeviation(eval_set=(X, y))], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"eval_set has labels \['fox'\]"):
        ImbalancedNetClassifier(callbacks=[
            FeatureDeviation(eval_set=(X[:2], ["cat", "fox"]))], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"eval_set must be a pair"):
        ImbalancedNetClassifier(callbacks=[FeatureDeviation(eval_set=X)], **FAST).fit(X, y)
