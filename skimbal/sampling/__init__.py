"""Class weights and class-aware samplers built from training labels."""

from ._class_weight import compute_class_weight, effective_number_weights
from ._sampler import ImbalancedSampler, sampling_probabilities

__all__ = [
    "ImbalancedSampler",
    "compute_class_weight",
    "effective_number_weights",
    "sampling_probabilities",
]
