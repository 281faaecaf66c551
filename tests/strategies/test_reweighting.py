"""Meta-learned example weights: the look-ahead, each method's rule, the stages."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback
from torch.func import functional_call

from skimbal import ImbalancedNetClassifier
from skimbal.losses import CrossEntropyLoss
from skimbal.modules import MLP, resnet8
from skimbal.strategies import (
    L2RWReweighter,
    MetaClassReweighter,
    MetaWeightNetReweighter,
    lookahead_weight_grad,
)

FAST = {"max_epochs": 5, "batch_size": 32, "lr": 0.05, "random_state": 0}


def _ce(logits, y):
    return F.cross_entropy(logits, y, reduction="none")


def _reference_grad(module, x, y, a, x_dev, y_dev, lr):
    """The reference scripts' way: differentiate through the look-ahead update."""
    names = [n for n, _ in module.named_parameters()]
    params = list(module.parameters())
    eps = torch.zeros(len(y), requires_grad=True)
    buffers = {n: b.clone() for n, b in module.named_buffers()}
    out = functional_call(module, ({**dict(zip(names, params)), **buffers}), (x,))
    train = ((a + eps) * _ce(out, y)).sum()
    grads = torch.autograd.grad(train, params, create_graph=True)
    ahead = {n: p - lr * g for n, p, g in zip(names, params, grads)}
    buffers = {n: b.clone() for n, b in module.named_buffers()}
    dev = F.cross_entropy(functional_call(module, ({**ahead, **buffers}), (x_dev,)), y_dev)
    return torch.autograd.grad(dev, eps)[0]


def _dev_loss_after_step(module, x, y, weights, x_dev, y_dev, lr):
    names = [n for n, _ in module.named_parameters()]
    params = list(module.parameters())
    grads = torch.autograd.grad((weights * _ce(module(x), y)).sum(), params)
    ahead = {n: (p - lr * g).detach() for n, p, g in zip(names, params, grads)}
    with torch.no_grad():
        return float(F.cross_entropy(functional_call(module, ahead, (x_dev,)), y_dev))


@pytest.fixture
def batch():
    torch.manual_seed(0)
    x = torch.randn(16, 5)
    y = torch.randint(0, 3, (16,))
    return x, y, x[:6] + 0.3 * torch.randn(6, 5), y[:6]


@pytest.mark.parametrize("nonzero", [True, False])
def test_lookahead_grad_equals_differentiating_through_the_update(batch, nonzero):
    x, y, x_dev, y_dev = batch
    module = MLP(5, 3, (16,))
    a = torch.rand(16) if nonzero else torch.zeros(16)
    grad, dev_loss = lookahead_weight_grad(module, _ce, x, y, a, x_dev, y_dev, 0.3)
    expected = _reference_grad(module, x, y, a, x_dev, y_dev, 0.3)
    assert torch.allclose(grad, expected, rtol=1e-4, atol=1e-7)
    assert dev_loss > 0


def test_lookahead_with_batch_norm_leaves_running_stats_alone():
    torch.manual_seed(0)
    module = resnet8(3, in_channels=1).train()
    x, y = torch.randn(8, 1, 8, 8), torch.randint(0, 3, (8,))
    x_dev, y_dev = torch.randn(4, 1, 8, 8), torch.randint(0, 3, (4,))
    a = torch.rand(8)
    expected = _reference_grad(module, x, y, a, x_dev, y_dev, 0.1)
    losses = _ce(module(x), y)  # the real forward pass updates the statistics once
    before = {n: b.clone() for n, b in module.named_buffers()}
    grad, _ = lookahead_weight_grad(module, _ce, x, y, a, x_dev, y_dev, 0.1, losses=losses)
    for name, buffer in module.named_buffers():
        assert torch.equal(buffer, before[name]), name
    assert torch.allclose(grad, expected, rtol=1e-3, atol=1e-6)


def test_dropout_masks_are_replayed(batch):
    x, y, x_dev, y_dev = batch
    module = MLP(5, 3, (16,), dropout=0.5).train()
    torch.manual_seed(1)
    a = torch.rand(16)
    state = torch.get_rng_state()
    losses = _ce(module(x), y)
    grad, _ = lookahead_weight_grad(module, _ce, x, y, a, x_dev, y_dev, 0.3,
                                    losses=losses, rng_state=state)
    torch.set_rng_state(state)
    expected = _reference_grad(module, x, y, a, x_dev, y_dev, 0.3)
    assert torch.allclose(grad, expected, rtol=1e-4, atol=1e-7)


class _Net:
    """The parts of a skimbal net that a re-weighter uses."""

    def __init__(self, module, lr):
        self.module_ = module
        self.criterion_ = CrossEntropyLoss([1, 1, 1])
        self.optimizer_ = torch.optim.SGD(module.parameters(), lr=lr)
        self.class_counts = np.array([5, 5, 6])
        self.class_labels = np.arange(3)
        self.generator = None

    def prepare_input(self, x, training):
        return torch.as_tensor(x)


def _ready(reweighter, net, x_dev, y_dev):
    """A re-weighter with the development set given and initialised on ``net``."""
    reweighter.X_dev_, reweighter.y_dev_ = x_dev.numpy(), y_dev.numpy()
    reweighter.initialize(net)
    return reweighter


def test_meta_eps_lowers_the_development_loss(batch):
    x, y, x_dev, y_dev = batch
    torch.manual_seed(0)
    module = MLP(5, 3, (16,))
    w = np.array([0.5, 1.0, 1.5], dtype=np.float32)
    net = _Net(module, 0.1)
    meta = _ready(MetaClassReweighter(w, dev_batch_size=6, eps_lr=0.05), net, x_dev, y_dev)
    loss, logits = meta.training_step(net, x, y)
    weights = meta.last_weights_
    a = torch.as_tensor(w)[y]
    grad, _ = lookahead_weight_grad(module, _ce, x, y, a, x_dev, y_dev, 0.1)
    assert torch.allclose(weights, a - 0.05 * grad)
    assert not torch.allclose(weights, a)
    before = _dev_loss_after_step(module, x, y, a, x_dev, y_dev, 0.1)
    after = _dev_loss_after_step(module, x, y, weights, x_dev, y_dev, 0.1)
    assert after < before
    # the real step is the mean of weighted losses at the current parameters
    assert torch.allclose(loss, (weights * _ce(logits, y)).mean())


def test_l2rw_weights_rule(batch):
    x, y, x_dev, y_dev = batch
    module = MLP(5, 3, (16,))
    net = _Net(module, 0.1)
    l2rw = _ready(L2RWReweighter(dev_batch_size=6), net, x_dev, y_dev)
    loss, logits = l2rw.training_step(net, x, y)
    weights = l2rw.last_weights_
    grad, _ = lookahead_weight_grad(module, _ce, x, y, torch.zeros(16), x_dev, y_dev, 1.0)
    expected = torch.clamp(-grad, min=0)
    assert torch.allclose(weights, expected / expected.sum(), atol=1e-6)
    assert (weights >= 0).all() and torch.isclose(weights.sum(), torch.tensor(1.0))
    assert (weights == 0).any()  # examples that would raise the dev loss are dropped
    assert torch.allclose(loss, (weights * _ce(logits, y)).sum())
    # examples equal to the development batch help it: positive weight
    assert (weights[:6] > 0).sum() >= 3


def test_meta_weight_net_learns_from_the_development_loss(batch):
    x, y, x_dev, y_dev = batch
    module = MLP(5, 3, (16,))
    torch.manual_seed(0)
    net = _Net(module, 0.1)
    mwn = _ready(MetaWeightNetReweighter(dev_batch_size=6, net_lr=1.0), net, x_dev, y_dev)
    before = [p.detach().clone() for p in mwn.weight_net_.parameters()]
    losses = _ce(module(x), y).detach()
    with torch.no_grad():
        a_old = mwn._normalised(losses, None)
    grad, _ = lookahead_weight_grad(module, _ce, x, y, a_old, x_dev, y_dev, 0.1)
    mwn.training_step(net, x, y)
    assert any(not torch.equal(b, p) for b, p in zip(before, mwn.weight_net_.parameters()))
    weights = mwn.last_weights_
    assert torch.isclose(weights.sum(), torch.tensor(1.0)) and (weights > 0).all()
    # first order: the new weights lower the look-ahead development loss
    assert float((grad * weights).sum()) < float((grad * a_old).sum())


class _StageSpy(Callback):
    def on_train_begin(self, net, **kwargs):
        self.calls = []
        step = net.strategy.training_step

        def spy(*args, **kw):
            self.calls[-1] += 1
            return step(*args, **kw)

        net.strategy.training_step = spy

    def on_epoch_begin(self, net, **kwargs):
        self.calls.append(0)


@pytest.mark.parametrize("reweight, params, start", [
    ("meta", {"defer_frac": 0.6}, 3),  # the pre-training stage ends with DRW's epoch
    ("meta", {"meta_start_frac": 0.4}, 2),
    ("l2rw", {}, 0),
    ("meta_weight_net", {"meta_start_frac": 0.2}, 1),
])
def test_stage_switch_and_development_split(tabular, reweight, params, start):
    X, y = tabular
    spy = _StageSpy()
    clf = ImbalancedNetClassifier(reweight=reweight, meta_dev_size=4, callbacks=[spy],
                                  **params, **FAST).fit(X, y)
    n_batches = int(np.ceil(clf.class_counts_.sum() / 32))
    assert spy.calls == [0] * start + [n_batches] * (5 - start)
    assert np.array_equal(clf.class_counts_, np.bincount(y) - 4)
    dev = clf.strategy_
    assert np.array_equal(np.bincount(dev.y_dev_), [4, 4, 4])
    # the development examples are not trained on
    assert len(np.unique(np.vstack([dev.X_dev_, X]), axis=0)) == len(X)


@pytest.mark.parametrize("reweight", ["meta", "l2rw", "meta_weight_net"])
def test_reweighting_repeats_exactly_and_differs_from_erm(tabular, reweight):
    X, y = tabular
    params = {"reweight": reweight, "meta_start_frac": 0.4, "meta_dev_size": 4}
    a = ImbalancedNetClassifier(**params, **FAST).fit(X, y)
    b = ImbalancedNetClassifier(**params, **FAST).fit(X, y)
    assert np.array_equal(a.decision_function(X), b.decision_function(X))
    assert np.isfinite(a.net_.history[:, "train_loss"]).all()


def test_meta_on_images_and_with_sample_weight():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 16, 12])
    X = rng.randint(0, 255, size=(len(y), 1, 10, 10)).astype(np.uint8)
    clf = ImbalancedNetClassifier(module="resnet8", reweight="meta", meta_start_frac=0.0,
                                  **FAST)
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, len(y)))
    assert clf.predict(X).shape == y.shape


def test_errors(tabular):
    X, y = tabular
    counts = np.bincount(y)
    with pytest.raises(ValueError, match=f"has {counts.min()} training examples"):
        ImbalancedNetClassifier(reweight="meta", meta_dev_size=int(counts.min()),
                                **FAST).fit(X, y)
    with pytest.raises(ValueError, match="cannot be combined with reweight"):
        ImbalancedNetClassifier(reweight="meta", mfw=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="schedule='drw'"):
        ImbalancedNetClassifier(reweight="meta", schedule="drw", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="Set class_weight=None"):
        ImbalancedNetClassifier(reweight="l2rw", class_weight="balanced", **FAST).fit(X, y)


def test_development_split_per_fold_and_pickling(tabular):
    import pickle

    from sklearn.model_selection import StratifiedKFold, cross_validate

    X, y = tabular
    folds = list(StratifiedKFold(3).split(X, y))
    clf = ImbalancedNetClassifier(reweight="meta_weight_net", meta_dev_size=3, **FAST)
    result = cross_validate(clf, X, y, cv=folds, return_estimator=True)
    for estimator, (train, _) in zip(result["estimator"], folds):
        assert np.array_equal(estimator.class_counts_, np.bincount(y[train]) - 3)
    fitted = result["estimator"][0]
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(restored.decision_function(X), fitted.decision_function(X))
    assert all(torch.equal(a, b) for a, b in zip(
        restored.strategy_.weight_net_.parameters(),
        fitted.strategy_.weight_net_.parameters()))
