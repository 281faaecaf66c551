import pytest
import torch
from torch import nn

from skimbal.modules import MLP, CosineClassifier, resnet8, resnet20, resnet32


@pytest.mark.parametrize(
    "builder, n_params", [(resnet8, 75_290), (resnet20, 269_722), (resnet32, 464_154)]
)
def test_resnet_depth_and_size(builder, n_params):
    # By hand: stem 3*16*9 + 32 (BN); a 16-16 block 2*2304 + 64 = 4672; first
    # 16-32 block 4608 + 9216 + 128; 32-32 block 18560; first 32-64 block
    # 18432 + 36864 + 256; 64-64 block 73984; head 64*10 + 10. ResNet-32 is
    # the 0.46 M parameters of LDAM-DRW's resnet_cifar.py.
    net = builder(10, in_channels=3)
    assert sum(p.numel() for p in net.parameters()) == n_params


@pytest.mark.parametrize("channels, size", [(1, 28), (3, 32), (2, 9)])
def test_resnet_any_channels_and_size(channels, size):
    net = resnet8(7, in_channels=channels)
    x = torch.randn(4, channels, size, size)
    assert net(x).shape == (4, 7)
    assert net.features(x).shape == (4, 64)
    torch.testing.assert_close(net(x), net.classifier(net.features(x)))


def test_mlp_split_and_flatten():
    net = MLP(12, 3, hidden_layer_sizes=(8, 5))
    x = torch.randn(6, 3, 4)  # flattened to 12 features
    assert net.features(x).shape == (6, 5)
    assert net(x).shape == (6, 3)
    assert isinstance(net.classifier, nn.Linear)


def test_cosine_classifier_is_scaled_cosine():
    head = CosineClassifier(4, 3, scale=10.0)
    x = torch.randn(5, 4)
    out = head(x)
    assert out.abs().max() <= 10.0 + 1e-4
    w = head.weight.detach()
    expected = 10.0 * torch.nn.functional.cosine_similarity(x[:, :, None], w[None], dim=1)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-4)
    # invariant to the scale of the features
    torch.testing.assert_close(head(3 * x), out, rtol=1e-4, atol=1e-4)
