"""Class-aware sampling (Kang et al., ICLR 2020) as a torch ``Sampler``."""

import numpy as np
import torch
from torch.utils.data import Sampler

_EXPONENTS = {"instance": 1.0, "sqrt": 0.5, "class_balanced": 0.0}


def sampling_probabilities(class_counts, strategy, *, progress=None):
    """Probability of drawing each *class*: ``p_j = n_j^q / sum_k n_k^q``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class (classes with none get probability 0).
    strategy : {"instance", "sqrt", "class_balanced", "progressive"}
        ``q = 1, 1/2, 0``; ``"progressive"`` interpolates from instance- to
        class-balanced: ``(1 - t) p^IB + t p^CB`` with ``t = progress``.
    progress : float, default=None
        Fraction of training done, in [0, 1]; only for ``"progressive"``.

    Returns
    -------
    probabilities : ndarray of shape (n_classes,)

    Examples
    --------
    >>> from skimbal.sampling import sampling_probabilities
    >>> sampling_probabilities([9, 1], "sqrt").tolist()
    [0.75, 0.25]
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    present = counts > 0
    if strategy == "progressive":
        t = float(np.clip(progress if progress is not None else 0.0, 0.0, 1.0))
        return (1 - t) * sampling_probabilities(counts, "instance") + t * (
            sampling_probabilities(counts, "class_balanced")
        )
    if strategy not in _EXPONENTS:
        raise ValueError(f"Unknown sampling strategy {strategy!r}.")
    safe = np.where(present, counts, 1.0)
    weights = np.where(present, safe ** _EXPONENTS[strategy], 0.0)
    return weights / weights.sum()


class ImbalancedSampler(Sampler):
    """Draws ``len(labels)`` indices per epoch with class-dependent rates.

    A class is drawn with probability :func:`sampling_probabilities`, then an
    example uniformly within it (i.i.d., with replacement). Before
    ``start_epoch`` the sampler is an ordinary random permutation (plain
    instance-balanced shuffling), which gives deferred re-sampling (DRS).
    The current epoch is set with :meth:`set_epoch`, like
    ``DistributedSampler``; :class:`~skimbal.callbacks.SamplerEpoch` does that
    during training.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Integer class codes ``0..n_classes-1`` of the training examples.
    strategy : {"class_balanced", "sqrt", "progressive", "instance"}
        Sampling strategy.
    n_classes : int, default=None
        Number of classes (inferred from ``labels`` if None).
    start_epoch : int, default=0
        First epoch (0-based) that uses ``strategy``.
    max_epochs : int, default=None
        Length of training, needed by ``"progressive"``.
    """

    def __init__(
        self,
        labels,
        strategy="class_balanced",
        *,
        n_classes=None,
        start_epoch=0,
        max_epochs=None,
    ):
        self.labels = np.asarray(labels, dtype=np.int64)
        self.strategy = strategy
        if n_classes is None:
            n_classes = self.labels.max() + 1
        self.n_classes = int(n_classes)
        self.start_epoch = int(start_epoch)
        self.max_epochs = max_epochs
        if strategy == "progressive" and not max_epochs:
            raise ValueError("strategy='progressive' needs max_epochs.")
        if strategy not in (*_EXPONENTS, "progressive"):
            raise ValueError(f"Unknown sampling strategy {strategy!r}.")
        self.class_counts = np.bincount(self.labels, minlength=self.n_classes)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Set the current (0-based) epoch."""
        self.epoch = int(epoch)

    def example_probabilities(self):
        """Probability of each example being drawn at the current epoch."""
        if self.epoch < self.start_epoch:
            return np.full(len(self.labels), 1.0 / len(self.labels))
        progress = None
        if self.strategy == "progressive":
            progress = self.epoch / max(self.max_epochs - 1, 1)
        p_class = sampling_probabilities(self.class_counts, self.strategy, progress=progress)
        return p_class[self.labels] / self.class_counts[self.labels]

    def __len__(self):
        return len(self.labels)

    def __iter__(self):
        n = len(self.labels)
        if self.epoch < self.start_epoch:
            return iter(torch.randperm(n).tolist())
        p = torch.as_tensor(self.example_probabilities(), dtype=torch.float64)
        return iter(torch.multinomial(p, n, replacement=True).tolist())
