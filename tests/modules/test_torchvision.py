"""torchvision's ImageNet backbones: the split, pretrained weights, freezing, methods."""

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator
from torch import nn
from torchvision import models

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import TauNormalizer
from skimbal.modules import SplitNet, find_head, resnet10, resnet50, split_head


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [12, 6, 4])
    X = rng.integers(0, 255, (len(y), 3, 32, 32), dtype=np.uint8)
    return X, y


@pytest.mark.parametrize("build, head_at", [
    (lambda: models.resnet18(num_classes=4), "fc"),
    (lambda: models.mobilenet_v3_small(num_classes=4), "classifier"),
    (lambda: models.VisionTransformer(32, 16, num_layers=1, num_heads=1, hidden_dim=8,
                                      mlp_dim=8, num_classes=4), "heads"),
])
def test_split_head_keeps_the_logits(build, head_at):
    torch.manual_seed(0)
    model = build().eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        before = model(x)
        owner, _, head = find_head(model)
        assert head.out_features == 4
        net = split_head(model)
        assert isinstance(net, SplitNet) and net.classifier is head
        torch.testing.assert_close(net(x), before)
        torch.testing.assert_close(net.classifier(net.features(x)), before)
    assert net.features(x).shape == (2, head.in_features)


def test_a_model_without_a_linear_head_is_refused():
    with pytest.raises(ValueError, match="has no final nn.Linear at any of the attributes"):
        split_head(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)))


def test_resnet_stages_are_mixing_points_and_other_inputs_work():
    net = resnet10(n_classes=5, in_channels=1)
    assert net.mixing_points == tuple(f"backbone.layer{i}" for i in range(1, 5))
    assert net(torch.randn(2, 1, 28, 28)).shape == (2, 5)  # any size, one channel
    assert net.classifier.out_features == 5


def test_pretrained_state_dict_from_a_file(tmp_path):
    torch.manual_seed(1)
    source = models.resnet50(num_classes=3).eval()
    path = tmp_path / "weights.pth"
    # a DataParallel checkpoint: every key prefixed
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    net = resnet50(n_classes=3, weights=str(path)).eval()
    x = torch.randn(2, 3, 40, 40)
    with torch.no_grad():
        torch.testing.assert_close(net(x), source(x))
    # another number of classes: the backbone kept, a new head
    other = resnet50(n_classes=7, weights=path).eval()
    with torch.no_grad():
        torch.testing.assert_close(other.features(x), net.features(x))
    assert other.classifier.out_features == 7
    # one input channel: the RGB filters averaged, so a grey image gives the same logits
    grey = resnet50(n_classes=3, in_channels=1, weights=path).eval()
    g = torch.rand(2, 1, 40, 40)
    with torch.no_grad():
        torch.testing.assert_close(grey(g), net(g.expand(-1, 3, -1, -1)), rtol=1e-4,
                                   atol=1e-4)


def test_bad_weights_and_freeze_fail_naming_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        resnet10(n_classes=2, weights=tmp_path / "missing.pt")
    path = tmp_path / "other.pt"
    torch.save(models.resnet18(num_classes=2).state_dict(), path)
    with pytest.raises(ValueError, match="not a state dict of torchvision's resnet50"):
        resnet50(n_classes=2, weights=path)
    with pytest.raises(ValueError, match="weights name of torchvision's resnet50"):
        resnet50(n_classes=2, weights="IMAGENET9K")
    with pytest.raises(ValueError, match="resnet10 has no torchvision weights"):
        resnet10(n_classes=2, weights="DEFAULT")
    with pytest.raises(ValueError, match="no parameters under 'layer9'"):
        resnet10(n_classes=2, freeze=["layer9"])


def test_freeze_gives_no_gradient(images):
    X, y = images
    clf = ImbalancedNetClassifier(module="resnet10",
                                  module_params={"freeze": ["conv1", "layer1"]},
                                  max_epochs=1, batch_size=8, random_state=0)
    clf.fit(X, y)
    frozen = [n for n, p in clf.module_.named_parameters() if not p.requires_grad]
    assert frozen and all(n.startswith(("backbone.conv1", "backbone.layer1")) for n in frozen)
    assert clf.module_.backbone.layer2[0].conv1.weight.requires_grad
    # a frozen parameter keeps its initial value: a second fit with one more epoch
    longer = ImbalancedNetClassifier(**{**clf.get_params(), "max_epochs": 2}).fit(X, y)
    torch.testing.assert_close(longer.module_.backbone.conv1.weight,
                               clf.module_.backbone.conv1.weight)
    assert not torch.equal(longer.module_.backbone.layer2[0].conv1.weight,
                           clf.module_.backbone.layer2[0].conv1.weight)
    every = resnet10(n_classes=3, freeze="features")
    assert [n for n, p in every.named_parameters() if p.requires_grad] == [
        "classifier.weight", "classifier.bias"]


def test_resnet50_takes_the_methods_that_need_the_split(images):
    X, y = images
    # major feature weakening, LDAM's cosine head with DRW, the penultimate features
    net = ImbalancedNetClassifier(module="resnet50", loss="ldam", schedule="drw", mfw=True,
                                  max_epochs=2, defer_frac=0.5, batch_size=8, lr=0.01,
                                  random_state=0,
                                  transform_to="features").fit(X, y)
    assert net.transform(X).shape == (len(y), 2048)
    assert np.isfinite(net.decision_function(X)).all()
    # tau-normalisation of its head
    plain = ImbalancedNetClassifier(module="resnet50", max_epochs=1, batch_size=8, lr=0.01,
                                    random_state=0, transform_to="features").fit(X, y)
    tau = TauNormalizer(FrozenEstimator(plain), tau=1.0).fit(X, y)
    W = plain.module_.classifier.weight.detach().double().numpy()
    b = plain.module_.classifier.bias.detach().double().numpy()
    norms = np.linalg.norm(W, axis=1)
    expected = plain.transform(X) @ (W / norms[:, None]).T + b / norms
    np.testing.assert_allclose(tau.decision_function(X), expected, rtol=1e-5, atol=1e-5)


def test_a_users_torchvision_model_with_its_head_replaced(images):
    X, y = images
    model = models.resnet18()
    model.fc = nn.Linear(512, 3)  # the user's own head
    clf = ImbalancedNetClassifier(module=model, loss="ldam", max_epochs=1, batch_size=8,
                                  random_state=0).fit(X, y)
    assert isinstance(clf.module_, SplitNet)
    assert clf.transform_to != "features" or clf.transform(X).shape == (len(y), 512)
    assert np.isfinite(clf.decision_function(X)).all()
    assert isinstance(model.fc, nn.Linear)  # the user's model is not modified
