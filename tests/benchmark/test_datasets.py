"""The harness's data sets: names, options, splits."""

import numpy as np
import pytest

from skimbal.benchmark import dataset_info, list_datasets, load_split, resolve_data
from skimbal.datasets import load_digits_lt


def test_every_named_data_set_is_there():
    names = set(list_datasets())
    assert {"digits-lt", "mnist-lt", "fashion-mnist-lt", "cifar10-lt", "cifar100-lt",
            "ecoli", "mammography", "abalone_19"} <= names
    assert dataset_info("ecoli")["kind"] == "tabular"
    assert dataset_info("cifar100-lt")["defaults"]["n_max"] == 500


def test_resolve_fills_defaults_and_refuses_unknown_options():
    assert resolve_data("digits-lt", imbalance_ratio=10) == {
        "name": "digits-lt", "imbalance_ratio": 10, "profile": "exponential", "n_max": 120}
    with pytest.raises(ValueError, match="Unknown data set 'digits'; the registered"):
        resolve_data("digits")
    with pytest.raises(ValueError, match=r"'ecoli' takes the options \[\]; got \['n_max'\]"):
        resolve_data("ecoli", n_max=10)


def test_digits_split_is_the_loader_with_the_seed_as_subset_seed():
    spec = resolve_data("digits-lt", imbalance_ratio=10, profile="step")
    X, y, X_test, y_test = load_split(spec, 0, seed=2)
    X2, y2, _, _ = load_digits_lt(10, "step", n_max=120, random_state=2)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert len(X_test) == 500
    with pytest.raises(ValueError, match="has splits 0 to 0; got 1"):
        load_split(spec, 1, seed=0)


def test_imblearn_set_is_read_in_fetch_datasets_layout_as_five_stratified_folds(tmp_path):
    rng = np.random.RandomState(0)
    data = rng.normal(size=(60, 3))
    label = np.where(np.arange(60) < 10, 1, -1)
    (tmp_path / "zenodo").mkdir()
    np.savez(tmp_path / "zenodo" / "x1data.npz", data=data, label=label)  # ID 1: ecoli
    spec = resolve_data("ecoli")
    tests = []
    for split in range(5):
        X, y, X_test, y_test = load_split(spec, split, seed=9, data_home=str(tmp_path))
        assert len(X) + len(X_test) == 60 and X.dtype == np.float32
        assert (y_test == 1).sum() == 2  # stratified: 10 minority rows over 5 folds
        tests.append(X_test)
    # the folds partition the rows, the same for every seed
    np.testing.assert_allclose(np.sort(np.concatenate(tests)[:, 0]),
                               np.sort(data[:, 0].astype(np.float32)))
    again = load_split(spec, 3, seed=0, data_home=str(tmp_path))[2]
    np.testing.assert_array_equal(again, tests[3])


def test_missing_imblearn_set_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="'mammography' is not in .*zenodo"):
        load_split(resolve_data("mammography"), 0, seed=0, data_home=str(tmp_path))


def test_validation_split_is_carved_from_training_data_never_the_test_set():
    spec = resolve_data("digits-lt", imbalance_ratio=10, validation_per_class=3)
    X, y, X_val, y_val = load_split(spec, 0, seed=1)
    X_full, y_full, X_test, _ = load_digits_lt(10, n_max=120, random_state=1)
    assert np.bincount(y_val).tolist() == [3] * 10
    assert len(y) + len(y_val) == len(y_full)
    # every validation image is a training image of the full split, none a test image
    train_rows = {row.tobytes() for row in X_full}
    assert all(row.tobytes() in train_rows for row in X_val)
    assert not {row.tobytes() for row in X_test} & {row.tobytes() for row in X_val}
    with pytest.raises(ValueError, match=r"validation_per_class=12 leaves no training "
                                         r"example of class\(es\) 9 \(12\).*at most 11"):
        load_split(resolve_data("digits-lt", imbalance_ratio=10, validation_per_class=12),
                   0, seed=1)


def test_holdout_adds_unused_images_and_keeps_training_and_test_sets():
    plain = load_split(resolve_data("digits-lt", imbalance_ratio=10, n_max=100), 0, seed=1)
    X, y, X_test, y_test, X_hold, y_hold = load_split(
        resolve_data("digits-lt", imbalance_ratio=10, n_max=100, holdout_per_class=5), 0,
        seed=1)
    for a, b in zip(plain, (X, y, X_test, y_test)):
        np.testing.assert_array_equal(a, b)
    assert np.bincount(y_hold).tolist() == [5] * 10
    with pytest.raises(ValueError, match="validation_per_class or holdout_per_class, not"):
        load_split(resolve_data("digits-lt", holdout_per_class=2, validation_per_class=2),
                   0, seed=1)
    with pytest.raises(ValueError, match=r"takes the options \[\]; got \['holdout_per_class'"):
        resolve_data("ecoli", holdout_per_class=5)


def test_unregister_dataset_removes_it_and_refuses_an_unknown_name():
    from skimbal.benchmark import register_dataset, unregister_dataset

    register_dataset("nothing_demo", lambda split, **kwargs: None, kind="tabular")
    assert "nothing_demo" in list_datasets()
    unregister_dataset("nothing_demo")
    assert "nothing_demo" not in list_datasets()
    with pytest.raises(ValueError, match="nothing_demo"):
        unregister_dataset("nothing_demo")
