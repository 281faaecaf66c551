"""Per-class and many/medium/few-shot accuracy, as functions and scorers."""

from ._shot import make_shot_scorer, per_class_accuracy, shot_accuracy, shot_groups

__all__ = ["make_shot_scorer", "per_class_accuracy", "shot_accuracy", "shot_groups"]
