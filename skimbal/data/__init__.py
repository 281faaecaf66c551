"""The data paths of training and prediction.

In-memory arrays go through :class:`ArrayBatches`, one gather per batch;
everything else through PyTorch's ``DataLoader``.
"""

from ._arrays import ArrayBatches, as_batch_tensor

__all__ = ["ArrayBatches", "as_batch_tensor"]
