"""skimbal: scikit-learn-compatible deep learning for class-imbalanced data.

The main entry point is :class:`ImbalancedNetClassifier`, a scikit-learn
classifier that trains a PyTorch network through skorch, with the methods of
the long-tailed learning literature as parameters.
"""

from ._augment import BatchAugmenter
from .neural_network import ImbalancedNetClassifier

__version__ = "0.1.0"

__all__ = ["BatchAugmenter", "ImbalancedNetClassifier", "__version__"]
