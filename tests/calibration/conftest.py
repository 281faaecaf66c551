import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from skimbal import ImbalancedNetClassifier

FAST = {"max_epochs": 8, "batch_size": 32, "lr": 0.05, "random_state": 0}


@pytest.fixture(scope="session")
def split():
    """600 rows, 3 classes of about 420, 130 and 50 rows, split in half (stratified)."""
    X, y = make_classification(
        600, n_features=8, n_informative=5, n_classes=3, weights=[0.7, 0.22, 0.08],
        random_state=0,
    )
    return train_test_split(X.astype(np.float32), y, test_size=0.5, stratify=y,
                            random_state=0)


@pytest.fixture(scope="session")
def net(split):
    """An ERM network fitted on the first half."""
    X_train, _, y_train, _ = split
    return ImbalancedNetClassifier(**FAST).fit(X_train, y_train)


@pytest.fixture
def logits():
    rng = np.random.RandomState(0)
    return rng.normal(size=(12, 3)) * 2, np.array([0, 1, 2, 0] * 3)
