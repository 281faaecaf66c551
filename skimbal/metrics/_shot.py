"""Accuracy per class and per shot group (Kang et al.'s ``shot_acc``)."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

_GROUPS = ("many", "medium", "few")


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "labels": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def per_class_accuracy(y_true, y_pred, *, labels=None):
    """Accuracy (recall) of each class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Classes to report, in this order; default the sorted labels of
        ``y_true``. A class absent from ``y_true`` gets NaN.

    Returns
    -------
    accuracy : ndarray of shape (n_classes,)

    See Also
    --------
    shot_accuracy : Accuracy of the many-, medium- and few-shot groups.

    Examples
    --------
    >>> from skimbal.metrics import per_class_accuracy
    >>> per_class_accuracy(["a", "a", "b", "b"], ["a", "b", "b", "b"]).tolist()
    [0.5, 1.0]
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} "
            f"and {y_pred.shape}."
        )
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    out = np.full(len(labels), np.nan)
    for i, label in enumerate(labels):
        mask = y_true == label
        if mask.any():
            out[i] = np.mean(y_pred[mask] == label)
    return out


def shot_groups(class_counts, *, many_threshold=100, few_threshold=20):
    """Group of each class by its number of training samples.

    Many-shot: more than ``many_threshold``; few-shot: fewer than
    ``few_threshold``; medium-shot: the rest (Kang et al.'s definition with
    the defaults 100 and 20).

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    many_threshold : int, default=100
        A class with more samples is many-shot.
    few_threshold : int, default=20
        A class with fewer samples is few-shot.

    Returns
    -------
    groups : ndarray of str, shape (n_classes,)

    See Also
    --------
    shot_accuracy : Accuracy per group.

    Examples
    --------
    >>> from skimbal.metrics import shot_groups
    >>> shot_groups([500, 100, 20, 19]).tolist()
    ['many', 'medium', 'medium', 'few']
    """
    if few_threshold > many_threshold:
        raise ValueError(
            f"few_threshold={few_threshold} must not exceed "
            f"many_threshold={many_threshold}."
        )
    counts = np.asarray(class_counts)
    return np.where(
        counts > many_threshold, "many", np.where(counts < few_threshold, "few", "medium")
    )


def _counts_for(labels, class_counts):
    if isinstance(class_counts, dict):
        missing = [label for label in labels if label not in class_counts]
        if missing:
            raise ValueError(f"class_counts has no count for classes {missing}.")
        return np.array([class_counts[label] for label in labels])
    counts = np.asarray(class_counts)
    if counts.shape != (len(labels),):
        raise ValueError(
            f"class_counts has shape {counts.shape}, expected ({len(labels)},) "
            "(one count per label)."
        )
    return counts


def shot_accuracy(y_true, y_pred, class_counts, *, labels=None, many_threshold=100,
                  few_threshold=20):
    """Mean per-class accuracy within the many-, medium- and few-shot groups.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    class_counts : dict or array-like of shape (n_classes,)
        Training samples per class: a dict ``{label: count}`` or an array in
        the order of ``labels``.
    labels : array-like of shape (n_classes,), default=None
        Classes, default the sorted labels of ``y_true`` (and the dict's keys).
    many_threshold : int, default=100
        A class with more training samples is many-shot.
    few_threshold : int, default=20
        A class with fewer training samples is few-shot.

    Returns
    -------
    scores : dict
        ``{"many": float, "medium": float, "few": float}``; NaN for an empty
        group.

    See Also
    --------
    shot_groups : The groups of each class.
    make_shot_scorer : A scorer for model selection.

    Examples
    --------
    >>> from skimbal.metrics import shot_accuracy
    >>> shot_accuracy([0, 0, 1, 1, 2], [0, 0, 1, 0, 0], {0: 500, 1: 50, 2: 5})
    {'many': 1.0, 'medium': 0.5, 'few': 0.0}
    """
    if labels is None:
        labels = np.unique(y_true)
        if isinstance(class_counts, dict):
            labels = np.union1d(np.asarray(list(class_counts)), labels)
    labels = np.asarray(labels)
    counts = _counts_for(labels.tolist(), class_counts)
    groups = shot_groups(counts, many_threshold=many_threshold, few_threshold=few_threshold)
    acc = per_class_accuracy(y_true, y_pred, labels=labels)
    return {
        g: float(np.nanmean(acc[groups == g])) if np.any((groups == g) & ~np.isnan(acc))
        else float("nan")
        for g in _GROUPS
    }


def _final_step(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


class _ShotScorer:
    """Scorer ``(estimator, X, y) -> accuracy`` of one shot group."""

    def __init__(self, group, many_threshold, few_threshold, class_counts):
        self.group = group
        self.many_threshold = many_threshold
        self.few_threshold = few_threshold
        self.class_counts = class_counts

    def __call__(self, estimator, X, y):
        counts = self.class_counts
        if counts is None:
            final = _final_step(estimator)
            if not hasattr(final, "class_counts_"):
                raise ValueError(
                    f"{type(final).__name__} has no class_counts_; pass class_counts "
                    "to make_shot_scorer."
                )
            counts = dict(zip(final.classes_.tolist(), final.class_counts_.tolist()))
        return shot_accuracy(
            y, estimator.predict(X), counts, many_threshold=self.many_threshold,
            few_threshold=self.few_threshold,
        )[self.group]

    def __repr__(self):
        return f"make_shot_scorer({self.group!r})"


@validate_params(
    {
        "group": [StrOptions(set(_GROUPS))],
        "many_threshold": [Interval(Integral, 0, None, closed="left")],
        "few_threshold": [Interval(Integral, 0, None, closed="left")],
        "class_counts": [dict, "array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def make_shot_scorer(group, *, many_threshold=100, few_threshold=20, class_counts=None):
    """Scorer of many-, medium- or few-shot accuracy, for ``GridSearchCV``.

    The training counts come from the fitted estimator's ``class_counts_``
    (the last step's, for a pipeline), so inside cross-validation the groups
    are those of each training fold. Pass ``class_counts`` for estimators
    without that attribute.

    Parameters
    ----------
    group : {"many", "medium", "few"}
        Shot group to score.
    many_threshold : int, default=100
        A class with more training samples is many-shot.
    few_threshold : int, default=20
        A class with fewer training samples is few-shot.
    class_counts : dict, default=None
        ``{label: count}`` to use instead of the estimator's counts.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``; NaN when the group has no class.

    See Also
    --------
    shot_accuracy : The same scores from predictions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skimbal.metrics import make_shot_scorer
    >>> X, y = make_classification(600, n_features=10, n_informative=6, n_classes=3,
    ...                            weights=[0.8, 0.17, 0.03], random_state=0)
    >>> counts = dict(zip(*np.unique(y, return_counts=True)))
    >>> [int(counts[c]) for c in range(3)]  # many, many, few
    [477, 104, 19]
    >>> clf = LogisticRegression(max_iter=1000).fit(X, y)
    >>> few = make_shot_scorer("few", class_counts=counts)
    >>> round(float(few(clf, X, y)), 3)
    0.263
    >>> float(make_shot_scorer("medium", class_counts=counts)(clf, X, y))
    nan
    """
    return _ShotScorer(group, many_threshold, few_threshold, class_counts)
