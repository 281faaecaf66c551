import os
import shutil

import pytest
import torch

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
