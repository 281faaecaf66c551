"""skorch callbacks: the LR recipe, deferred schedules, progress, feature deviation."""

from ._deferred import DeferredReweighting, SamplerEpoch
from ._deviation import FeatureDeviation
from ._early_stopping import ScheduledEarlyStopping
from ._lr import EpochLR, WarmupMultiStep, warmup_multistep_scheduler
from ._progress import FeatureGradientNorms, PerClassAccuracy

__all__ = [
    "DeferredReweighting",
    "EpochLR",
    "FeatureDeviation",
    "FeatureGradientNorms",
    "PerClassAccuracy",
    "SamplerEpoch",
    "ScheduledEarlyStopping",
    "WarmupMultiStep",
    "warmup_multistep_scheduler",
]
