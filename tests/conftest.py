import os
import shutil

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split

# Under pytest-xdist each worker gets one thread: two workers on two cores
# would otherwise oversubscribe them.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)

SHARED_DATA = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data")


@pytest.fixture(scope="session")
def shared_data():
    """Path of a dataset under the project's ../shared/data (skipped if absent)."""

    def path(*parts):
        full = os.path.join(SHARED_DATA, *parts)
        if not os.path.exists(full):
            pytest.skip(f"../shared/data/{'/'.join(parts)} is not available")
        return full

    return path


@pytest.fixture(scope="session")
def fashion_mnist_home(tmp_path_factory, shared_data):
    """A writable copy of the real Fashion-MNIST files (skipped if absent)."""
    source = shared_data("fashion-mnist", "FashionMNIST")
    home = tmp_path_factory.mktemp("data")
    shutil.copytree(source, home / "FashionMNIST")
    return str(home)


@pytest.fixture(scope="session")
def yeast_me2(shared_data):
    """imbalanced-learn's yeast_me2 split in half: 1,484 rows, 51 positives (ratio 28)."""
    data = np.load(shared_data("tabular", "imblearn-zenodo", "x22data.npz"))
    X, y = data["data"].astype(np.float32), data["label"]
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
