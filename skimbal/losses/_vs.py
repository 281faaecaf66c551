"""Logit-adjusting losses: VS and its special cases CDT, LA, balanced softmax.

Vector-scaling loss (Kini et al., NeurIPS 2021) trains on
``z_j / Delta_j + iota_j`` with ``Delta_j = (n_max / n_j)^gamma`` and
``iota_j = tau * log(pi_j)``. Class-dependent temperatures (Ye et al. 2020) are
VS with ``tau = 0``; logit adjustment (Menon et al. 2021) is VS with
``gamma = 0``; balanced softmax (Ren et al. 2020) is logit adjustment with
``tau = 1``. All of them change only the training logits.
"""

import numpy as np
import torch

from ..utils import check_class_counts
from ._base import ImbalancedLoss


def class_temperatures(class_counts, gamma):
    """Class-dependent temperatures ``a_c = (n_max / n_c)^gamma``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    gamma : float
        Exponent; 0 gives all temperatures 1.

    Returns
    -------
    temperatures : ndarray of shape (n_classes,)

    Examples
    --------
    >>> from skimbal.losses import class_temperatures
    >>> class_temperatures([100, 25, 1], 0.5).tolist()
    [1.0, 2.0, 10.0]
    """
    counts = check_class_counts(class_counts, what="class temperatures")
    return (counts.max() / counts) ** gamma


class VSLoss(ImbalancedLoss):
    """Vector-scaling loss: ``CE(z / Delta + tau * log(prior), y)``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class; the prior is ``n / sum(n)``.
    gamma : float, default=0.2
        Exponent of the multiplicative (temperature) part.
    tau : float, default=1.2
        Weight of the additive log-prior part. ``gamma=0.2, tau=1.2`` are the
        VS README's CIFAR-10-LT (ratio 100) values.
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    """

    requires_counts = True

    def __init__(self, class_counts, gamma=0.2, tau=1.2, weight=None):
        super().__init__(class_counts=class_counts, weight=weight)
        self.gamma = float(gamma)
        self.tau = float(tau)
        counts = check_class_counts(class_counts, what=type(self).__name__)
        temperatures = class_temperatures(counts, self.gamma)
        log_prior = np.log(counts / counts.sum())
        self.register_buffer(
            "temperatures", torch.as_tensor(temperatures, dtype=torch.float32)
        )
        self.register_buffer(
            "log_prior", torch.as_tensor(log_prior, dtype=torch.float32)
        )

    def training_logits(self, logits, target):
        out = logits
        if self.gamma != 0:
            out = out / self.temperatures
        if self.tau != 0:
            out = out + self.tau * self.log_prior
        return out


class CDTLoss(VSLoss):
    """Class-dependent temperatures: ``CE(z / a, y)`` with ``a_c = (n_max/n_c)^gamma``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    gamma : float, default=0.2
        Temperature exponent (Bag-of-Tricks' value for every CIFAR config; the
        paper's grid is [0, 0.4] for CIFAR-10).
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    """

    def __init__(self, class_counts, gamma=0.2, weight=None):
        super().__init__(class_counts, gamma=gamma, tau=0.0, weight=weight)


class LogitAdjustedLoss(VSLoss):
    """Logit-adjusted loss: ``CE(z + tau * log(prior), y)``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    tau : float, default=1.0
        Strength of the adjustment.
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    """

    def __init__(self, class_counts, tau=1.0, weight=None):
        super().__init__(class_counts, gamma=0.0, tau=tau, weight=weight)


class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced softmax: ``CE(z + log(n), y)``, logit adjustment with ``tau=1``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    """

    def __init__(self, class_counts, weight=None):
        super().__init__(class_counts, tau=1.0, weight=weight)
