"""Major feature weakening: probabilities, draws, mixing, labels, estimator."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.losses import CrossEntropyLoss, LDAMLoss, list_losses
from skimbal.modules import MLP, resnet8
from skimbal.strategies import FeatureWeakening

FAST = {"max_epochs": 4, "batch_size": 32, "lr": 0.05, "random_state": 0}


def test_probabilities_grow_with_class_size():
    fw = FeatureWeakening().set_class_counts([100, 50, 10])
    assert np.allclose(fw.probabilities_, [1, 0.5, 0.1])
    fw = FeatureWeakening(strength=0.5, power=2).set_class_counts([100, 50, 10])
    assert np.allclose(fw.probabilities_, [0.5, 0.125, 0.005])
    fw = FeatureWeakening(power=0).set_class_counts([100, 50, 10])
    assert np.allclose(fw.probabilities_, 1)


def test_draw_frequencies_partners_and_weights():
    torch.manual_seed(0)
    fw = FeatureWeakening().set_class_counts([100, 50, 10])
    y = torch.arange(3).repeat_interleave(100)
    hits = np.zeros(3)
    for _ in range(200):
        plan = fw.draw(y, ("a", "b"))
        assert (plan["partner"] != plan["index"]).all()
        assert ((plan["lam"] >= 0.5) & (plan["lam"] <= 1)).all()
        assert plan["layer"] in ("a", "b")
        hits += np.bincount(y[plan["index"]].numpy(), minlength=3)
    assert np.allclose(hits / (200 * 100), [1, 0.5, 0.1], atol=0.02)
    lam = FeatureWeakening(dominant=False).set_class_counts([1, 1, 1]).draw(y, ("a",))["lam"]
    assert (lam < 0.5).any() and (lam > 0.5).any()


def test_mix_by_hand():
    h = torch.arange(12.0).view(4, 3)
    plan = {"index": torch.tensor([0, 3]), "partner": torch.tensor([2, 1]),
            "lam": torch.tensor([0.75, 0.5])}
    out = FeatureWeakening.mix(h, plan)
    assert torch.equal(out[0], 0.75 * h[0] + 0.25 * h[2])
    assert torch.equal(out[3], 0.5 * h[3] + 0.5 * h[1])
    assert torch.equal(out[1:3], h[1:3])
    images = torch.randn(4, 3, 5, 5).contiguous(memory_format=torch.channels_last)
    mixed = FeatureWeakening.mix(images, plan)
    assert mixed.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(mixed[3], 0.5 * images[3] + 0.5 * images[1])


@pytest.mark.parametrize("layer", ["penultimate", "layer2"])
def test_applied_mixes_at_the_layer_then_removes_the_hook(layer):
    torch.manual_seed(0)
    net = resnet8(3, in_channels=1).eval()
    x = torch.randn(6, 1, 8, 8)
    fw = FeatureWeakening(layer=layer).set_class_counts([10, 10, 10])
    plan = fw.draw(torch.zeros(6, dtype=torch.long), fw.mixing_points(net))
    with torch.no_grad(), fw.applied(net, plan):
        mixed = net(x)
    with torch.no_grad():
        if layer == "penultimate":
            expected = net.classifier(fw.mix(net.features(x), plan))
        else:
            out = F.relu(net.bn1(net.conv1(x)))
            out = net.layer3(fw.mix(net.layer2(net.layer1(out)), plan))
            expected = net.classifier(F.adaptive_avg_pool2d(out, 1).flatten(1))
        plain = net(x)
    assert torch.allclose(mixed, expected, atol=1e-5)
    assert not torch.allclose(mixed, plain)
    assert torch.equal(plain, net(x).detach())


def test_other_hooks_see_the_weakened_features():
    torch.manual_seed(0)
    net = resnet8(3, in_channels=1).eval()
    x = torch.randn(6, 1, 8, 8)
    seen = []
    net.classifier.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
    fw = FeatureWeakening(layer="penultimate").set_class_counts([10, 10, 10])
    plan = fw.draw(torch.zeros(6, dtype=torch.long), fw.mixing_points(net))
    with torch.no_grad(), fw.applied(net, plan):
        net(x)
        assert torch.allclose(seen[-1], fw.mix(net.features(x), plan))


def test_labels_kept_or_mixed():
    torch.manual_seed(0)
    logits = torch.randn(4, 3)
    y = torch.tensor([0, 0, 1, 2])
    plan = {"index": torch.tensor([0, 1]), "partner": torch.tensor([2, 3]),
            "lam": torch.tensor([0.6, 0.9]), "layer": "penultimate"}
    criterion = CrossEntropyLoss([2, 1, 1])
    kept = FeatureWeakening().set_class_counts([2, 1, 1]).loss(criterion, logits, y, plan)
    assert torch.allclose(kept, F.cross_entropy(logits, y))
    mixing = FeatureWeakening(keep_label=False).set_class_counts([2, 1, 1])
    mixed = mixing.loss(criterion, logits, y, plan)
    per = F.cross_entropy(logits, y, reduction="none")
    other = F.cross_entropy(logits, torch.tensor([1, 2, 1, 2]), reduction="none")
    lam = torch.tensor([0.6, 0.9, 1.0, 1.0])
    assert torch.allclose(mixed, (lam * per + (1 - lam) * other).mean())


def test_mixing_points_of_builtins_and_errors():
    assert FeatureWeakening().mixing_points(resnet8(2)) == ("layer1", "layer2", "layer3")
    assert FeatureWeakening().mixing_points(MLP(4, 2, (8, 8))) == (
        "feature_extractor.1", "feature_extractor.3")
    bare = nn.Sequential(nn.Linear(4, 2))
    with pytest.raises(ValueError, match="mixing_points"):
        FeatureWeakening().mixing_points(bare)
    with pytest.raises(ValueError, match="classifier"):
        FeatureWeakening(layer="penultimate").mixing_points(bare)
    with pytest.raises(ValueError, match="no submodule 'layer9'"):
        FeatureWeakening(layer="layer9").mixing_points(resnet8(2))
    assert FeatureWeakening(layer="0").mixing_points(bare) == ("0",)


class _DrawSpy(Callback):
    """Records, per epoch, the classes of the examples weakened in training."""

    def on_train_begin(self, net, **kwargs):
        self.per_epoch = []
        draw = net.strategy.draw

        def spy(y, points, **kwargs):
            plan = draw(y, points, **kwargs)
            self.per_epoch[-1] += np.bincount(y[plan["index"]].numpy(), minlength=3)
            return plan

        net.strategy.draw = spy

    def on_epoch_begin(self, net, **kwargs):
        self.per_epoch.append(np.zeros(3))


def test_estimator_weakens_major_classes_and_stops_at_stated_epoch(tabular):
    X, y = tabular
    spy = _DrawSpy()
    clf = ImbalancedNetClassifier(mfw=True, mfw_stop_frac=0.5, callbacks=[spy],
                                  **{**FAST, "max_epochs": 8})
    clf.fit(X, y)
    # epochs 0-3 weaken each example with p_c = n_c / n_max (binomial, sd < 0.03)
    rate = np.sum(spy.per_epoch[:4], axis=0) / (4 * clf.class_counts_)
    assert np.allclose(rate, clf.class_counts_ / clf.class_counts_.max(), atol=0.1)
    assert rate[0] == 1
    assert np.sum(spy.per_epoch[4:]) == 0


@pytest.mark.parametrize("loss", list_losses())
def test_every_loss_trains_with_mfw_and_repeats_exactly(tabular, loss):
    X, y = tabular
    a = ImbalancedNetClassifier(mfw=True, loss=loss, **FAST).fit(X, y)
    b = ImbalancedNetClassifier(mfw=True, loss=loss, **FAST).fit(X, y)
    plain = ImbalancedNetClassifier(loss=loss, **FAST).fit(X, y)
    assert np.array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.allclose(a.decision_function(X), plain.decision_function(X))
    assert np.isfinite(a.net_.history[:, "train_loss"]).all()


def test_mfw_on_images_and_keep_label_false(tabular):
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 16, 8])
    X = rng.randint(0, 255, size=(len(y), 1, 10, 10)).astype(np.uint8)
    for params in ({}, {"mfw_layer": "penultimate", "mfw_keep_label": False}):
        clf = ImbalancedNetClassifier(module="resnet8", mfw=True, **params, **FAST)
        assert clf.fit(X, y).predict(X).shape == y.shape


def test_mfw_needs_a_mixing_point(tabular):
    X, y = tabular
    module = nn.Sequential(nn.Linear(6, 3))
    with pytest.raises(ValueError, match="mixing_points"):
        ImbalancedNetClassifier(module=module, mfw=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="no submodule 'body'"):
        ImbalancedNetClassifier(mfw=True, mfw_layer="body", **FAST).fit(X, y)
    # a named submodule is a mixing point of any module
    clf = ImbalancedNetClassifier(module=module, mfw=True, mfw_layer="0", **FAST)
    assert clf.fit(X, y).score(X, y) > 0


def test_mfw_parameters_in_grid_search(tabular):
    from sklearn.model_selection import GridSearchCV

    X, y = tabular
    grid = GridSearchCV(ImbalancedNetClassifier(**FAST),
                        {"mfw": [False, True], "mfw_strength": [0.5]}, cv=2)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 2


def test_ldam_criterion_mixed_labels():
    torch.manual_seed(0)
    logits = torch.randn(4, 3)
    y = torch.tensor([0, 0, 1, 2])
    plan = {"index": torch.tensor([1]), "partner": torch.tensor([3]),
            "lam": torch.tensor([0.7]), "layer": "penultimate"}
    criterion = LDAMLoss([10, 5, 2], max_margin=0.5, scale=30.0)
    fw = FeatureWeakening(keep_label=False).set_class_counts([10, 5, 2])
    loss = fw.loss(criterion, logits, y, plan)
    per = criterion.per_sample_loss(logits, y)
    other = criterion.per_sample_loss(logits, torch.tensor([0, 2, 1, 2]))
    lam = torch.tensor([1.0, 0.7, 1.0, 1.0])
    assert torch.allclose(loss, (lam * per + (1 - lam) * other).mean())


def test_pickled_mfw_estimator_predicts_the_same(tabular):
    import pickle

    X, y = tabular
    clf = ImbalancedNetClassifier(mfw=True, **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(restored.decision_function(X), clf.decision_function(X))
    # no feature-mixing hook is left on the module
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in restored.module_.modules())
