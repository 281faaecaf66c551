"""The data paths of training and prediction.

In-memory arrays go through :class:`ArrayBatches`, one gather per batch; map-style
torch Datasets through :class:`DatasetInput` and a ``DataLoader``
(:func:`dataset_batches`) that draws each epoch's order as the arrays' path does.
"""

from ._arrays import ArrayBatches, as_batch_tensor, epoch_order
from ._dataset import (
    LOADER_DEFAULTS,
    DatasetInput,
    EpochOrder,
    contains_dataset,
    dataset_batches,
    is_dataset,
)

__all__ = [
    "LOADER_DEFAULTS",
    "ArrayBatches",
    "DatasetInput",
    "EpochOrder",
    "as_batch_tensor",
    "contains_dataset",
    "dataset_batches",
    "epoch_order",
    "is_dataset",
]
