"""Focal loss, softmax form (Lin et al. 2017, as used by LDAM-DRW)."""

import torch
import torch.nn.functional as F

from ._base import ImbalancedLoss, register_loss


@register_loss("focal")
class FocalLoss(ImbalancedLoss):
    """Softmax focal loss ``(1 - p_t)^gamma * CE``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Unused; accepted for a uniform interface.
    weight : array-like of shape (n_classes,), default=None
        Class weights, applied *after* the modulating factor.
    gamma : float, default=1.0
        Focusing parameter; 0 gives cross-entropy. 1.0 is the CIFAR-LT value of
        the LDAM-DRW and class-balanced-loss scripts.

    Notes
    -----
    ``p_t`` is computed from the unweighted cross-entropy, so it is the model's
    probability of the true class even when class weights are set. The
    LDAM-DRW reference code takes it from the *weighted* cross-entropy, which
    makes the modulator wrong for re-weighted classes.

    See Also
    --------
    CrossEntropyLoss : The loss at ``gamma=0``.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import FocalLoss
    >>> logits, y = torch.tensor([[2.0, 0.0]]), torch.tensor([0])
    >>> ce = torch.nn.functional.cross_entropy(logits, y)
    >>> bool(FocalLoss(gamma=0.0)(logits, y) == ce)
    True
    """

    def __init__(self, class_counts=None, *, weight=None, gamma=1.0):
        super().__init__(class_counts, weight=weight)
        self.gamma = gamma

    def per_sample_loss(self, logits, target):
        ce = F.cross_entropy(logits, target, reduction="none")
        one_minus_pt = -torch.expm1(-ce)
        return one_minus_pt.clamp_min(0).pow(float(self.gamma)) * ce
