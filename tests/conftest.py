import os

import pytest
import torch

# Under pytest-xdist each worker gets one thread: two workers on two cores
# would otherwise oversubscribe them.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)

SHARED_DATA = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data")


@pytest.fixture(scope="session")
def fashion_mnist_home(tmp_path_factory):
    """A writable copy of the real Fashion-MNIST files (skipped if absent)."""
    import shutil

    source = os.path.join(SHARED_DATA, "fashion-mnist", "FashionMNIST")
    if not os.path.isdir(source):
        pytest.skip("../shared/data/fashion-mnist is not available")
    home = tmp_path_factory.mktemp("data")
    shutil.copytree(source, home / "FashionMNIST")
    return str(home)
