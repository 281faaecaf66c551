"""Label-distribution-aware margin loss (Cao et al., NeurIPS 2019)."""

import numpy as np
import torch

from ..modules import CosineClassifier
from ..utils import check_class_counts
from ._base import ImbalancedLoss, register_loss


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

    See Also
    --------
    LDAMLoss : The loss that uses them.

    Examples
    --------
    >>> from skimbal.losses import ldam_margins
    >>> ldam_margins([10000, 1]).round(3).tolist()
    [0.05, 0.5]
    """
    counts = check_class_counts(class_counts, what="LDAM")
    margins = 1.0 / np.sqrt(np.sqrt(counts))
    return margins * (max_margin / margins.max())


@register_loss("ldam")
class LDAMLoss(ImbalancedLoss):
    """LDAM: cross-entropy with a class-dependent margin on the true logit.

    The loss asks for a cosine head (:meth:`make_head` returns a
    :class:`skimbal.modules.CosineClassifier`), so the network outputs
    ``scale * cos(x, w_j)``; the loss subtracts ``scale * Delta_y`` from the
    true class's logit, which is the reference code's ``s * (cos - Delta_y)``.
    At inference the logits carry the scale and no margin, so ``softmax`` of
    them uses the trained scale.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class (required to compute the loss).
    weight : array-like of shape (n_classes,), default=None
        Class weights (deferred re-weighting sets them late in training).
    max_margin : float, default=0.5
        Margin of the rarest class (``max_m`` in the paper's code).
    scale : float, default=30.0
        Scale ``s`` of the cosine logits.

    Attributes
    ----------
    margins : torch.Tensor of shape (n_classes,)
        Each class's margin ``Delta_j``, ``max_margin`` for the rarest class (a buffer).

    See Also
    --------
    ldam_margins : The per-class margins.
    skimbal.modules.CosineClassifier : The normalised head it trains.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import LDAMLoss
    >>> loss = LDAMLoss([100, 1], max_margin=0.5, scale=10.0)
    >>> loss.training_logits(torch.zeros(1, 2), torch.tensor([1])).tolist()
    [[0.0, -5.0]]
    """

    requires_counts = True

    def __init__(self, class_counts=None, *, weight=None, max_margin=0.5, scale=30.0):
        super().__init__(class_counts, weight=weight)
        self.max_margin = max_margin
        self.scale = scale
        margins = None if class_counts is None else torch.as_tensor(
            ldam_margins(class_counts, max_margin), dtype=torch.float32)
        self.register_buffer("margins", margins)

    def make_head(self, in_features, n_classes):
        """A cosine head with this loss's scale.

        Parameters
        ----------
        in_features : int
            Size of the penultimate features.
        n_classes : int
            Number of classes.

        Returns
        -------
        head : CosineClassifier
            The head LDAM trains with (``scale`` folded in).
        """
        return CosineClassifier(in_features, n_classes, self.scale)

    def training_logits(self, logits, target):
        margins = self._counts_buffer("margins")
        shift = torch.zeros_like(logits)
        shift.scatter_(1, target[:, None], (float(self.scale) * margins[target])[:, None])
        return logits - shift
