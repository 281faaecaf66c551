import numpy as np
import pytest
from sklearn.datasets import make_classification


@pytest.fixture(scope="session")
def tabular():
    """300 rows, 6 features, 3 classes of about 210, 66 and 24 rows."""
    X, y = make_classification(
        300, n_features=6, n_informative=4, n_classes=3, weights=[0.7, 0.22, 0.08],
        random_state=0,
    )
    return X.astype(np.float32), y
