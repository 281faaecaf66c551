"""Per-class, many/medium/few-shot and calibration scores, as functions and scorers."""

from ._calibration import expected_calibration_error
from ._shot import make_shot_scorer, per_class_accuracy, shot_accuracy, shot_groups

__all__ = [
    "expected_calibration_error",
    "make_shot_scorer",
    "per_class_accuracy",
    "shot_accuracy",
    "shot_groups",
]
