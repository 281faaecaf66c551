"""Networks: CIFAR-style ResNets, an MLP, and the heads the methods need.

Every built-in network exposes ``features(x)`` (the penultimate features) and
``classifier`` (the head, an ``nn.Linear`` unless replaced), and its
``forward(x)`` is ``classifier(features(x))``. ``mixing_points`` names the
submodules whose outputs feature-mixing strategies (``mfw=True``) may mix.
"""

from ._heads import CosineClassifier
from ._mlp import MLP
from ._resnet import CifarResNet, resnet8, resnet20, resnet32

__all__ = ["CifarResNet", "CosineClassifier", "MLP", "resnet8", "resnet20", "resnet32"]
