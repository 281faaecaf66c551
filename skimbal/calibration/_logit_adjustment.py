"""Post-hoc logit adjustment (Menon et al., ICLR 2021)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import _LogitCalibrator


class LogitAdjuster(_LogitCalibrator):
    """Subtract ``tau * log(prior)`` from the logits: post-hoc logit adjustment.

    A network trained by ERM on long-tailed data learns scores that carry the
    training label prior ``pi``; predicting ``argmax_c f_c(x) - tau log pi_c``
    instead targets the balanced error (Menon et al. 2021). The adjustment is
    taken relative to a target prior (uniform by default), so a uniform
    training prior changes nothing: the logits become
    ``f_c(x) - tau * (log pi_c - log target_c)``.

    Use it after the network in a ``Pipeline`` (``estimator=None``: ``X`` is
    the network's logits and the prior is counted from ``y``, the labels the
    network was trained on), or wrap a fitted network,
    ``LogitAdjuster(FrozenEstimator(net))``, to tune ``tau`` on held-out data
    with ``GridSearchCV``: the prior is then the network's training prior
    (``net.class_counts_``), not the held-out data's.

    Parameters
    ----------
    estimator : estimator object, default=None
        ``None``: ``X`` holds logits, one column per class. Otherwise a
        classifier (a ``FrozenEstimator`` for a fitted one) whose logits are
        adjusted: a skimbal network's clean logits, another classifier's
        ``decision_function`` or log-probabilities.
    tau : float, default=1.0
        Strength of the adjustment; 0 leaves the logits unchanged.
    prior : array-like of shape (n_classes,), dict or None, default=None
        Training class counts or frequencies (normalised here), in the order
        of ``classes_`` or as ``{label: value}``. ``None``: the ``class_counts_`` of the
        estimator (or of the last step of a pipeline) if it has them, as a
        skimbal network does, else the counts of ``y`` in ``fit``.
    target_prior : array-like of shape (n_classes,), dict or None, default=None
        The test label prior to adjust towards; ``None`` is uniform
        (balanced error).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the logit columns.
    prior_ : ndarray of shape (n_classes,)
        The training prior used, summing to 1.
    adjustment_ : ndarray of shape (n_classes,)
        What is subtracted from each logit column.
    estimator_ : estimator object
        The fitted ``estimator`` (absent when ``estimator=None``).
    n_features_in_ : int
        Number of columns of ``X`` in ``fit``.

    See Also
    --------
    ClassTemperature : class-dependent temperatures at test time.
    TauNormalizer : classifier weights normalised by their norms.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.calibration import LogitAdjuster
    >>> logits = np.array([[2.0, 1.5], [0.3, 0.0]])
    >>> adjuster = LogitAdjuster(prior=[0.9, 0.1]).fit(logits, [0, 1])
    >>> adjuster.predict(logits)
    array([1, 1])
    """

    _parameter_constraints = {
        **_LogitCalibrator._parameter_constraints,
        "tau": [Interval(Real, None, None, closed="neither")],
        "prior": ["array-like", dict, None],
        "target_prior": ["array-like", dict, None],
    }

    def __init__(self, estimator=None, *, tau=1.0, prior=None, target_prior=None):
        super().__init__(estimator)
        self.tau = tau
        self.prior = prior
        self.target_prior = target_prior

    def _fit_logits(self, logits, codes):
        prior = self._class_frequencies(self.prior, codes, "prior")
        self.prior_ = prior / prior.sum()
        if self.target_prior is None:
            target = np.full(len(self.classes_), 1.0 / len(self.classes_))
        else:
            target = self._class_frequencies(self.target_prior, codes, "target_prior")
            target = target / target.sum()
        self.adjustment_ = self.tau * (np.log(self.prior_) - np.log(target))

    def _adjust(self, logits):
        return logits - self.adjustment_
