"""Label-aware smoothing (Zhong et al., "Improving Calibration for Long-Tailed
Recognition", CVPR 2021, MiSLAS)."""

import numpy as np
import torch
import torch.nn.functional as F

from ..utils import check_class_counts
from ._base import ImbalancedLoss, register_loss

_SHAPES = ("concave", "linear", "convex", "exp")


def label_aware_smoothing_factors(class_counts, epsilon_head=0.3, epsilon_tail=0.0,
                                  shape="concave", power=None):
    """Per-class smoothing factors ``epsilon_y`` of label-aware smoothing.

    With ``t_y = (n_y - n_min) / (n_max - n_min)`` (0 for the rarest class,
    1 for the largest), the factor runs from ``epsilon_tail`` to
    ``epsilon_head``:

    - ``"concave"``: ``e_t + (e_h - e_t) * sin(pi / 2 * t)`` (the paper's choice);
    - ``"linear"``: ``e_t + (e_h - e_t) * t``;
    - ``"convex"``: ``e_h + (e_h - e_t) * sin(3 pi / 2 + pi / 2 * t)``;
    - ``"exp"``: ``e_t + (e_h - e_t) * t ** power``.

    The largest class gets the most smoothing: the paper finds the head
    classes over-confident.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training examples per class.
    epsilon_head : float, default=0.3
        Smoothing of the largest class.
    epsilon_tail : float, default=0.0
        Smoothing of the rarest class.
    shape : {"concave", "linear", "convex", "exp"}, default="concave"
        How the factor grows with class size.
    power : float, default=None
        Exponent of ``shape="exp"``.

    Returns
    -------
    epsilon : ndarray of shape (n_classes,)

    See Also
    --------
    LabelAwareSmoothingLoss : The loss that uses them.

    Examples
    --------
    >>> from skimbal.losses import label_aware_smoothing_factors
    >>> label_aware_smoothing_factors([100, 10, 1], 0.4, 0.1, "linear").round(4).tolist()
    [0.4, 0.1273, 0.1]
    """
    _check_smoothing(epsilon_head, epsilon_tail, shape, power)
    counts = check_class_counts(class_counts, what="label-aware smoothing")
    span = counts.max() - counts.min()
    # equal counts: no head or tail; every class gets the tail factor (t = 0)
    t = (counts - counts.min()) / span if span > 0 else np.zeros_like(counts)
    gap = epsilon_head - epsilon_tail
    if shape == "concave":
        return epsilon_tail + gap * np.sin(np.pi / 2 * t)
    if shape == "linear":
        return epsilon_tail + gap * t
    if shape == "convex":
        return epsilon_head + gap * np.sin(1.5 * np.pi + np.pi / 2 * t)
    return epsilon_tail + gap * t ** power


def _check_smoothing(epsilon_head, epsilon_tail, shape, power):
    for name, value in (("epsilon_head", epsilon_head), ("epsilon_tail", epsilon_tail)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be in [0, 1]; got {value!r}.")
    if shape not in _SHAPES:
        raise ValueError(f"shape must be one of {_SHAPES}; got {shape!r}.")
    if shape == "exp" and (power is None or power <= 0):
        raise ValueError(f"shape='exp' needs a positive power; got power={power!r}.")


@register_loss("label_aware_smoothing")
class LabelAwareSmoothingLoss(ImbalancedLoss):
    """Cross-entropy with a per-class label-smoothing factor (MiSLAS).

    The loss of an example of class ``y`` is
    ``(1 - e_y) * (-log p_y) + e_y * mean_k(-log p_k)``, i.e. cross-entropy
    against the target ``(1 - e_y) * onehot(y) + e_y / K``, with ``e_y`` from
    :func:`label_aware_smoothing_factors`: largest for the largest class,
    smallest for the rarest. Zhong et al. use it to calibrate long-tailed
    networks, whose head classes are over-confident.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training examples per class (required to compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights.
    epsilon_head : float, default=0.3
        Smoothing of the largest class.
    epsilon_tail : float, default=0.0
        Smoothing of the rarest class. The defaults are MiSLAS's CIFAR-10-LT
        values (its CIFAR-100-LT ones are 0.4 and 0.1).
    shape : {"concave", "linear", "convex", "exp"}, default="concave"
        How the factor grows with class size.
    power : float, default=None
        Exponent of ``shape="exp"``.

    Notes
    -----
    MiSLAS uses this loss in its second stage, 10 epochs of classifier
    re-training with class-balanced sampling after mixup training; as
    ``loss="label_aware_smoothing"`` it is the training loss of one stage,
    as in the one-stage ``celas`` configurations of BagofTricks-LT. With
    equal class counts every class gets ``epsilon_tail`` (MiSLAS's formula is
    undefined there). The paper's formula and its code agree; the smoothing
    grows with class size, not with rarity.

    Attributes
    ----------
    epsilon_ : torch.Tensor of shape (n_classes,)
        Each class's smoothing factor (a buffer).

    See Also
    --------
    label_aware_smoothing_factors : The per-class smoothing factors.

    Examples
    --------
    >>> import torch
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.losses import LabelAwareSmoothingLoss
    >>> loss = LabelAwareSmoothingLoss([100, 1], epsilon_head=0.25)
    >>> loss.epsilon_.tolist()
    [0.25, 0.0]
    >>> clf = ImbalancedNetClassifier(loss="label_aware_smoothing",
    ...                               loss_params={"epsilon_head": 0.4})
    """

    requires_counts = True

    def __init__(self, class_counts=None, *, weight=None, epsilon_head=0.3, epsilon_tail=0.0,
                 shape="concave", power=None):
        super().__init__(class_counts, weight=weight)
        self.epsilon_head = epsilon_head
        self.epsilon_tail = epsilon_tail
        self.shape = shape
        self.power = power
        _check_smoothing(epsilon_head, epsilon_tail, shape, power)
        epsilon = None if class_counts is None else torch.as_tensor(
            label_aware_smoothing_factors(class_counts, epsilon_head, epsilon_tail, shape,
                                          power), dtype=torch.float32)
        self.register_buffer("epsilon_", epsilon)

    def per_sample_loss(self, logits, target):
        epsilon = self._counts_buffer("epsilon_")[target]
        log_p = F.log_softmax(logits, dim=1)
        nll = -log_p.gather(1, target[:, None]).squeeze(1)
        return (1 - epsilon) * nll + epsilon * -log_p.mean(dim=1)
