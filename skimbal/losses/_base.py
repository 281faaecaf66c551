"""Base class of skimbal's criteria: class counts, class weights, reduction."""

import torch
import torch.nn.functional as F
from torch import nn

from ..utils import check_class_counts


class ImbalancedLoss(nn.Module):
    """Cross-entropy on training-time logits, with class and sample weights.

    Subclasses change :meth:`training_logits` (the logits the loss sees during
    training) or :meth:`per_sample_loss`. Class counts and weights are buffers,
    so they follow the module to its device and into its ``state_dict``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class. Required by subclasses that use them.
    weight : array-like of shape (n_classes,), default=None
        Class weights ``w_c``. May be replaced during training (deferred
        re-weighting) by assigning a tensor to ``self.weight``.

    Notes
    -----
    The reduction is a weighted mean with PyTorch's semantics: with example
    weights ``v_i = w_{y_i} * s_i`` (class weight times sample weight) the loss
    is ``sum_i v_i * l_i / sum_i v_i``. With no weights it is the plain mean.
    This is what ``torch.nn.functional.cross_entropy(weight=w)`` does and what
    the LDAM-DRW reference code inherits; TensorFlow's class-balanced code
    divides by the number of examples instead (a different effective learning
    rate).
    """

    requires_counts = False

    def __init__(self, class_counts=None, weight=None):
        super().__init__()
        if class_counts is None:
            if self.requires_counts:
                raise ValueError(f"{type(self).__name__} needs class_counts.")
            counts = None
        else:
            counts = torch.as_tensor(
                check_class_counts(class_counts, what=type(self).__name__),
                dtype=torch.float32,
            )
        self.register_buffer("class_counts", counts)
        weight = None if weight is None else torch.as_tensor(weight).float()
        self.register_buffer("weight", weight)

    def set_class_weight(self, weight):
        """Replace the class weights (``None`` removes them)."""
        if weight is not None:
            device = next((b.device for b in self.buffers()), None)
            weight = torch.as_tensor(weight, dtype=torch.float32, device=device)
        self.weight = weight

    def training_logits(self, logits, target):
        """Logits as the loss sees them in training (identity here)."""
        return logits

    def per_sample_loss(self, logits, target):
        """Unreduced loss of each example."""
        return F.cross_entropy(
            self.training_logits(logits, target), target, reduction="none"
        )

    def forward(self, logits, target, sample_weight=None):
        return self.reduce(self.per_sample_loss(logits, target), target, sample_weight)

    def reduce(self, loss, target, sample_weight=None):
        """Weighted mean of per-example losses (class times sample weights)."""
        weights = None
        if self.weight is not None:
            weights = self.weight[target]
        if sample_weight is not None:
            sample_weight = sample_weight.to(loss.dtype)
            weights = sample_weight if weights is None else weights * sample_weight
        if weights is None:
            return loss.mean()
        return (weights * loss).sum() / weights.sum().clamp_min(1e-12)


class CrossEntropyLoss(ImbalancedLoss):
    """Softmax cross-entropy (ERM), optionally class- and sample-weighted.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Unused by the loss itself; accepted for a uniform interface.
    weight : array-like of shape (n_classes,), default=None
        Class weights (see :class:`ImbalancedLoss` for the reduction).
    """
