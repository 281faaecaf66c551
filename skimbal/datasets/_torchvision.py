"""Long-tailed MNIST, Fashion-MNIST and CIFAR-10/100 through torchvision."""

import hashlib
import os

import numpy as np

from ._base import get_data_home
from ._long_tailed import _holdout, make_long_tailed

_DOC_PARAMS = """
    Parameters
    ----------
    imbalance_ratio : float, default=100
        Ratio of the largest to the smallest training class.
    profile : {{"exponential", "step"}}, default="exponential"
        Shape of the training class distribution.
    n_max : int, default={n_max}
        Size of the largest training class.
    random_state : int, RandomState instance or None, default=0
        Seed of the subsampling (the LDAM protocol's ``rand_number``).
    data_home : str or path-like, default=None
        Folder holding torchvision's files (see :func:`get_data_home`).
    download : bool, default=False
        Let torchvision download missing files. Archives already in
        ``data_home`` with the right checksums are used without a download.
    holdout_per_class : int, default=None
        Also return a balanced held-out set of this many images per class,
        drawn (with ``random_state``) from the training images the
        long-tailed subset left out: validation data for choosing a recipe
        or tuning a post-hoc step, never the test set. The training set is
        the same with or without it.

    Returns
    -------
    X_train : ndarray of shape (n_train, {shape}), uint8
    y_train : ndarray of shape (n_train,)
    X_holdout : ndarray of shape (n_classes * holdout_per_class, {shape}), uint8
        Only with ``holdout_per_class``.
    y_holdout : ndarray of shape (n_classes * holdout_per_class,)
        Only with ``holdout_per_class``.
    X_test : ndarray of shape (n_test, {shape}), uint8
        The full, balanced test set.
    y_test : ndarray of shape (n_test,)
        Its labels.

    See Also
    --------
    make_long_tailed : The subsampling, for arrays of your own.
    get_data_home : Where the files are looked for.

    Examples
    --------
    The first call downloads torchvision's files (skipped here):

    >>> from skimbal.datasets import {func}
    >>> X, y, X_test, y_test = {func}(download=True)  # doctest: +SKIP
    >>> X.shape, X_test.shape  # doctest: +SKIP
    (({n_train}, {shape}), ({n_test}, {shape}))

    The training counts, class by class, are the LDAM protocol's:

    >>> from skimbal.datasets import long_tailed_counts
    >>> sum(long_tailed_counts({n_classes}, 100, n_max={n_max}))
    {n_train}
"""


# md5 of the files torchvision extracts from MNIST's and Fashion-MNIST's
# archives (torchvision checks only the archives)
_EXTRACTED_MD5 = {
    "FashionMNIST": {
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    },
    "MNIST": {
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    },
}


def _md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_files(dataset_cls, root):
    """(path, md5) of every file of the dataset that torchvision or skimbal checks."""
    name = dataset_cls.__name__
    if hasattr(dataset_cls, "resources"):
        raw = os.path.join(root, name, "raw")
        for url, md5 in dataset_cls.resources:
            yield os.path.join(raw, os.path.basename(url)), md5
        for filename, md5 in _EXTRACTED_MD5.get(name, {}).items():
            yield os.path.join(raw, filename), md5
    if hasattr(dataset_cls, "train_list"):
        folder = os.path.join(root, dataset_cls.base_folder)
        for filename, md5 in dataset_cls.train_list + dataset_cls.test_list:
            yield os.path.join(folder, filename), md5
        meta = dataset_cls.meta
        yield os.path.join(folder, meta["filename"]), meta["md5"]
        yield os.path.join(root, dataset_cls.filename), dataset_cls.tgz_md5


def _verify(dataset_cls, root):
    """Check every file present against its md5; a clear error names a bad one."""
    for path, md5 in _expected_files(dataset_cls, root):
        if os.path.exists(path) and _md5(path) != md5:
            raise OSError(
                f"{path} fails its checksum (md5 {_md5(path)}, expected {md5}): the "
                "file is truncated or corrupt. Delete it, then copy the original or "
                "pass download=True."
            )


def _open(dataset_cls, root, train, download):
    """Open a torchvision dataset, extracting verified archives offline."""
    resources = getattr(dataset_cls, "resources", None)
    if resources and not download:
        raw = os.path.join(root, dataset_cls.__name__, "raw")
        archives = [os.path.join(raw, os.path.basename(url)) for url, _ in resources]
        # torchvision's download() only extracts archives whose md5 matches
        download = all(os.path.exists(a) for a in archives)
    try:
        dataset = dataset_cls(root=root, train=train, download=download)
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"{dataset_cls.__name__} not found in data_home={root!r} ({exc}). Put "
            "torchvision's files there or pass download=True."
        ) from exc
    return dataset


def _load(dataset_cls, imbalance_ratio, profile, n_max, random_state, data_home, download,
          holdout_per_class):
    root = get_data_home(data_home)
    _verify(dataset_cls, root)
    train = _open(dataset_cls, root, True, download)
    test = _open(dataset_cls, root, False, download)
    _verify(dataset_cls, root)  # what torchvision extracted or downloaded
    X_train, y_train = _as_arrays(train)
    X_test, y_test = _as_arrays(test)
    X_lt, y_lt, used = make_long_tailed(
        X_train, y_train, imbalance_ratio, profile, n_max=n_max,
        random_state=random_state, return_indices=True,
    )
    if holdout_per_class is None:
        return X_lt, y_lt, X_test, y_test
    held = _holdout(y_train, used, holdout_per_class, random_state, dataset_cls.__name__)
    return X_lt, y_lt, X_train[held], y_train[held], X_test, y_test


def _as_arrays(dataset):
    data = np.asarray(dataset.data)
    data = data[:, None] if data.ndim == 3 else data.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(data, dtype=np.uint8), np.asarray(dataset.targets, dtype=np.int64)


def load_mnist_lt(imbalance_ratio=100, profile="exponential", *, n_max=5000,
                  random_state=0, data_home=None, download=False,
                  holdout_per_class=None):
    from torchvision.datasets import MNIST

    return _load(MNIST, imbalance_ratio, profile, n_max, random_state, data_home, download,
                 holdout_per_class)


def load_fashion_mnist_lt(imbalance_ratio=100, profile="exponential", *, n_max=5000,
                          random_state=0, data_home=None, download=False,
                          holdout_per_class=None):
    from torchvision.datasets import FashionMNIST

    return _load(FashionMNIST, imbalance_ratio, profile, n_max, random_state, data_home,
                 download, holdout_per_class)


def load_cifar10_lt(imbalance_ratio=100, profile="exponential", *, n_max=5000,
                    random_state=0, data_home=None, download=False,
                    holdout_per_class=None):
    from torchvision.datasets import CIFAR10

    return _load(CIFAR10, imbalance_ratio, profile, n_max, random_state, data_home, download,
                 holdout_per_class)


def load_cifar100_lt(imbalance_ratio=100, profile="exponential", *, n_max=500,
                     random_state=0, data_home=None, download=False,
                     holdout_per_class=None):
    from torchvision.datasets import CIFAR100

    return _load(CIFAR100, imbalance_ratio, profile, n_max, random_state, data_home,
                 download, holdout_per_class)


for _func, _name, _n_max, _shape, _n_classes, _n_train, _n_test in [
    (load_mnist_lt, "MNIST", 5000, "1, 28, 28", 10, 12406, 10000),
    (load_fashion_mnist_lt, "Fashion-MNIST", 5000, "1, 28, 28", 10, 12406, 10000),
    (load_cifar10_lt, "CIFAR-10", 5000, "3, 32, 32", 10, 12406, 10000),
    (load_cifar100_lt, "CIFAR-100", 500, "3, 32, 32", 100, 10847, 10000),
]:
    _func.__doc__ = (
        f"Long-tailed {_name} training set and its balanced test set.\n\n"
        f"    The training set is subsampled with :func:`make_long_tailed` (the\n"
        f"    LDAM protocol); the test set is {_name}'s full test set.\n"
        + _DOC_PARAMS.format(n_max=_n_max, shape=_shape, func=_func.__name__,
                             n_classes=_n_classes, n_train=_n_train, n_test=_n_test)
    )
