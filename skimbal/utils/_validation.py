"""Validation of inputs and class counts shared by the whole package."""

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import validate_data

from ._labels import as_python


def check_class_counts(class_counts, *, what="this method", classes=None):
    """Validate per-class training counts for a method that needs them.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Number of training samples of each class.
    what : str, default="this method"
        Name of the method that needs the counts, used in error messages.
    classes : array-like of shape (n_classes,), default=None
        Class labels, used to name an empty class in the error message.

    Returns
    -------
    class_counts : ndarray of shape (n_classes,), dtype float64
        The validated counts.

    Raises
    ------
    ValueError
        If the counts are not a 1-D array of finite non-negative numbers, or a
        class has no samples.

    See Also
    --------
    encode_labels : Labels as codes and counts.

    Examples
    --------
    >>> from skimbal.utils import check_class_counts
    >>> check_class_counts([5, 2]).tolist()
    [5.0, 2.0]
    >>> check_class_counts([5, 0], what="LDAM", classes=["cat", "dog"])
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 1:
        raise ValueError(
            f"class_counts must be a non-empty 1-D array, got shape {counts.shape}."
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError(
            f"class_counts must be finite and non-negative, got {counts.tolist()}."
        )
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        names = (
            [np.asarray(classes)[i] for i in empty] if classes is not None else empty
        )
        raise ValueError(
            f"{what} needs per-class counts, but class(es) "
            f"{[as_python(n) for n in names]} have zero samples. Remove the empty "
            "classes or use a method that does not depend on class counts."
        )
    return counts


def check_inputs(estimator, X, y=None, *, reset=True):
    """Validate tabular or image input for a skimbal network estimator.

    Two-dimensional ``X`` is tabular and goes through scikit-learn's
    ``validate_data`` (which records ``n_features_in_`` and
    ``feature_names_in_``). Three- and four-dimensional ``X`` are images,
    ``(n, H, W)`` or ``(n, C, H, W)``; they are returned as ``(n, C, H, W)``,
    keeping ``uint8`` (scaled to [0, 1] later, batch by batch) and casting
    everything else to ``float32``. For images ``estimator.input_shape_`` holds
    ``(C, H, W)``, ``n_features_in_`` its product, ``input_dtype_`` and
    ``input_max_`` the training images' dtype and largest value; at predict
    time images of another dtype are read on the training scale, and refused
    when their values show another scale. A 4-D ``X`` whose last axis has at
    most 4 entries while its second has more looks channels-last and is
    refused.

    Parameters
    ----------
    estimator : estimator instance
        The estimator whose fitted attributes are set (``reset=True``) or
        checked (``reset=False``).
    X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
        Input data.
    y : array-like of shape (n_samples,), default=None
        Targets, validated for length only.
    reset : bool, default=True
        Whether to record the input shape (in ``fit``) or check it.

    Returns
    -------
    X : ndarray
        Validated input.
    y : ndarray or None
        Validated targets, if given.

    See Also
    --------
    encode_labels : Labels as codes and counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.utils import check_inputs
    >>> net = ImbalancedNetClassifier()
    >>> X, y = check_inputs(net, np.zeros((4, 28, 28), dtype=np.uint8), [0, 1, 0, 1])
    >>> X.shape, X.dtype, net.input_shape_
    ((4, 1, 28, 28), dtype('uint8'), (1, 28, 28))
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except ValueError:  # ragged input: let validate_data explain
            ndim = 2
    if ndim in (3, 4):
        return _check_images(estimator, X, y, reset=reset)
    if ndim > 4:
        raise ValueError(
            "X must be 2-D (n_samples, n_features) for tabular data, or 3-D "
            f"(n, H, W) / 4-D (n, C, H, W) for images; got {ndim}-D input."
        )
    if not reset and hasattr(estimator, "input_shape_"):
        raise ValueError(
            f"X is {ndim}-D, but the estimator was fitted on images of shape "
            f"{tuple(estimator.input_shape_)}."
        )
    if reset and hasattr(estimator, "input_shape_"):
        del estimator.input_shape_
    if y is None:
        X = validate_data(estimator, X, dtype=np.float32, reset=reset)
        return _writable(X), None
    X, y = validate_data(estimator, X, y, dtype=np.float32, reset=reset)
    return _writable(X), y


def _writable(X):
    """Copy read-only arrays (pandas' copy-on-write views, read-only memmaps):
    torch does not support tensors over non-writable memory."""
    return X if X.flags.writeable else np.array(X)


def _check_pixel_scale(estimator, X):
    """Refuse images whose scale cannot be the training images' one.

    Images are scaled as the training images were: by 1/255 when those were
    ``uint8``, not at all when they were float. Another dtype at predict time
    is read on the training scale, unless its values show another scale.
    """
    trained = getattr(estimator, "input_dtype_", None)
    if trained is None or X.dtype.name == trained or X.size == 0:
        return
    top = float(X.max())
    if trained == "uint8" and 0 < top <= 1:
        raise ValueError(
            "The network was trained on uint8 images (0 to 255), which it scales by "
            f"1/255; these {X.dtype.name} images lie in [0, 1], as if already scaled. "
            "Pass them on the 0-255 scale (e.g. as uint8)."
        )
    if trained != "uint8" and X.dtype == np.uint8 and estimator.input_max_ <= 1 < top:
        raise ValueError(
            "The network was trained on float images in [0, 1]; these are uint8 images "
            "(0 to 255). Pass X.astype(np.float32) / 255."
        )


def _shape_message(expected, got):
    return (
        f"X has samples of shape {tuple(got)}, but the estimator was fitted on "
        f"samples of shape {tuple(expected)}."
    )


def _check_images(estimator, X, y, *, reset):
    X = np.asarray(X)
    dtype = np.uint8 if X.dtype == np.uint8 else np.float32
    X = check_array(
        X, allow_nd=True, dtype=dtype, ensure_all_finite=True, input_name="X"
    )
    if X.ndim == 3:
        X = X[:, None]
    elif X.shape[3] <= 4 < X.shape[1]:
        raise ValueError(
            f"X of shape {X.shape} looks channels-last, (n, H, W, C): images are read "
            "as (n, C, H, W), and a 4-D X whose last axis has at most 4 entries while "
            "its second has more is refused rather than guessed. Pass "
            "X.transpose(0, 3, 1, 2)."
        )
    if y is not None:
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        check_consistent_length(X, y)
    shape = tuple(int(s) for s in X.shape[1:])
    if reset:
        estimator.input_shape_ = shape
        estimator.n_features_in_ = int(np.prod(shape))
        estimator.input_dtype_ = X.dtype.name
        estimator.input_max_ = float(X.max()) if X.size else 0.0
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    else:
        _check_pixel_scale(estimator, X)
        expected = getattr(estimator, "input_shape_", None)
        if expected is None:
            raise ValueError(
                f"X has {X.ndim}-D samples (images), but the estimator was "
                f"fitted on tabular data with {estimator.n_features_in_} features."
            )
        if shape != tuple(expected):
            raise ValueError(_shape_message(expected, shape))
    return _writable(X), y
