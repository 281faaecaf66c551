"""skorch callbacks: the literature's LR recipe, deferred schedules, training progress."""

from ._deferred import DeferredReweighting, SamplerEpoch
from ._early_stopping import ScheduledEarlyStopping
from ._lr import EpochLR, WarmupMultiStep, warmup_multistep_scheduler
from ._progress import FeatureGradientNorms, PerClassAccuracy

__all__ = [
    "DeferredReweighting",
    "EpochLR",
    "FeatureGradientNorms",
    "PerClassAccuracy",
    "SamplerEpoch",
    "ScheduledEarlyStopping",
    "WarmupMultiStep",
    "warmup_multistep_scheduler",
]
