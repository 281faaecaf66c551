"""Ground floor: input validation, class counts, labels and method registries."""

from ._labels import as_python, encode_labels
from ._registry import Registry
from ._validation import check_class_counts, check_inputs

__all__ = ["Registry", "as_python", "check_class_counts", "check_inputs", "encode_labels"]
