"""Training criteria for class-imbalanced classification.

Every loss takes raw logits and integer targets and returns a scalar. The
class-imbalance methods change only the *training-time* logits (margins,
temperatures, log-priors); the network's logits at inference stay untouched.
"""

from ._base import CrossEntropyLoss, ImbalancedLoss
from ._focal import FocalLoss
from ._ldam import LDAMLoss, ldam_margins
from ._vs import (
    BalancedSoftmaxLoss,
    CDTLoss,
    LogitAdjustedLoss,
    VSLoss,
    class_temperatures,
)

__all__ = [
    "BalancedSoftmaxLoss",
    "CDTLoss",
    "CrossEntropyLoss",
    "FocalLoss",
    "ImbalancedLoss",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "VSLoss",
    "class_temperatures",
    "ldam_margins",
]
