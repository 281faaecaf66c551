"""Batched image augmentation on tensors."""

import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator


class BatchAugmenter(BaseEstimator):
    """Random crop with zero padding and horizontal flip, a whole batch at once.

    The CIFAR recipe (``RandomCrop(size, padding=4)`` then
    ``RandomHorizontalFlip()``) done on a ``(n, C, H, W)`` tensor with one
    gather, instead of per image in Python. Padding is applied to the image
    before normalisation, so it is black, as with torchvision's transforms on
    PIL images. The draws come from ``generator`` (torch's default generator
    when None; :class:`~skimbal.ImbalancedNetClassifier` passes the generator
    of its fit), made on the CPU and moved to the batch's device.

    Parameters
    ----------
    padding : int, default=4
        Zero padding on each side before the random crop; 0 disables cropping.
    flip : bool, default=True
        Whether to flip each image horizontally with probability 1/2.

    See Also
    --------
    ImbalancedNetClassifier : Its ``augment`` parameter takes an augmenter.

    Examples
    --------
    >>> import torch
    >>> from skimbal import BatchAugmenter
    >>> BatchAugmenter(padding=2)(torch.rand(8, 3, 32, 32)).shape
    torch.Size([8, 3, 32, 32])
    """

    def __init__(self, padding=4, flip=True):
        self.padding = padding
        self.flip = flip

    def __call__(self, x, generator=None):
        """Augment a batch of images ``x`` of shape ``(n, C, H, W)``.

        Parameters
        ----------
        x : tensor of shape (n, C, H, W)
        generator : torch.Generator, default=None
            Source of the random crops and flips.
        """
        n, _, h, w = x.shape
        if self.padding:
            p = int(self.padding)
            padded = F.pad(x, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (n, 1, 1), generator=generator).to(x.device)
            dx = torch.randint(0, 2 * p + 1, (n, 1, 1), generator=generator).to(x.device)
            rows = (torch.arange(h, device=x.device).view(1, h, 1) + dy).expand(n, h, w)
            cols = (torch.arange(w, device=x.device).view(1, 1, w) + dx).expand(n, h, w)
            flat = (rows * (w + 2 * p) + cols).view(n, 1, h * w)
            x = padded.flatten(2).gather(2, flat.expand(-1, x.shape[1], -1))
            x = x.view(n, -1, h, w)
        if self.flip:
            mask = (torch.rand(n, generator=generator) < 0.5).to(x.device)
            x = torch.where(mask.view(n, 1, 1, 1), x.flip(3), x)
        return x
