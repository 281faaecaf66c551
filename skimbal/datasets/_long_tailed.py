"""The LDAM-DRW protocol for making a balanced dataset long-tailed."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import as_python


@validate_params(
    {
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "imbalance_ratio": [Interval(Real, 1, None, closed="left")],
        "profile": [StrOptions({"exponential", "step"})],
        "n_max": [Interval(Real, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def long_tailed_counts(n_classes, imbalance_ratio, profile="exponential", n_max=5000):
    """Per-class counts of the LDAM long-tailed protocol.

    Exponential: ``int(n_max * (1 / imbalance_ratio) ** (c / (n_classes - 1)))``
    for class index ``c``. Step: the first ``n_classes // 2`` classes keep
    ``int(n_max)``, the others get ``int(n_max / imbalance_ratio)``.

    Parameters
    ----------
    n_classes : int
        Number of classes (at least 2).
    imbalance_ratio : float
        Ratio of the largest to the smallest class, at least 1.
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.
    n_max : float, default=5000
        Size of the largest class.

    Returns
    -------
    counts : list of int

    See Also
    --------
    make_long_tailed : The subset with these counts.

    Examples
    --------
    >>> from skimbal.datasets import long_tailed_counts
    >>> long_tailed_counts(10, 100)
    [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    >>> long_tailed_counts(4, 10, "step", n_max=500)
    [500, 500, 50, 50]
    """
    factor = 1.0 / imbalance_ratio
    if profile == "exponential":
        return [int(n_max * factor ** (c / (n_classes - 1.0))) for c in range(n_classes)]
    n_head = n_classes // 2
    return [int(n_max)] * n_head + [int(n_max * factor)] * (n_classes - n_head)


def _largest_ratio(n_classes, profile, n_max):
    """The largest imbalance ratio whose rarest class keeps one example."""
    ratio = float(n_max)
    while long_tailed_counts(n_classes, ratio, profile, n_max)[-1] < 1:
        ratio = np.nextafter(ratio, 0.0)
    return ratio


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "imbalance_ratio": [Interval(Real, 1, None, closed="left")],
        "profile": [StrOptions({"exponential", "step"})],
        "n_max": [Interval(Real, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "return_indices": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_long_tailed(
    X, y, imbalance_ratio, profile="exponential", *, n_max=None, random_state=0,
    return_indices=False,
):
    """Subsample a (balanced) dataset into a long-tailed one, as LDAM-DRW does.

    Classes are taken in sorted order; class ``c`` keeps the count given by
    :func:`long_tailed_counts`. The kept examples of each class are the first
    ones of a shuffle of its indices, class by class, with one
    ``RandomState(random_state)``: for the same seed this selects exactly the
    indices of the reference code (``imbalance_cifar.py``, which calls
    ``np.random.seed(rand_number)`` then ``np.random.shuffle`` per class).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Data (any number of dimensions).
    y : array-like of shape (n_samples,)
        Labels.
    imbalance_ratio : float
        Ratio of the largest to the smallest class (100 for CIFAR-10-LT).
        Must be at least 1.
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.
    n_max : float, default=None
        Size of the largest class. ``None`` uses ``n_samples / n_classes``
        (the reference's ``img_max``, CIFAR's 5,000) when every class has at
        least that many examples, as in a balanced base; otherwise the size
        of the smallest class, the largest ``n_max`` that every class can
        supply.
    random_state : int, RandomState instance or None, default=0
        Seed of the per-class shuffles.
    return_indices : bool, default=False
        Also return the selected indices into ``X``.

    Returns
    -------
    X_lt : ndarray
        The selected examples, class by class.
    y_lt : ndarray
        Their labels.
    indices : ndarray of int
        Positions in ``X``, if ``return_indices``.

    Raises
    ------
    ValueError
        If a class has fewer examples than its target count, or if the ratio
        would leave a class with no example (the message names the classes
        and the largest ratio that keeps them all).

    Notes
    -----
    For an odd number of classes the step profile gives the extra class to
    the tail; the reference code builds ``2 * (C // 2)`` counts and so drops
    the last class.

    See Also
    --------
    long_tailed_counts : The counts alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.datasets import make_long_tailed
    >>> X, y = np.arange(300).reshape(-1, 1), np.repeat([0, 1, 2], 100)
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10)
    >>> np.bincount(y_lt).tolist()
    [100, 31, 10]
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, profile="step", n_max=50)
    >>> np.bincount(y_lt).tolist()
    [50, 5, 5]
    """
    y = np.asarray(y)
    X = np.asarray(X)
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} and {len(y)}.")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"y needs at least 2 classes, got {classes.tolist()}.")
    sizes = np.array([np.sum(y == c) for c in classes])
    if n_max is None:
        n_max = len(y) / len(classes)
        if sizes.min() < int(n_max):
            n_max = int(sizes.min())
    counts = long_tailed_counts(len(classes), imbalance_ratio, profile, n_max)
    empty = [as_python(c) for c, n in zip(classes, counts) if n < 1]
    if empty:
        raise ValueError(
            f"imbalance_ratio={imbalance_ratio} with n_max={n_max:g} leaves the classes "
            f"{empty} with no example (a class keeps int(n_max / ratio ** (c / (C - 1))) "
            f"examples). The largest ratio that keeps every class is "
            f"{_largest_ratio(len(classes), profile, n_max):g}; or raise n_max."
        )
    rng = check_random_state(random_state)
    selected = []
    for label, count in zip(classes, counts):
        idx = np.where(y == label)[0]
        if count > len(idx):
            raise ValueError(
                f"class {as_python(label)!r} has {len(idx)} examples, fewer than the "
                f"{count} that n_max={n_max} and profile={profile!r} ask for."
            )
        rng.shuffle(idx)
        selected.append(idx[:count])
    indices = np.concatenate(selected)
    if return_indices:
        return X[indices], y[indices], indices
    return X[indices], y[indices]


def _holdout(y, used, per_class, random_state, name="the data set"):
    """Positions of a balanced held-out set among the examples a subset left out.

    ``per_class`` examples of every class of ``y`` are drawn, without
    replacement, from the positions not in ``used`` (the long-tailed subset),
    with ``check_random_state(random_state)``; they are returned class by
    class.
    """
    if isinstance(per_class, bool) or not isinstance(per_class, Integral) or per_class < 1:
        raise ValueError(f"holdout_per_class must be a positive integer; got {per_class!r}.")
    unused = np.setdiff1d(np.arange(len(y)), used)
    pools = {label: unused[y[unused] == label] for label in np.unique(y)}
    short = [f"{as_python(c)!r} ({len(p)})" for c, p in pools.items() if len(p) < per_class]
    if short:
        most = min(len(p) for p in pools.values())
        raise ValueError(
            f"holdout_per_class={per_class}: the classes {', '.join(short)} of {name} have "
            f"fewer examples outside the long-tailed training set (in parentheses); use "
            f"at most {most}, or lower n_max.")
    rng = check_random_state(random_state)
    return np.concatenate([np.sort(rng.choice(p, per_class, replace=False))
                           for p in pools.values()])
