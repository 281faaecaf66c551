"""Post-hoc calibration and decoupled classifiers for imbalanced networks.

Calibrators are transformers on logits that can also end a pipeline
(``predict``, ``predict_proba``, ``classes_``): after a network in a
``Pipeline``, or wrapping a fitted one (``FrozenEstimator``) to be fitted or
tuned on held-out data. ``make_crt`` and ``make_ncm`` build the decoupled
classifiers of Kang et al. (2020) on the network's features.
"""

from ._decoupled import make_crt, make_ncm
from ._logit_adjustment import LogitAdjuster
from ._scale_bias import ClassScaleBias
from ._tau_norm import TauNormalizer
from ._temperature import ClassTemperature

__all__ = [
    "ClassScaleBias",
    "ClassTemperature",
    "LogitAdjuster",
    "TauNormalizer",
    "make_crt",
    "make_ncm",
]
