"""Fits repeat from their seed however they are run: in sequence or in threads."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score

from skimbal import ImbalancedNetClassifier

FAST = {"max_epochs": 4, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(300, n_features=8, n_informative=5, n_classes=3,
                               weights=[0.7, 0.22, 0.08], random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 16, 10])
    return rng.randint(0, 255, size=(len(y), 1, 10, 10)).astype(np.uint8), y


def _split_scores(search):
    keys = sorted(k for k in search.cv_results_ if k.startswith("split"))
    return np.array([search.cv_results_[k] for k in keys])


@pytest.mark.parametrize("kind, params", [
    ("tabular", {"mfw": True}),
    ("images", {"module": "resnet8", "sampler": "class_balanced"}),
])
def test_grid_search_in_threads_equals_sequential(tabular, images, kind, params):
    X, y = tabular if kind == "tabular" else images
    grid = {"lr": [0.05, 0.1], "loss": ["ce", "ldam"]}

    def run(n_jobs):
        search = GridSearchCV(ImbalancedNetClassifier(**params, **FAST), grid, cv=3,
                              scoring="balanced_accuracy", n_jobs=n_jobs, refit=False)
        with parallel_config(backend="threading"):
            return _split_scores(search.fit(X, y))

    sequential = run(1)
    assert len(np.unique(sequential)) > 4  # the candidates and folds differ
    np.testing.assert_array_equal(run(2), sequential)


def test_cross_val_score_in_threads_repeats(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(sampler="class_balanced", **FAST)
    sequential = cross_val_score(clf, X, y, cv=3)
    with parallel_config(backend="threading", n_jobs=3):
        threaded = [cross_val_score(clf, X, y, cv=3) for _ in range(2)]
    for scores in threaded:
        np.testing.assert_array_equal(scores, sequential)
