"""Expected calibration error of predicted probabilities."""

import numpy as np
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.validation import check_array

from ..utils import encode_labels


def expected_calibration_error(y_true, y_prob, *, n_bins=15, labels=None):
    """Expected calibration error (ECE) of the top-class confidence.

    Each example's confidence is its largest predicted probability; the
    examples are put in ``n_bins`` equal-width bins of confidence,
    ``(b / B, (b + 1) / B]``, and ECE is the mean over bins of
    ``|accuracy - mean confidence|`` weighted by the bins' sizes (Guo et al.
    2017; 15 bins as in MiSLAS's ``utils/metric.py``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_prob : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in the order of ``labels``.
    n_bins : int, default=15
        Number of confidence bins.
    labels : array-like of shape (n_classes,), default=None
        The classes of ``y_prob``'s columns; default ``np.unique(y_true)``,
        which must then have one label per column.

    Returns
    -------
    ece : float
        In [0, 1].

    See Also
    --------
    per_class_accuracy : Accuracy per class.

    Examples
    --------
    >>> from skimbal.metrics import expected_calibration_error
    >>> # two confident right answers, one confident wrong one
    >>> round(expected_calibration_error([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]), 4)
    0.3333
    """
    y_true = column_or_1d(y_true)
    y_prob = check_array(y_prob, dtype=np.float64)
    check_consistent_length(y_true, y_prob)
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    if len(labels) != y_prob.shape[1]:
        raise ValueError(
            f"y_prob has {y_prob.shape[1]} columns but there are {len(labels)} labels; "
            "pass labels= with the classes of its columns."
        )
    codes = encode_labels(y_true, labels)
    confidence = y_prob.max(axis=1)
    correct = y_prob.argmax(axis=1) == codes
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges, right=True), 1, n_bins)
    ece = 0.0
    for b in range(1, n_bins + 1):
        members = bins == b
        if members.any():
            ece += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(ece)
