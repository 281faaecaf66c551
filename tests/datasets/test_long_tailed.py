import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skimbal.datasets import load_digits_lt, long_tailed_counts, make_long_tailed


def _reference_indices(targets, img_max, imb_factor, imb_type, rand_number):
    """LDAM-DRW's imbalance_cifar.py, restated with numpy's global RNG."""
    np.random.seed(rand_number)
    cls_num = len(np.unique(targets))
    if imb_type == "exp":
        counts = [int(img_max * imb_factor ** (i / (cls_num - 1.0))) for i in range(cls_num)]
    else:
        counts = [int(img_max)] * (cls_num // 2) + [int(img_max * imb_factor)] * (cls_num // 2)
    selected = []
    for the_class, the_img_num in zip(np.unique(targets), counts):
        idx = np.where(targets == the_class)[0]
        np.random.shuffle(idx)
        selected.append(idx[:the_img_num])
    return np.concatenate(selected)


@pytest.mark.parametrize("profile, imb_type", [("exponential", "exp"), ("step", "step")])
@pytest.mark.parametrize("seed", [0, 7])
def test_same_indices_as_reference(profile, imb_type, seed):
    rng = np.random.RandomState(42)
    y = rng.permutation(np.repeat(np.arange(10), 300))
    X = np.arange(len(y))
    _, y_lt, idx = make_long_tailed(
        X, y, 100, profile, n_max=250, random_state=seed, return_indices=True
    )
    ref = _reference_indices(y, 250, 0.01, imb_type, seed)
    np.testing.assert_array_equal(idx, ref)
    np.testing.assert_array_equal(y_lt, y[ref])


def test_counts_match_the_published_tables():
    assert long_tailed_counts(10, 100) == [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    assert sum(long_tailed_counts(10, 100)) == 12406
    assert sum(long_tailed_counts(100, 100, n_max=500)) == 10847
    assert sum(long_tailed_counts(10, 200)) == 11203
    assert long_tailed_counts(10, 10, "step") == [5000] * 5 + [500] * 5
    assert long_tailed_counts(5, 10, "step", n_max=100) == [100, 100, 10, 10, 10]


def test_default_n_max_is_mean_class_size():
    y = np.repeat(np.arange(4), 30)
    _, y_lt = make_long_tailed(np.zeros(len(y)), y, 1)
    assert np.bincount(y_lt).tolist() == [30, 30, 30, 30]


def test_string_labels_and_errors():
    y = np.repeat(["a", "b", "c"], 20)
    _, y_lt = make_long_tailed(np.zeros((60, 2)), y, 4, n_max=20)
    assert [np.sum(y_lt == c) for c in "abc"] == [20, 10, 5]
    with pytest.raises(InvalidParameterError, match="imbalance_ratio"):
        make_long_tailed(np.zeros(60), y, 0.5)
    with pytest.raises(ValueError, match="class 'a' has 20 examples, fewer than the 25"):
        make_long_tailed(np.zeros(60), y, 4, n_max=25)
    with pytest.raises(ValueError, match="at least 2 classes"):
        make_long_tailed(np.zeros(5), np.ones(5), 2)


def test_digits_lt_fixed_balanced_test_and_seeded_train():
    X, y, X_test, y_test = load_digits_lt(imbalance_ratio=10)
    assert X.shape[1:] == (1, 8, 8) and X.dtype == np.float32
    assert 0 <= X.min() and X.max() <= 1
    assert np.bincount(y).tolist() == long_tailed_counts(10, 10, n_max=120)
    assert np.bincount(y_test).tolist() == [50] * 10
    X2, y2, X_test2, _ = load_digits_lt(imbalance_ratio=10, random_state=3)
    np.testing.assert_array_equal(X_test, X_test2)
    assert not np.array_equal(X, X2)
    # no test image is in the training set
    train_rows = {row.tobytes() for row in X}
    assert sum(row.tobytes() in train_rows for row in X_test) < 5  # digits has a few duplicates


def test_a_ratio_that_would_empty_classes_is_refused_with_the_largest_safe_one():
    from skimbal.datasets import load_digits_lt

    with pytest.raises(ValueError, match=r"imbalance_ratio=1000 with n_max=120 leaves the "
                                         r"classes \[7, 8, 9\] with no example.*largest "
                                         r"ratio that keeps every class is 120"):
        load_digits_lt(imbalance_ratio=1000)
    X, y, _, _ = load_digits_lt(imbalance_ratio=120)
    assert np.bincount(y).min() == 1 and len(np.unique(y)) == 10


@pytest.mark.parametrize("ratio", [1, 10, 100])
def test_default_n_max_works_on_an_unbalanced_base(ratio):
    from sklearn.datasets import load_digits

    from skimbal.datasets import make_long_tailed

    X, y = load_digits(return_X_y=True)  # 174 to 183 images a class; 179.7 on average
    X_lt, y_lt = make_long_tailed(X, y, ratio)
    counts = np.bincount(y_lt)
    assert counts[0] == np.bincount(y).min() == 174  # the smallest class's size
    assert counts[-1] == int(174 / ratio)
    # a balanced base keeps the LDAM protocol's n_samples / n_classes
    Xb, yb = np.zeros((300, 2)), np.repeat([0, 1, 2], 100)
    assert np.bincount(make_long_tailed(Xb, yb, 10)[1]).tolist() == [100, 31, 10]


def test_digits_lt_holdout_is_balanced_unused_and_leaves_the_training_set_alone():
    X, y, X_test, y_test = load_digits_lt(imbalance_ratio=10, n_max=100, random_state=2)
    X2, y2, X_hold, y_hold, X_test2, _ = load_digits_lt(
        imbalance_ratio=10, n_max=100, random_state=2, holdout_per_class=6)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(X_test, X_test2)
    assert np.bincount(y_hold).tolist() == [6] * 10
    train_rows = {row.tobytes() for row in X}
    test_rows = {row.tobytes() for row in X_test}
    # digits has a few duplicate images; the held-out images are other examples
    assert sum(row.tobytes() in train_rows | test_rows for row in X_hold) < 3
    again = load_digits_lt(imbalance_ratio=10, n_max=100, random_state=2,
                           holdout_per_class=6)[2]
    np.testing.assert_array_equal(X_hold, again)
    other = load_digits_lt(imbalance_ratio=10, n_max=100, random_state=3,
                           holdout_per_class=6)[2]
    assert not np.array_equal(X_hold, other)


def test_holdout_positions_come_from_the_unused_examples_of_each_class():
    from skimbal.datasets._long_tailed import _holdout

    y = np.repeat([0, 1, 2], [10, 8, 6])
    used = np.array([0, 1, 2, 10, 11, 20])
    held = _holdout(y, used, 3, 0)
    assert np.bincount(y[held]).tolist() == [3, 3, 3]
    assert not set(held) & set(used) and len(set(held)) == 9
    with pytest.raises(ValueError, match=r"the classes 2 \(5\) .* use at most 5"):
        _holdout(y, used, 6, 0)
    with pytest.raises(ValueError, match="positive integer"):
        _holdout(y, used, 0, 0)
