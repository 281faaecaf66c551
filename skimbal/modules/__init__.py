"""Networks: CIFAR-style ResNets, an MLP, and the heads the methods need.

Every built-in network exposes ``features(x)`` (the penultimate features) and
``classifier`` (the head, an ``nn.Linear`` unless replaced), and its
``forward(x)`` is ``classifier(features(x))``. ``mixing_points`` names the
submodules whose outputs feature-mixing strategies (``mfw=True``) may mix.
``ImbalancedNetClassifier(module=name)`` takes any name of
:func:`list_modules`; :func:`register_module` adds one. torchvision's
ImageNet ResNets (``resnet10`` ... ``resnet152``, optionally pretrained) come
as :class:`SplitNet`, and :func:`split_head` gives any torchvision model the
same split. :class:`TabMNet` (``module="tabm"``, tabular data) is an
efficient ensemble whose ``forward`` returns every member's logits in
training; it has no ``features`` / ``classifier`` split.
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
from ._tabm import TabMNet
from ._torchvision import (
    SplitNet,
    find_head,
    resnet10,
    resnet18,
    resnet50,
    resnet152,
    resnext50_32x4d,
    split_head,
    torchvision_resnet,
)

__all__ = [
    "CifarResNet",
    "CosineClassifier",
    "MLP",
    "SplitNet",
    "TabMNet",
    "find_head",
    "get_module",
    "list_modules",
    "module_names_constraint",
    "register_module",
    "resnet8",
    "resnet10",
    "resnet18",
    "resnet20",
    "resnet32",
    "resnet50",
    "resnet152",
    "resnext50_32x4d",
    "split_head",
    "torchvision_resnet",
    "unregister_module",
]
