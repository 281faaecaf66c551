"""Classifier heads."""

import torch
import torch.nn.functional as F
from torch import nn


class CosineClassifier(nn.Module):
    """Cosine-similarity head ``scale * <x / |x|, w_j / |w_j|>``.

    This is LDAM's ``NormedLinear`` with the scale ``s`` folded into the
    forward pass, so the network's logits at inference are the trained scaled
    cosines and ``softmax`` of them is a proper probability.

    Parameters
    ----------
    in_features : int
        Size of the input features.
    out_features : int
        Number of classes.
    scale : float, default=30.0
        Scale ``s`` of the cosines.

    Attributes
    ----------
    weight : torch.nn.Parameter of shape (in_features, out_features)
        The class vectors, normalised in the forward pass.

    See Also
    --------
    skimbal.losses.LDAMLoss : The loss that trains with this head.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import CosineClassifier
    >>> head = CosineClassifier(8, 3, scale=10.0)
    >>> logits = head(torch.randn(4, 8))
    >>> logits.shape, bool(logits.abs().max() <= 10.0 + 1e-5)
    (torch.Size([4, 3]), True)
    """

    def __init__(self, in_features, out_features, scale=30.0):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.scale = float(scale)
        weight = torch.empty(in_features, out_features).uniform_(-1, 1)
        self.weight = nn.Parameter(weight.renorm_(2, 1, 1e-5).mul_(1e5))

    def forward(self, x):
        return self.scale * (F.normalize(x, dim=1) @ F.normalize(self.weight, dim=0))

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"scale={self.scale}"
        )
