"""skorch callbacks: the literature's LR recipe and deferred schedules."""

from ._deferred import DeferredReweighting, SamplerEpoch
from ._lr import WarmupMultiStep, warmup_multistep_scheduler

__all__ = [
    "DeferredReweighting",
    "SamplerEpoch",
    "WarmupMultiStep",
    "warmup_multistep_scheduler",
]
