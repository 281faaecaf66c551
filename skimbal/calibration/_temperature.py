"""Class-dependent temperatures at test time (post-hoc CDT, Ye et al. 2020)."""

from numbers import Real

from sklearn.utils._param_validation import Interval

from ._base import _LogitCalibrator


class ClassTemperature(_LogitCalibrator):
    """Multiply each class's logit by ``a_c = (n_max / n_c) ** gamma``.

    The post-hoc form of class-dependent temperatures (CDT, Ye et al. 2020):
    CDT divides logit ``c`` by ``a_c`` in training so that the network learns
    ``a_c`` times larger scores for minor classes; applied to a network
    trained by ERM, the same factors multiply its logits at test time. The
    factors are 1 for the largest class and grow for rarer ones.

    A product is not invariant to a shift of the logits: a negative logit of
    a minor class moves further down. With a biased linear head that is the
    network's own zero; the user guide discusses it.

    Parameters
    ----------
    estimator : estimator object, default=None
        ``None``: ``X`` holds logits, one column per class. Otherwise a
        classifier (a ``FrozenEstimator`` for a fitted one) whose logits are
        scaled.
    gamma : float, default=0.2
        Exponent of the temperatures (CIFAR-10-LT values lie in [0, 0.4]);
        0 leaves the logits unchanged.
    class_counts : array-like of shape (n_classes,), dict or None, default=None
        Training examples per class (or frequencies), in the order of
        ``classes_`` or as ``{label: value}``. ``None``: the ``class_counts_`` of the
        estimator (or of the last step of a pipeline) if it has them, else
        the counts of ``y`` in ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the logit columns.
    temperatures_ : ndarray of shape (n_classes,)
        The factors ``a_c``.
    estimator_ : estimator object
        The fitted ``estimator`` (absent when ``estimator=None``).
    n_features_in_ : int
        Number of columns of ``X`` in ``fit``.

    See Also
    --------
    LogitAdjuster : subtract the log-prior instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.calibration import ClassTemperature
    >>> logits = np.array([[2.0, 1.5], [1.0, 0.5]])
    >>> scaler = ClassTemperature(gamma=0.5, class_counts=[100, 25]).fit(logits, [0, 1])
    >>> scaler.transform(logits[:1])
    array([[2., 3.]])
    """

    _parameter_constraints = {
        **_LogitCalibrator._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="left")],
        "class_counts": ["array-like", dict, None],
    }

    def __init__(self, estimator=None, *, gamma=0.2, class_counts=None):
        super().__init__(estimator)
        self.gamma = gamma
        self.class_counts = class_counts

    def _fit_logits(self, logits, codes):
        counts = self._class_frequencies(self.class_counts, codes, "class_counts")
        self.temperatures_ = (counts.max() / counts) ** self.gamma

    def _adjust(self, logits):
        return logits * self.temperatures_
