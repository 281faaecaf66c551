"""torchvision's ImageNet backbones with the split every skimbal method needs.

The large-scale long-tailed literature (ImageNet-LT, Places-LT, iNaturalist)
trains torchvision-style ResNets: ResNet-10 and ResNeXt-50 (Liu et al. 2019;
Kang et al. 2020), ResNet-50 (most work since), ResNet-152 (Places-LT).
:class:`SplitNet` gives any such model the protocol of skimbal's networks:
``features(x)`` (the penultimate features), ``classifier`` (an
``nn.Linear``), ``forward(x) = classifier(features(x))`` and, for the ResNet
family, the four stages as ``mixing_points`` for ``mfw=True``.
"""

import os
from collections.abc import Sequence

import torch
from torch import nn

from ._registry import register_module

# where torchvision's models keep their head, in the order they are looked for
_HEAD_ATTRIBUTES = ("fc", "classifier", "head", "heads")
_STAGES = ("layer1", "layer2", "layer3", "layer4")


class SplitNet(nn.Module):
    """A backbone and a linear head: ``forward(x) = classifier(features(x))``.

    Parameters
    ----------
    backbone : nn.Module
        Maps a batch of inputs to its penultimate features (any shape with
        the batch first; flattened to ``(n, d)``).
    classifier : nn.Linear
        The head, ``d`` inputs and one output per class.
    mixing_points : tuple of str, default=()
        Submodules (names as ``get_submodule`` takes them) whose outputs
        ``mfw=True`` may mix.

    Attributes
    ----------
    n_features_out : int
        Width of the features the head reads.

    See Also
    --------
    split_head : Split a module into features and head.
    find_head : Find a module's classifier head.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skimbal.modules import SplitNet
    >>> net = SplitNet(nn.Flatten(), nn.Linear(4, 3))
    >>> net.features(torch.zeros(2, 2, 2)).shape, net(torch.zeros(2, 2, 2)).shape
    (torch.Size([2, 4]), torch.Size([2, 3]))
    """

    def __init__(self, backbone, classifier, mixing_points=()):
        super().__init__()
        if not isinstance(classifier, nn.Linear):
            raise TypeError(f"classifier must be an nn.Linear; got {type(classifier).__name__}.")
        self.backbone = backbone
        self.classifier = classifier
        self.mixing_points = tuple(mixing_points)
        self.n_features_out = classifier.in_features

    def features(self, x):
        """Penultimate features, shape ``(n, classifier.in_features)``.

        Parameters
        ----------
        x : torch.Tensor
            A batch of inputs.

        Returns
        -------
        features : torch.Tensor of shape (n, n_features_out)
            The features the classifier head reads.
        """
        return torch.flatten(self.backbone(x), 1)

    def forward(self, x):
        return self.classifier(self.features(x))


def find_head(model):
    """Where a torchvision model keeps its final linear layer.

    The rule: the first of the attributes ``fc`` (ResNet, ResNeXt, RegNet,
    GoogLeNet, ShuffleNet), ``classifier`` (DenseNet, VGG, MobileNet,
    EfficientNet, ConvNeXt), ``head`` (Swin) and ``heads`` (ViT) that is an
    ``nn.Linear``, or an ``nn.Sequential`` whose last layer is one.

    Parameters
    ----------
    model : nn.Module
        A torchvision classification model (or one built the same way).

    Returns
    -------
    owner : nn.Module
        The module holding the layer (``model`` or the ``Sequential``).
    name : str
        The layer's name in ``owner``.
    head : nn.Linear
        The layer itself.

    Raises
    ------
    ValueError
        If no such layer is found.

    See Also
    --------
    split_head : The model as a :class:`SplitNet` around that layer.

    Examples
    --------
    >>> from torchvision.models import mobilenet_v3_small
    >>> from skimbal.modules import find_head
    >>> owner, name, head = find_head(mobilenet_v3_small(num_classes=7))
    >>> name, head.out_features
    ('3', 7)
    """
    for attribute in _HEAD_ATTRIBUTES:
        candidate = getattr(model, attribute, None)
        if isinstance(candidate, nn.Linear):
            return model, attribute, candidate
        if isinstance(candidate, nn.Sequential) and len(candidate):
            name, last = list(candidate.named_children())[-1]
            if isinstance(last, nn.Linear):
                return candidate, name, last
    raise ValueError(
        f"{type(model).__name__} has no final nn.Linear at any of the attributes "
        f"{list(_HEAD_ATTRIBUTES)} (directly or as the last layer of an nn.Sequential), "
        "so skimbal cannot split it into features and classifier. Give the module a "
        "features(x) method and an nn.Linear attribute `classifier` instead."
    )


def split_head(model):
    """A :class:`SplitNet` of a torchvision-style model: its head cut off.

    The head (see :func:`find_head`) is replaced by ``nn.Identity`` in
    ``model`` (which becomes the backbone) and becomes the ``classifier``; the
    logits are unchanged. Models with ResNet stages (``layer1`` ...
    ``layer4``) get them as mixing points.

    Parameters
    ----------
    model : nn.Module
        Modified in place (pass a copy to keep the original).

    Returns
    -------
    net : SplitNet

    See Also
    --------
    SplitNet : The split module it returns.
    find_head : Find a module's classifier head.

    Examples
    --------
    >>> import torch
    >>> from torchvision.models import resnet18
    >>> from skimbal.modules import split_head
    >>> model = resnet18(num_classes=5).eval()
    >>> x = torch.randn(2, 3, 32, 32)
    >>> before = model(x)
    >>> net = split_head(model)
    >>> torch.allclose(net(x), before), net.features(x).shape, net.mixing_points[0]
    (True, torch.Size([2, 512]), 'backbone.layer1')
    """
    owner, name, head = find_head(model)
    setattr(owner, name, nn.Identity())
    points = tuple(f"backbone.{stage}" for stage in _STAGES if hasattr(model, stage))
    return SplitNet(model, head, points)


def _load_state_dict(model, path, arch):
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]  # a training checkpoint
    if not isinstance(state, dict):
        raise ValueError(f"weights={os.fspath(path)!r} does not hold a state dict.")
    # checkpoints of DataParallel / DistributedDataParallel prefix every key
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    not_this = f"weights={os.fspath(path)!r} is not a state dict of torchvision's {arch}"
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shapes that differ
        first = str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc)
        raise ValueError(f"{not_this}: {first}") from None
    if missing or unexpected:
        raise ValueError(
            f"{not_this}: missing keys {missing[:5]}{' ...' if len(missing) > 5 else ''}, "
            f"unexpected keys {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}."
        )


def _head_size(path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    for key in ("fc.weight", "module.fc.weight"):
        if key in state:
            return int(state[key].shape[0])
    return None


def _torchvision_enum(arch, weights):
    from torchvision import models

    if not isinstance(weights, str):
        return weights  # a weights enum member
    try:
        enum = models.get_model_weights(arch)
    except ValueError:
        enum = None
    if enum is None or not hasattr(enum, weights):
        names = [] if enum is None else list(enum.__members__)
        raise ValueError(
            f"weights={weights!r} is neither a file nor a weights name of torchvision's "
            f"{arch} (its names: {names}); give a state-dict file, a weights enum "
            "member or one of those names."
        )
    return getattr(enum, weights)


def _adapt_stem(model, in_channels):
    """A first convolution for ``in_channels`` inputs (its RGB filters averaged)."""
    conv = model.conv1
    if conv.in_channels == in_channels:
        return
    new = nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                    conv.padding, bias=conv.bias is not None)
    with torch.no_grad():
        new.weight.copy_(conv.weight.mean(dim=1, keepdim=True).expand_as(new.weight)
                         * (conv.in_channels / in_channels))
    model.conv1 = new


def _freeze(net, freeze):
    if freeze is None:
        return
    if freeze == "features":
        prefixes = ("backbone.",)
    elif isinstance(freeze, Sequence) and not isinstance(freeze, str):
        prefixes = tuple(f"backbone.{p}" for p in freeze)
    else:
        raise ValueError(
            f"freeze must be None, 'features' or a list of submodule names (e.g. "
            f"['conv1', 'bn1', 'layer1']); got {freeze!r}."
        )
    names = [name for name, _ in net.named_parameters()]
    for prefix in prefixes:
        if not any(n == prefix.rstrip(".") or n.startswith(prefix.rstrip(".") + ".")
                   for n in names):
            raise ValueError(f"freeze: the network has no parameters under "
                             f"{prefix[len('backbone.'):] or 'the backbone'!r}.")
    for name, parameter in net.named_parameters():
        if any(name == p.rstrip(".") or name.startswith(p.rstrip(".") + ".")
               for p in prefixes):
            parameter.requires_grad_(False)


def torchvision_resnet(arch, n_classes, in_channels=3, weights=None, freeze=None):
    """A torchvision ResNet as a :class:`SplitNet`, optionally pretrained.

    Parameters
    ----------
    arch : str
        ``"resnet10"`` (``BasicBlock`` x [1, 1, 1, 1], the ImageNet-LT
        baseline of Liu et al. 2019; no torchvision weights) or a torchvision
        ResNet builder's name (``"resnet18"``, ``"resnet50"``,
        ``"resnext50_32x4d"``, ``"resnet152"``, ...).
    n_classes : int
        Number of classes: the head is new (freshly initialised) unless the
        weights' head already has ``n_classes`` outputs.
    in_channels : int, default=3
        Input channels; other than 3, the first convolution is rebuilt with
        the pretrained filters averaged over RGB.
    weights : str, path-like, torchvision weights enum or None, default=None
        Pretrained weights: a state-dict file of the torchvision model (keys
        as ``model.state_dict()``; a ``"module."`` prefix is stripped, a
        checkpoint's ``"state_dict"`` entry read), a weights enum member
        (``ResNet50_Weights.IMAGENET1K_V2``) or its name (``"IMAGENET1K_V2"``,
        ``"DEFAULT"``). Enum weights download to torch's cache the first time,
        as torchvision does.
    freeze : None, "features" or list of str, default=None
        Parameters given no gradient: all of the backbone, or the submodules
        named (``["conv1", "bn1", "layer1"]``). Batch-norm statistics of a
        frozen part still update in training mode.

    Returns
    -------
    net : SplitNet
        The model with its features and classifier apart.

    See Also
    --------
    split_head : The same split for any torchvision model.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import torchvision_resnet
    >>> net = torchvision_resnet("resnet18", n_classes=10, in_channels=1, freeze="features")
    >>> net.classifier.out_features, net(torch.zeros(2, 1, 64, 64)).shape
    (10, torch.Size([2, 10]))
    >>> any(p.requires_grad for p in net.backbone.parameters())
    False
    """
    from torchvision import models

    file = weights is not None and isinstance(weights, (str, os.PathLike)) and (
        os.path.exists(weights) or os.fspath(weights).endswith((".pt", ".pth")))
    if file and not os.path.exists(weights):
        raise FileNotFoundError(f"weights={os.fspath(weights)!r}: no such file.")
    if arch == "resnet10":
        if weights is not None and not file:
            raise ValueError("resnet10 has no torchvision weights; give a state-dict file.")
        def build(num_classes):
            return models.ResNet(models.resnet.BasicBlock, [1, 1, 1, 1],
                                 num_classes=num_classes)
    else:
        build = getattr(models, arch)
    if weights is None:
        model = build(num_classes=n_classes)
    elif file:
        model = build(num_classes=_head_size(weights) or n_classes)
        _load_state_dict(model, weights, arch)
    else:
        model = build(weights=_torchvision_enum(arch, weights))
    _adapt_stem(model, in_channels)
    net = split_head(model)
    if net.classifier.out_features != n_classes:
        net.classifier = nn.Linear(net.classifier.in_features, n_classes)
    _freeze(net, freeze)
    return net


def _register(arch, description):
    def builder(n_classes, in_channels=3, weights=None, freeze=None):
        return torchvision_resnet(arch, n_classes, in_channels, weights, freeze)

    builder.__name__ = arch
    builder.__qualname__ = arch
    builder.__doc__ = f"""{description} from torchvision, as a :class:`SplitNet`.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Number of input channels.
    weights : str, path-like, weights enum or None, default=None
        Pretrained weights (see :func:`torchvision_resnet`).
    freeze : None, "features" or list of str, default=None
        Parameters to freeze (see :func:`torchvision_resnet`).

    Returns
    -------
    module : SplitNet
        The network with its features and classifier apart.

    See Also
    --------
    torchvision_resnet : The builder with every option.

    Examples
    --------
    >>> from skimbal.modules import {arch}
    >>> net = {arch}(n_classes=10)
    >>> net.classifier.out_features
    10
    """
    register_module(arch, builder, input="images")
    return builder


resnet10 = _register("resnet10", "ResNet-10 (BasicBlock x [1, 1, 1, 1], ImageNet-LT)")
resnet18 = _register("resnet18", "ResNet-18")
resnet50 = _register("resnet50", "ResNet-50")
resnet152 = _register("resnet152", "ResNet-152")
resnext50_32x4d = _register("resnext50_32x4d", "ResNeXt-50 (32x4d)")
