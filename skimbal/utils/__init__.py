"""Ground-floor helpers: input validation and class counts."""

from ._validation import check_class_counts, check_inputs

__all__ = ["check_class_counts", "check_inputs"]
