"""A learned per-class scale and bias on held-out logits (LWS-style, Kang et al. 2020)."""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import as_python
from ._base import _LogitCalibrator


class ClassScaleBias(_LogitCalibrator):
    """Learn ``z_c -> s_c * z_c + b_c`` per class on held-out data.

    Learnable weight scaling (LWS, Kang et al. 2020) keeps a trained
    classifier and learns one scale per class with class-balanced sampling;
    this calibrator learns a scale and a bias per class by minimising the
    class-balanced cross-entropy of the rescaled logits (L-BFGS), with a
    small ridge towards the identity. Fit it on data the network was not
    trained on, as ``CalibratedClassifierCV(FrozenEstimator(net))`` does::

        ClassScaleBias(FrozenEstimator(net)).fit(X_holdout, y_holdout)

    (on the network's own training data, where it fits minor classes at
    100%, there is nothing to correct).

    Parameters
    ----------
    estimator : estimator object, default=None
        ``None``: ``X`` holds logits, one column per class. Otherwise a
        classifier (a ``FrozenEstimator`` for a fitted one) whose logits are
        rescaled.
    class_weight : {"balanced"}, dict or None, default="balanced"
        ``"balanced"`` weights each held-out example by
        ``n / (n_classes * n_c)``, the expectation of class-balanced
        sampling; a dict ``{label: weight}`` gives the weights (1 for a
        label it lacks); ``None`` weights examples equally.
    alpha : float, default=1e-3
        Strength of the ridge ``alpha / 2 * (|s - 1|^2 + |b|^2)`` added to the
        mean loss; it keeps the problem bounded when the held-out set is
        separable.
    max_iter : int, default=200
        Maximum L-BFGS iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the logit columns.
    scales_ : ndarray of shape (n_classes,)
        Learned ``s_c``.
    biases_ : ndarray of shape (n_classes,)
        Learned ``b_c``.
    n_iter_ : int
        L-BFGS iterations run.
    estimator_ : estimator object
        The fitted ``estimator`` (absent when ``estimator=None``).
    n_features_in_ : int
        Number of columns of ``X`` in ``fit``.

    See Also
    --------
    TauNormalizer : a fixed rescaling by the classifier's weight norms.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.calibration import ClassScaleBias
    >>> logits = np.array([[3.0, 0.0], [2.0, 0.5], [0.0, 2.0], [2.5, 1.0]])
    >>> calibrator = ClassScaleBias().fit(logits, [0, 1, 1, 0])
    >>> calibrator.predict(logits)
    array([0, 1, 1, 0])
    """

    _parameter_constraints = {
        **_LogitCalibrator._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, estimator=None, *, class_weight="balanced", alpha=1e-3, max_iter=200):
        super().__init__(estimator)
        self.class_weight = class_weight
        self.alpha = alpha
        self.max_iter = max_iter

    def _fit_logits(self, logits, codes):
        n_classes = len(self.classes_)
        if isinstance(self.class_weight, dict):
            lookup = {as_python(k): v for k, v in self.class_weight.items()}
            per_class = np.array([lookup.get(as_python(c), 1.0) for c in self.classes_], float)
            weight = per_class[codes]
        elif self.class_weight == "balanced":
            counts = np.bincount(codes, minlength=n_classes)
            weight = (len(codes) / (n_classes * np.maximum(counts, 1)))[codes]
        else:
            weight = np.ones(len(codes))
        weight = weight / weight.sum()
        start = np.concatenate([np.ones(n_classes), np.zeros(n_classes)])
        result = minimize(_objective, start, args=(logits, codes, weight, self.alpha),
                          jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter})
        self.scales_, self.biases_ = result.x[:n_classes], result.x[n_classes:]
        self.n_iter_ = int(result.nit)

    def _adjust(self, logits):
        return logits * self.scales_ + self.biases_


def _objective(params, logits, codes, weight, alpha):
    """Weighted cross-entropy of ``s * z + b`` plus the ridge, and its gradient."""
    n_classes = logits.shape[1]
    scales, biases = params[:n_classes], params[n_classes:]
    scores = logits * scales + biases
    rows = np.arange(len(codes))
    loss = -(weight * log_softmax(scores, axis=1)[rows, codes]).sum()
    residual = softmax(scores, axis=1)
    residual[rows, codes] -= 1.0
    residual *= weight[:, None]
    grad_s = (residual * logits).sum(0) + alpha * (scales - 1.0)
    grad_b = residual.sum(0) + alpha * biases
    loss += alpha / 2 * (((scales - 1.0) ** 2).sum() + (biases ** 2).sum())
    return loss, np.concatenate([grad_s, grad_b])
