"""CIFAR-style ResNets (He et al. 2016), as used throughout long-tailed work.

Three stages of BasicBlocks with widths 16/32/64 and parameter-free
"option A" shortcuts (strided subsampling plus zero-padded channels), as in
the LDAM-DRW reference code; ResNet-32 has 0.46 M parameters and a 64-d
feature. Any number of input channels and any image size work: the last stage
is average-pooled globally.
"""

import torch.nn.functional as F
from torch import nn

from ._registry import register_module


class _PadShortcut(nn.Module):
    """Option-A shortcut: subsample by 2 and zero-pad the new channels."""

    def __init__(self, extra_channels):
        super().__init__()
        self.extra_channels = extra_channels

    def forward(self, x):
        pad = self.extra_channels // 2
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, self.extra_channels - pad))


class _BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            self.shortcut = _PadShortcut(planes - in_planes)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet for small images with ``depth = 6 * blocks + 2``.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Number of input channels.
    blocks : int, default=5
        BasicBlocks per stage (1: ResNet-8, 3: ResNet-20, 5: ResNet-32).

    Attributes
    ----------
    classifier : nn.Linear
        The head, 64 features to ``n_classes`` logits.
    n_features_out : int
        Size of the penultimate features (64).
    mixing_points : tuple of str
        The three stages, whose outputs ``mfw=True`` may mix.

    See Also
    --------
    resnet32 : The long-tailed CIFAR backbone.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import CifarResNet
    >>> net = CifarResNet(n_classes=10, blocks=9)  # ResNet-56
    >>> sum(1 for m in net.modules() if isinstance(m, torch.nn.Conv2d)) + 1
    56
    """

    def __init__(self, n_classes, in_channels=3, blocks=5):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        stages, in_planes = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            layers = []
            for i in range(blocks):
                layers.append(_BasicBlock(in_planes, planes, stride if i == 0 else 1))
                in_planes = planes
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3 = stages
        self.n_features_out = 64
        # Outputs that feature-mixing strategies (mfw=True) may mix: the stages.
        self.mixing_points = ("layer1", "layer2", "layer3")
        self.classifier = nn.Linear(64, n_classes)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(module.weight)

    def features(self, x):
        """Penultimate features: the globally pooled output of the last stage.

        Parameters
        ----------
        x : torch.Tensor
            A batch of inputs.

        Returns
        -------
        features : torch.Tensor of shape (n, n_features_out)
            The features the classifier head reads.
        """
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)

    def forward(self, x):
        return self.classifier(self.features(x))


@register_module("resnet8", input="images")
def resnet8(n_classes, in_channels=3):
    """ResNet-8 (one block per stage).

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Number of input channels.

    Returns
    -------
    module : CifarResNet
        A freshly initialised network.

    See Also
    --------
    CifarResNet : The network with any number of blocks.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import resnet8
    >>> net = resnet8(n_classes=10, in_channels=1)
    >>> net(torch.zeros(2, 1, 32, 32)).shape, net.features(torch.zeros(2, 1, 32, 32)).shape
    (torch.Size([2, 10]), torch.Size([2, 64]))
    """
    return CifarResNet(n_classes, in_channels, blocks=1)


@register_module("resnet20", input="images")
def resnet20(n_classes, in_channels=3):
    """ResNet-20 (three blocks per stage).

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Number of input channels.

    Returns
    -------
    module : CifarResNet
        A freshly initialised network.

    See Also
    --------
    CifarResNet : The network with any number of blocks.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import resnet20
    >>> net = resnet20(n_classes=10, in_channels=1)
    >>> net(torch.zeros(2, 1, 32, 32)).shape, net.features(torch.zeros(2, 1, 32, 32)).shape
    (torch.Size([2, 10]), torch.Size([2, 64]))
    """
    return CifarResNet(n_classes, in_channels, blocks=3)


@register_module("resnet32", input="images")
def resnet32(n_classes, in_channels=3):
    """ResNet-32 (five blocks per stage), the long-tailed CIFAR backbone.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Number of input channels.

    Returns
    -------
    module : CifarResNet
        A freshly initialised network.

    See Also
    --------
    CifarResNet : The network with any number of blocks.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import resnet32
    >>> net = resnet32(n_classes=10, in_channels=1)
    >>> net(torch.zeros(2, 1, 32, 32)).shape, net.features(torch.zeros(2, 1, 32, 32)).shape
    (torch.Size([2, 10]), torch.Size([2, 64]))
    """
    return CifarResNet(n_classes, in_channels, blocks=5)
