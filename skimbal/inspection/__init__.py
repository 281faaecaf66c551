"""Analysis tools that explain the methods: feature gradients, feature deviation, plots.

The per-epoch records come from the callbacks
:class:`~skimbal.callbacks.PerClassAccuracy`,
:class:`~skimbal.callbacks.FeatureGradientNorms` and
:class:`~skimbal.callbacks.FeatureDeviation`; the plots use matplotlib.
"""

from ._deviation import COLUMNS as DEVIATION_COLUMNS
from ._deviation import deviation_columns, feature_deviation
from ._gradients import class_gradient_norms, feature_gradient_norms
from ._plot import (
    class_curves,
    plot_class_curves,
    plot_deviation_history,
    plot_feature_deviation,
    plot_feature_embedding,
    plot_training_progress,
)

__all__ = [
    "DEVIATION_COLUMNS",
    "class_curves",
    "class_gradient_norms",
    "deviation_columns",
    "feature_deviation",
    "feature_gradient_norms",
    "plot_class_curves",
    "plot_deviation_history",
    "plot_feature_deviation",
    "plot_feature_embedding",
    "plot_training_progress",
]
