"""scikit-learn estimators that train PyTorch networks through skorch."""

from ._classifier import ImbalancedNetClassifier

__all__ = ["ImbalancedNetClassifier"]
