"""Class weights: balanced, effective number (class-balanced loss), dict."""

import numpy as np

from ..utils import check_class_counts


def effective_number_weights(class_counts, beta=0.9999):
    """Class-balanced weights from the effective number of samples.

    ``w_c = (1 - beta) / (1 - beta^{n_c})``, normalised so the weights sum to
    the number of classes (Cui et al., CVPR 2019).

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    beta : float, default=0.9999
        In [0, 1). 0 gives uniform weights; values close to 1 approach inverse
        class frequency.

    Returns
    -------
    weights : ndarray of shape (n_classes,)

    See Also
    --------
    compute_class_weight : Every class weighting by name.

    Examples
    --------
    >>> from skimbal.sampling import effective_number_weights
    >>> effective_number_weights([3, 1], beta=0.5).round(4).tolist()
    [0.7273, 1.2727]
    """
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta}.")
    counts = check_class_counts(class_counts, what="class_weight='effective_number'")
    weights = (1.0 - beta) / (1.0 - np.power(beta, counts))
    return weights * (counts.size / weights.sum())


def compute_class_weight(class_weight, class_counts, *, classes=None, beta=0.9999):
    """Per-class weights for a ``class_weight`` specification.

    Parameters
    ----------
    class_weight : {"balanced", "effective_number"}, dict or None
        ``None`` gives ones. ``"balanced"`` is scikit-learn's
        ``n_samples / (n_classes * n_c)``. ``"effective_number"`` is the
        class-balanced loss weighting (see :func:`effective_number_weights`).
        A dict maps class labels to weights; classes left out get 1.
    class_counts : array-like of shape (n_classes,)
        Training samples per class, in the order of ``classes``.
    classes : array-like of shape (n_classes,), default=None
        Class labels, needed for a dict and for error messages.
    beta : float, default=0.9999
        Used by ``"effective_number"``.

    Returns
    -------
    weights : ndarray of shape (n_classes,)
        One weight per class, in the order of ``class_counts``.

    See Also
    --------
    effective_number_weights : The class-balanced loss weights.

    Examples
    --------
    >>> from skimbal.sampling import compute_class_weight
    >>> compute_class_weight("balanced", [90, 10]).round(3).tolist()
    [0.556, 5.0]
    >>> compute_class_weight({"rare": 3.0}, [90, 10], classes=["common", "rare"]).tolist()
    [1.0, 3.0]
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if class_weight is None:
        return np.ones_like(counts)
    if isinstance(class_weight, dict):
        if classes is None:
            raise ValueError("A class_weight dict needs the class labels.")
        classes = list(np.asarray(classes).tolist())
        unknown = [k for k in class_weight if k not in classes]
        if unknown:
            raise ValueError(
                f"class_weight names labels {unknown} that are not among the "
                f"classes seen in fit {classes}."
            )
        weights = np.ones_like(counts)
        for label, value in class_weight.items():
            weights[classes.index(label)] = float(value)
        if np.any(weights < 0) or not np.all(np.isfinite(weights)):
            raise ValueError(f"class_weight values must be finite and >= 0: {weights}")
        if not np.any(weights[counts > 0] > 0):
            raise ValueError(
                f"class_weight={class_weight!r} gives every class weight 0: the loss "
                "would be 0 and nothing would be trained."
            )
        return weights
    if class_weight == "balanced":
        counts = check_class_counts(counts, what="class_weight='balanced'", classes=classes)
        return counts.sum() / (counts.size * counts)
    if class_weight == "effective_number":
        check_class_counts(counts, what="class_weight='effective_number'", classes=classes)
        return effective_number_weights(counts, beta)
    raise ValueError(
        "class_weight must be None, 'balanced', 'effective_number' or a dict, "
        f"got {class_weight!r}."
    )
