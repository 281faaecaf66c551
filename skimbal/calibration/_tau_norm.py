"""Tau-normalisation of a trained linear head (Kang et al., ICLR 2020)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import nn

from ..neural_network import ImbalancedNetClassifier
from ._base import _class_codes, _LogitCalibrator, _unwrap


class TauNormalizer(_LogitCalibrator):
    """Rescale each class's weight vector of the network's head by ``1 / |w_c| ** tau``.

    Under imbalance the trained linear head's weight norms grow with class
    size, and the norms alone bias predictions towards major classes.
    Tau-normalisation (Kang et al. 2020) replaces ``w_c`` by
    ``w_c / |w_c| ** tau`` (``tau=1``: unit norms). It needs the head's
    weights, so it wraps the network: ``TauNormalizer(FrozenEstimator(net))``
    for a trained one (``fit`` then trains nothing), or an unfitted network
    that ``fit`` trains. ``transform`` gives the normalised logits, so a
    :class:`LogitAdjuster` can follow it in a ``Pipeline``.

    Parameters
    ----------
    estimator : ImbalancedNetClassifier or FrozenEstimator of one
        A skimbal network whose module has ``features(x)`` and an
        ``nn.Linear`` ``classifier``.
    tau : float, default=1.0
        Normalisation strength: 0 is the network itself, 1 unit-norm weights.
    bias : {"scale", "drop"}, default="scale"
        ``"scale"`` divides the bias by the same ``|w_c| ** tau``, so the
        whole logit of class ``c`` is divided and ``tau=0`` is the network
        itself; ``"drop"`` removes the bias, as the reference code does
        (``tau_norm.py``), so ``tau=0`` is the head without its bias.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The network's classes.
    weight_norms_ : ndarray of shape (n_classes,)
        ``|w_c|`` of the trained head.
    coef_ : ndarray of shape (n_classes, n_features_out)
        The normalised weights ``w_c / |w_c| ** tau``.
    intercept_ : ndarray of shape (n_classes,)
        The bias used (zeros with ``bias="drop"``).
    estimator_ : estimator object
        The fitted network.
    n_features_in_ : int
        Number of features of the network's input.

    See Also
    --------
    ClassScaleBias : per-class scales learned on held-out data (LWS).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.frozen import FrozenEstimator
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.calibration import TauNormalizer
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> net = ImbalancedNetClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> tau_norm = TauNormalizer(FrozenEstimator(net), tau=1.0).fit(X, y)
    >>> tau_norm.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "tau": [Interval(Real, None, None, closed="neither")],
        "bias": [StrOptions({"scale", "drop"})],
    }

    def __init__(self, estimator, *, tau=1.0, bias="scale"):
        super().__init__(estimator)
        self.tau = tau
        self.bias = bias

    def _fit_inputs(self, X, y):
        # the network's own fit; no logits needed, the head is read in _fit_logits
        y = column_or_1d(y, warn=True)
        self._fit_estimator(X, y)
        return None, _class_codes(y, self.classes_, True)

    def _fit_logits(self, logits, codes):
        head = _linear_head(self.estimator_)
        weight = head.weight.detach().cpu().double().numpy()
        bias = np.zeros(len(weight)) if head.bias is None \
            else head.bias.detach().cpu().double().numpy()
        self.weight_norms_ = np.linalg.norm(weight, axis=1)
        divisor = self.weight_norms_ ** self.tau
        self.coef_ = weight / divisor[:, None]
        self.intercept_ = bias / divisor if self.bias == "scale" else np.zeros(len(weight))

    def _scores(self, X):
        check_is_fitted(self)
        features = _unwrap(self.estimator_).forward(X, "features").astype(np.float64)
        return features @ self.coef_.T + self.intercept_


def _linear_head(estimator):
    """The fitted network's ``nn.Linear`` head; a clear error otherwise."""
    net = _unwrap(estimator)
    if not isinstance(net, ImbalancedNetClassifier):
        raise ValueError(
            "TauNormalizer needs a skimbal ImbalancedNetClassifier (or a FrozenEstimator "
            f"of one) to read the trained head from; got {type(net).__name__}."
        )
    module = net.module_
    head = getattr(module, "classifier", None)
    if not isinstance(head, nn.Linear) or not callable(getattr(module, "features", None)):
        kind = "a cosine head (loss='ldam'), whose weights are already normalised" \
            if head is not None and not isinstance(head, nn.Linear) else "no such head"
        raise ValueError(
            "Tau-normalisation needs a network whose module has a features(x) method "
            f"and an nn.Linear `classifier`; {type(module).__name__} has {kind}."
        )
    return head
