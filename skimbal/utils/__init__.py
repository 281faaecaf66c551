"""Ground floor: input validation, class counts, labels, image statistics and method
registries."""

from ._images import channel_stats
from ._labels import as_python, encode_labels
from ._registry import Registry
from ._validation import check_class_counts, check_inputs

__all__ = [
    "Registry", "as_python", "channel_stats", "check_class_counts", "check_inputs",
    "encode_labels",
]
