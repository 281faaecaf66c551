"""Data shared by the callback tests."""

import numpy as np
import pytest
from sklearn.datasets import make_classification


@pytest.fixture(scope="module")
def data():
    """A 3-class imbalanced table with string labels."""
    X, y = make_classification(
        400, n_features=6, n_informative=4, n_classes=3, weights=[0.75, 0.2, 0.05],
        random_state=0,
    )
    return X.astype(np.float32), np.array(["cat", "dog", "eel"])[y]
