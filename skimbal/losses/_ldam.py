"""Label-distribution-aware margin loss (Cao et al., NeurIPS 2019)."""

import numpy as np
import torch

from ..utils import check_class_counts
from ._base import ImbalancedLoss


def ldam_margins(class_counts, max_margin=0.5):
    """Per-class LDAM margins ``Delta_j = C / n_j^(1/4)``.

    ``C`` is set so that the largest margin (the rarest class) equals
    ``max_margin``, as in the reference code.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    max_margin : float, default=0.5
        Margin of the rarest class.

    Returns
    -------
    margins : ndarray of shape (n_classes,)

    Examples
    --------
    >>> from skimbal.losses import ldam_margins
    >>> ldam_margins([10000, 1]).round(3).tolist()
    [0.05, 0.5]
    """
    counts = check_class_counts(class_counts, what="LDAM")
    margins = 1.0 / np.sqrt(np.sqrt(counts))
    return margins * (max_margin / margins.max())


class LDAMLoss(ImbalancedLoss):
    """LDAM: cross-entropy with a class-dependent margin on the true logit.

    The network is expected to output ``scale * cos(x, w_j)`` (a cosine head,
    :class:`skimbal.modules.CosineClassifier`); the loss subtracts
    ``scale * Delta_y`` from the true class's logit, which is the reference
    code's ``s * (cos - Delta_y)``. At inference the logits carry the scale and
    no margin, so ``softmax`` of them uses the trained scale.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    max_margin : float, default=0.5
        Margin of the rarest class (``max_m`` in the paper's code).
    scale : float, default=30.0
        Scale ``s`` of the cosine logits.
    weight : array-like of shape (n_classes,), default=None
        Class weights (deferred re-weighting sets them late in training).
    """

    requires_counts = True

    def __init__(self, class_counts, max_margin=0.5, scale=30.0, weight=None):
        super().__init__(class_counts=class_counts, weight=weight)
        self.max_margin = float(max_margin)
        self.scale = float(scale)
        margins = ldam_margins(class_counts, max_margin)
        self.register_buffer("margins", torch.as_tensor(margins, dtype=torch.float32))

    def training_logits(self, logits, target):
        shift = torch.zeros_like(logits)
        shift.scatter_(1, target[:, None], (self.scale * self.margins[target])[:, None])
        return logits - shift
