"""Analysis tools that explain the methods: feature gradients and progress plots.

The per-epoch records come from the callbacks
:class:`~skimbal.callbacks.PerClassAccuracy` and
:class:`~skimbal.callbacks.FeatureGradientNorms`; the plots use matplotlib.
"""

from ._gradients import class_gradient_norms, feature_gradient_norms
from ._plot import class_curves, plot_class_curves, plot_training_progress

__all__ = [
    "class_curves",
    "class_gradient_norms",
    "feature_gradient_norms",
    "plot_class_curves",
    "plot_training_progress",
]
