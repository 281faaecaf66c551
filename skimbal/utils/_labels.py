"""Labels: readable values in messages, and label-to-code lookup."""

import numpy as np


def as_python(value):
    """A numpy scalar as a plain Python value, for readable messages.

    Parameters
    ----------
    value : object
        Anything; numpy scalars are converted, the rest returned as is.

    Returns
    -------
    value : object

    See Also
    --------
    skimbal.benchmark.RecordFile : Records written as JSON.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.utils import as_python
    >>> as_python(np.int64(3)), as_python("a")
    (3, 'a')
    """
    return value.item() if isinstance(value, np.generic) else value


def encode_labels(y, classes, *, message=None):
    """Positions of ``y``'s labels in ``classes``, with a clear error for others.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : array-like of shape (n_classes,)
        Known labels, in code order (an estimator's ``classes_``).
    message : str, default=None
        Error message for unknown labels, with ``{unknown}`` and
        ``{classes}`` placeholders. The default says the labels are not
        among the classes.

    Returns
    -------
    codes : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    ValueError
        If ``y`` has labels that are not in ``classes``.

    See Also
    --------
    check_class_counts : Refuse a class without examples.

    Examples
    --------
    >>> from skimbal.utils import encode_labels
    >>> encode_labels(["b", "a", "b"], ["a", "b"]).tolist()
    [1, 0, 1]
    """
    index = {as_python(c): i for i, c in enumerate(classes)}
    values = [as_python(v) for v in np.asarray(y).ravel()]
    unknown = sorted(set(values) - set(index), key=str)
    if unknown:
        template = message or "y has labels {unknown} that are not among the classes {classes}."
        raise ValueError(template.format(
            unknown=unknown, classes=[as_python(c) for c in classes]))
    return np.array([index[v] for v in values], dtype=np.int64)
