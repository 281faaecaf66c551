import hashlib
import os
import pickle

import numpy as np
import pytest
from torchvision.datasets import CIFAR10, CIFAR100

from skimbal.datasets import (
    get_data_home,
    load_cifar10_lt,
    load_cifar100_lt,
    load_fashion_mnist_lt,
    long_tailed_counts,
)


def test_fashion_mnist_lt_real_files(fashion_mnist_home):
    X, y, X_test, y_test = load_fashion_mnist_lt(100, n_max=500, data_home=fashion_mnist_home)
    assert X.shape == (1236, 1, 28, 28) and X.dtype == np.uint8
    assert np.bincount(y).tolist() == [500, 299, 179, 107, 64, 38, 23, 13, 8, 5]
    assert X_test.shape == (10000, 1, 28, 28)
    assert np.bincount(y_test).tolist() == [1000] * 10
    X_step, y_step, _, _ = load_fashion_mnist_lt(
        100, "step", n_max=500, data_home=fashion_mnist_home
    )
    assert np.bincount(y_step).tolist() == [500] * 5 + [5] * 5


def test_missing_files_give_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass download=True"):
        load_fashion_mnist_lt(data_home=tmp_path)


def test_data_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SKIMBAL_DATA", str(tmp_path / "here"))
    assert get_data_home() == str(tmp_path / "here")
    assert os.path.isdir(tmp_path / "here")


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def _write(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f)
    return [os.path.basename(path), _md5(path)]


def _fake_cifar(root, monkeypatch, cls, n_classes, per_class_train, per_class_test):
    """Write a small dataset in CIFAR's pickle layout and point torchvision's checksums at it."""
    rng = np.random.RandomState(0)
    folder = root / cls.base_folder
    folder.mkdir(parents=True)
    label_key = "labels" if cls is CIFAR10 else "fine_labels"

    def batch(n_per_class):
        labels = rng.permutation(np.repeat(np.arange(n_classes), n_per_class))
        data = rng.randint(0, 256, size=(len(labels), 3072), dtype=np.uint8)
        data[:, 0] = labels  # first red pixel holds the label, to check the layout
        return {"data": data, label_key: labels.tolist()}

    if cls is CIFAR10:
        train = [_write(folder / f"data_batch_{i}", batch(per_class_train // 5))
                 for i in range(1, 6)]
        test = [_write(folder / "test_batch", batch(per_class_test))]
        meta_name, meta_key = "batches.meta", "label_names"
    else:
        train = [_write(folder / "train", batch(per_class_train))]
        test = [_write(folder / "test", batch(per_class_test))]
        meta_name, meta_key = "meta", "fine_label_names"
    meta = _write(folder / meta_name, {meta_key: [f"c{i}" for i in range(n_classes)]})
    monkeypatch.setattr(cls, "train_list", train)
    monkeypatch.setattr(cls, "test_list", test)
    monkeypatch.setattr(cls, "meta", {"filename": meta_name, "key": meta_key, "md5": meta[1]})


def test_cifar10_lt_on_fake_root(tmp_path, monkeypatch):
    _fake_cifar(tmp_path, monkeypatch, CIFAR10, 10, per_class_train=50, per_class_test=4)
    X, y, X_test, y_test = load_cifar10_lt(10, n_max=40, data_home=tmp_path)
    assert X.shape[1:] == (3, 32, 32) and X.dtype == np.uint8
    assert np.bincount(y).tolist() == long_tailed_counts(10, 10, n_max=40)
    np.testing.assert_array_equal(X[:, 0, 0, 0], y)  # HWC -> CHW kept the pixels in place
    assert np.bincount(y_test).tolist() == [4] * 10


def test_cifar100_lt_on_fake_root(tmp_path, monkeypatch):
    _fake_cifar(tmp_path, monkeypatch, CIFAR100, 100, per_class_train=12, per_class_test=2)
    X, y, X_test, y_test = load_cifar100_lt(10, n_max=10, data_home=tmp_path)
    assert np.bincount(y, minlength=100).tolist() == long_tailed_counts(100, 10, n_max=10)
    np.testing.assert_array_equal(X[:, 0, 0, 0], y)
    assert len(y_test) == 200


def test_cifar_download_flag_reaches_torchvision(tmp_path, monkeypatch):
    seen = {}

    def fake_init(self, root, train=True, download=False, **kwargs):
        seen["download"] = download
        raise RuntimeError("Dataset not found or corrupted.")

    monkeypatch.setattr(CIFAR10, "__init__", fake_init)
    with pytest.raises(FileNotFoundError, match="CIFAR10 not found"):
        load_cifar10_lt(data_home=tmp_path, download=True)
    assert seen["download"] is True


def _corrupt(path, how):
    data = bytearray(open(path, "rb").read())
    if how == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


@pytest.mark.parametrize("how", ["truncate", "flip"])
def test_corrupt_archive_fails_its_checksum_by_name(fashion_mnist_home, tmp_path, how):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(os.path.join(fashion_mnist_home, "FashionMNIST"), home / "FashionMNIST",
                    ignore=shutil.ignore_patterns("*-ubyte"))  # the archives only
    archive = home / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    _corrupt(archive, how)
    with pytest.raises(OSError, match=r"train-labels-idx1-ubyte.gz fails its checksum"):
        load_fashion_mnist_lt(data_home=home)


def test_flipped_byte_in_an_extracted_file_is_caught(fashion_mnist_home, tmp_path):
    import shutil

    load_fashion_mnist_lt(n_max=500, data_home=fashion_mnist_home)  # extracts the archives
    home = tmp_path / "home"
    shutil.copytree(os.path.join(fashion_mnist_home, "FashionMNIST"), home / "FashionMNIST")
    _corrupt(home / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte", "flip")
    with pytest.raises(OSError, match=r"t10k-images-idx3-ubyte fails its checksum"):
        load_fashion_mnist_lt(n_max=500, data_home=home)


def test_corrupt_cifar_batch_is_named(tmp_path, monkeypatch):
    _fake_cifar(tmp_path, monkeypatch, CIFAR10, 10, per_class_train=50, per_class_test=4)
    _corrupt(tmp_path / CIFAR10.base_folder / "data_batch_3", "flip")
    with pytest.raises(OSError, match="data_batch_3 fails its checksum"):
        load_cifar10_lt(10, n_max=40, data_home=tmp_path)


def test_cifar10_lt_holdout_on_fake_root(tmp_path, monkeypatch):
    _fake_cifar(tmp_path, monkeypatch, CIFAR10, 10, per_class_train=50, per_class_test=4)
    X, y, _, _ = load_cifar10_lt(10, n_max=40, data_home=tmp_path, random_state=1)
    X2, y2, X_hold, y_hold, X_test, y_test = load_cifar10_lt(
        10, n_max=40, data_home=tmp_path, random_state=1, holdout_per_class=10)
    np.testing.assert_array_equal(X, X2)
    assert np.bincount(y_hold).tolist() == [10] * 10 and len(y_test) == 40
    np.testing.assert_array_equal(X_hold[:, 0, 0, 0], y_hold)
    train_rows = {row.tobytes() for row in X}  # random images: every one is unique
    assert not any(row.tobytes() in train_rows for row in X_hold)
    with pytest.raises(ValueError, match="the classes 0 \\(10\\) .* use at most 10"):
        load_cifar10_lt(10, n_max=40, data_home=tmp_path, holdout_per_class=11)
