"""Long-tailed version of scikit-learn's digits (ships with scikit-learn)."""

import numpy as np
from sklearn.datasets import load_digits

from ._long_tailed import _holdout, make_long_tailed


def load_digits_lt(imbalance_ratio=10, profile="exponential", *, n_max=120,
                   n_test_per_class=50, random_state=0, holdout_per_class=None):
    """Long-tailed training set and balanced test set from the 8x8 digits.

    A fixed, balanced test set of ``n_test_per_class`` images per class is
    set aside first (the same for every ``random_state``); the rest is made
    long-tailed with :func:`make_long_tailed`. Needs no download.

    Parameters
    ----------
    imbalance_ratio : float, default=10
        Ratio of the largest to the smallest training class.
    profile : {"exponential", "step"}, default="exponential"
        Shape of the training class distribution.
    n_max : int, default=120
        Size of the largest training class (at most 124 remain per class).
    n_test_per_class : int, default=50
        Size of each test class.
    random_state : int, RandomState instance or None, default=0
        Seed of the long-tailed subsampling.
    holdout_per_class : int, default=None
        Also return a balanced held-out set of this many images per class,
        drawn (with ``random_state``) from the training images the
        long-tailed subset left out; the training set is the same with or
        without it.

    Returns
    -------
    X_train : ndarray of shape (n_train, 1, 8, 8), float32 in [0, 1]
    y_train : ndarray of shape (n_train,)
    X_holdout : ndarray of shape (10 * holdout_per_class, 1, 8, 8)
        Only with ``holdout_per_class``.
    y_holdout : ndarray of shape (10 * holdout_per_class,)
        Only with ``holdout_per_class``.
    X_test : ndarray of shape (10 * n_test_per_class, 1, 8, 8)
    y_test : ndarray of shape (10 * n_test_per_class,)

    See Also
    --------
    make_long_tailed : The long-tailed subset it draws.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.datasets import load_digits_lt
    >>> X, y, X_test, y_test = load_digits_lt(imbalance_ratio=10)
    >>> np.bincount(y).tolist()
    [120, 92, 71, 55, 43, 33, 25, 20, 15, 12]
    >>> X.shape[1:], np.bincount(y_test).tolist() == [50] * 10
    ((1, 8, 8), True)
    """
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    target = digits.target
    rng = np.random.RandomState(0)
    test = np.concatenate([
        rng.permutation(np.flatnonzero(target == c))[:n_test_per_class]
        for c in np.unique(target)
    ])
    train = np.setdiff1d(np.arange(len(target)), test)
    X_train, y_train, used = make_long_tailed(
        images[train], target[train], imbalance_ratio, profile,
        n_max=n_max, random_state=random_state, return_indices=True,
    )
    if holdout_per_class is None:
        return X_train, y_train, images[test], target[test]
    held = train[_holdout(target[train], used, holdout_per_class, random_state, "digits")]
    return X_train, y_train, images[held], target[held], images[test], target[test]
