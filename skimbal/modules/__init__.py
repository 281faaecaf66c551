"""Networks: CIFAR-style ResNets, an MLP, and the heads the methods need.

Every built-in network exposes ``features(x)`` (the penultimate features) and
``classifier`` (the head, an ``nn.Linear`` unless replaced), and its
``forward(x)`` is ``classifier(features(x))``. ``mixing_points`` names the
submodules whose outputs feature-mixing strategies (``mfw=True``) may mix.
``ImbalancedNetClassifier(module=name)`` takes any name of
:func:`list_modules`; :func:`register_module` adds one.
"""

from ._heads import CosineClassifier
from ._mlp import MLP
from ._registry import (
    get_module,
    list_modules,
    module_names_constraint,
    register_module,
    unregister_module,
)
from ._resnet import CifarResNet, resnet8, resnet20, resnet32

__all__ = [
    "CifarResNet",
    "CosineClassifier",
    "MLP",
    "get_module",
    "list_modules",
    "module_names_constraint",
    "register_module",
    "resnet8",
    "resnet20",
    "resnet32",
    "unregister_module",
]
