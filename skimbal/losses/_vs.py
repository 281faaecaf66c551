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
from ._base import ImbalancedLoss, register_loss


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

    See Also
    --------
    CDTLoss : The loss that divides the logits by them.
    skimbal.calibration.ClassTemperature : The same temperatures after training.

    Examples
    --------
    >>> from skimbal.losses import class_temperatures
    >>> class_temperatures([100, 25, 1], 0.5).tolist()
    [1.0, 2.0, 10.0]
    """
    counts = check_class_counts(class_counts, what="class temperatures")
    return (counts.max() / counts) ** gamma


@register_loss("vs")
class VSLoss(ImbalancedLoss):
    """Vector-scaling loss: ``CE(z / Delta + tau * log(prior), y)``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class; the prior is ``n / sum(n)`` (required to
        compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    gamma : float, default=0.2
        Exponent of the multiplicative (temperature) part.
    tau : float, default=1.2
        Weight of the additive log-prior part. ``gamma=0.2, tau=1.2`` are the
        VS README's CIFAR-10-LT (ratio 100) values.

    Attributes
    ----------
    temperatures : torch.Tensor of shape (n_classes,)
        The multiplicative factors ``Delta_j`` the logits are divided by (a buffer).
    log_prior : torch.Tensor of shape (n_classes,)
        The log of the training prior, scaled by ``tau`` in the loss (a buffer).

    See Also
    --------
    CDTLoss : Its multiplicative part alone.
    LogitAdjustedLoss : Its additive part alone.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import VSLoss
    >>> loss = VSLoss([4, 1], gamma=0.5, tau=0.0)
    >>> loss.training_logits(torch.ones(1, 2), torch.tensor([0])).tolist()
    [[1.0, 0.5]]
    """

    requires_counts = True

    def __init__(self, class_counts=None, *, weight=None, gamma=0.2, tau=1.2):
        super().__init__(class_counts, weight=weight)
        self.gamma = gamma
        self.tau = tau
        temperatures = log_prior = None
        if class_counts is not None:
            counts = check_class_counts(class_counts, what=type(self).__name__)
            temperatures = torch.as_tensor(
                class_temperatures(counts, gamma), dtype=torch.float32)
            log_prior = torch.as_tensor(np.log(counts / counts.sum()), dtype=torch.float32)
        self.register_buffer("temperatures", temperatures)
        self.register_buffer("log_prior", log_prior)

    def training_logits(self, logits, target):
        out = logits
        if self.gamma != 0:
            out = out / self._counts_buffer("temperatures")
        if self.tau != 0:
            out = out + float(self.tau) * self._counts_buffer("log_prior")
        return out


@register_loss("cdt")
class CDTLoss(VSLoss):
    """Class-dependent temperatures: ``CE(z / a, y)`` with ``a_c = (n_max/n_c)^gamma``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class (required to compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    gamma : float, default=0.2
        Temperature exponent (Bag-of-Tricks' value for every CIFAR config; the
        paper's grid is [0, 0.4] for CIFAR-10).

    See Also
    --------
    class_temperatures : The temperatures it divides the logits by.
    VSLoss : CDT's temperatures with an additive offset.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import CDTLoss
    >>> CDTLoss([100, 1], gamma=0.5).temperatures.tolist()
    [1.0, 10.0]
    """

    def __init__(self, class_counts=None, *, weight=None, gamma=0.2):
        super().__init__(class_counts, weight=weight, gamma=gamma, tau=0.0)


@register_loss("logit_adjusted")
class LogitAdjustedLoss(VSLoss):
    """Logit-adjusted loss: ``CE(z + tau * log(prior), y)``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class (required to compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    tau : float, default=1.0
        Strength of the adjustment.

    See Also
    --------
    BalancedSoftmaxLoss : The loss at ``tau=1``.
    skimbal.calibration.LogitAdjuster : The same adjustment after training.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import LogitAdjustedLoss
    >>> LogitAdjustedLoss([3, 1]).training_logits(torch.zeros(1, 2), None).exp().tolist()
    [[0.75, 0.25]]
    """

    def __init__(self, class_counts=None, *, weight=None, tau=1.0):
        super().__init__(class_counts, weight=weight, gamma=0.0, tau=tau)


@register_loss("balanced_softmax")
class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced softmax: ``CE(z + log(n), y)``, logit adjustment with ``tau=1``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class (required to compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights.

    See Also
    --------
    LogitAdjustedLoss : The same loss with a tunable ``tau``.

    Examples
    --------
    >>> from skimbal.losses import BalancedSoftmaxLoss
    >>> BalancedSoftmaxLoss([3, 1]).tau
    1.0
    """

    def __init__(self, class_counts=None, *, weight=None):
        super().__init__(class_counts, weight=weight, tau=1.0)
