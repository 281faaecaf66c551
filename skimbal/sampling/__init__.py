"""Class weights and class-aware samplers built from training labels."""

from ._class_weight import compute_class_weight, effective_number_weights
from ._sampler import (
    ImbalancedSampler,
    ResamplingSampler,
    check_resampler,
    is_resampler,
    is_scheduled_sampling,
    list_samplings,
    register_sampling,
    sampling_names_constraint,
    sampling_probabilities,
    unregister_sampling,
)

__all__ = [
    "ImbalancedSampler",
    "ResamplingSampler",
    "check_resampler",
    "is_resampler",
    "compute_class_weight",
    "effective_number_weights",
    "is_scheduled_sampling",
    "list_samplings",
    "register_sampling",
    "sampling_names_constraint",
    "sampling_probabilities",
    "unregister_sampling",
]
