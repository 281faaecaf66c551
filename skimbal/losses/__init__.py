"""Training criteria for class-imbalanced classification, and their registry.

Every loss takes raw logits and integer targets and returns a scalar. The
class-imbalance methods change only the *training-time* logits (margins,
temperatures, log-priors); the network's logits at inference stay untouched.
``ImbalancedNetClassifier(loss=name)`` takes any name of
:func:`list_losses`; :func:`register_loss` adds one.
"""

from ._base import (
    CrossEntropyLoss,
    ImbalancedLoss,
    TorchCriterion,
    get_loss,
    global_batch_mean,
    list_losses,
    loss_names_constraint,
    register_loss,
    unregister_loss,
)
from ._focal import FocalLoss
from ._ldam import LDAMLoss, ldam_margins
from ._smoothing import LabelAwareSmoothingLoss, label_aware_smoothing_factors
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
    "LabelAwareSmoothingLoss",
    "LogitAdjustedLoss",
    "TorchCriterion",
    "VSLoss",
    "class_temperatures",
    "get_loss",
    "global_batch_mean",
    "label_aware_smoothing_factors",
    "ldam_margins",
    "list_losses",
    "loss_names_constraint",
    "register_loss",
    "unregister_loss",
]
