"""A user's own loss and training strategy, written as the user guide writes them.

``RareMarginLoss`` and ``HardExampleMining`` are the examples of the user
guide's section "Adding your own method", line for line.
"""

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.losses import ImbalancedLoss, TorchCriterion, register_loss, unregister_loss
from skimbal.strategies import TrainingStrategy

FAST = {"max_epochs": 6, "batch_size": 32, "lr": 0.05, "random_state": 0}


# ---------------------------------------------------- the user guide's code
class RareMarginLoss(ImbalancedLoss):
    """Cross-entropy with a margin on the true logit, larger for rarer classes."""

    def __init__(self, class_counts=None, *, weight=None, margin=1.0, power=0.25):
        super().__init__(class_counts, weight=weight)
        self.margin = margin
        self.power = power

    def training_logits(self, logits, target):
        counts = self.class_counts  # a buffer: the counts of this fit
        margins = self.margin * (counts.min() / counts) ** self.power
        return logits - margins[target, None] * F.one_hot(target, logits.shape[1])


class HardExampleMining(TrainingStrategy):
    """From ``start_epoch`` on, train each batch on its hardest examples only."""

    requires_per_sample_loss = True

    def __init__(self, keep=0.5, start_epoch=0):
        self.keep = keep
        self.start_epoch = start_epoch

    def active(self, epoch):
        return epoch >= self.start_epoch

    def training_step(self, net, x, y, sample_weight=None):
        logits = net.module_(x)
        losses = net.criterion_.per_sample_loss(logits, y)
        hardest = losses.argsort(descending=True)[: max(1, int(self.keep * len(y)))]
        mask = torch.zeros_like(losses)
        mask[hardest] = 1.0
        weight = mask if sample_weight is None else mask * sample_weight
        return net.criterion_.reduce(losses, y, weight), logits
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(300, n_features=8, n_informative=5, n_classes=3,
                               weights=[0.7, 0.22, 0.08], random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 16, 8])
    return rng.randint(0, 255, size=(len(y), 1, 10, 10)).astype(np.uint8), y


def _logits(clf, X):
    return clf.decision_function(X)


def test_rare_margin_loss_by_hand():
    loss = RareMarginLoss([100, 1], margin=2.0, power=0.5)
    z = loss.training_logits(torch.zeros(2, 2), torch.tensor([0, 1]))
    # margins 2 * (1 / [100, 1]) ** 0.5 = [0.2, 2.0] on the true class
    np.testing.assert_allclose(z.numpy(), [[-0.2, 0.0], [0.0, -2.0]], rtol=1e-6)
    assert loss.get_params() == {"margin": 2.0, "power": 0.5}


@pytest.mark.parametrize("spec", ["class", "instance"])
@pytest.mark.parametrize("method", [{"schedule": "drw"}, {"sampler": "class_balanced"},
                                    {"mfw": True}, {}])
def test_custom_loss_trains_with_every_kind_of_method(tabular, spec, method):
    X, y = tabular
    loss = RareMarginLoss if spec == "class" else RareMarginLoss(margin=3.0)
    clf = ImbalancedNetClassifier(loss=loss, **method, **FAST).fit(X, y)
    criterion = clf.net_.criterion_
    assert isinstance(criterion, RareMarginLoss)
    # built for this fit: its counts are the fit's, the user's instance untouched
    np.testing.assert_array_equal(criterion.class_counts.numpy(), clf.class_counts_)
    assert criterion.margin == (1.0 if spec == "class" else 3.0)
    if spec == "instance":
        assert loss.class_counts is None
    if method.get("schedule") == "drw":  # the deferred weights reached the custom loss
        assert criterion.weight is not None
    # the margin changes training: not the same network as plain cross-entropy
    ce = ImbalancedNetClassifier(loss="ce", **method, **FAST).fit(X, y)
    assert not np.allclose(_logits(clf, X), _logits(ce, X))
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(_logits(restored, X), _logits(clf, X))


def test_custom_loss_in_grid_search_and_loss_params(tabular):
    X, y = tabular
    search = GridSearchCV(ImbalancedNetClassifier(**FAST),
                          {"loss": ["ce", RareMarginLoss(margin=2.0)]}, cv=2,
                          scoring="balanced_accuracy").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 2 and scores[0] != scores[1]
    pickle.loads(pickle.dumps(search))
    # an instance's hyper-parameters are grid parameters (loss__margin) ...
    search = GridSearchCV(ImbalancedNetClassifier(loss=RareMarginLoss(), **FAST),
                          {"loss__margin": [0.5, 4.0]}, cv=2).fit(X, y)
    assert search.best_estimator_.net_.criterion_.margin in (0.5, 4.0)
    # ... a class's come through loss_params
    clf = ImbalancedNetClassifier(loss=RareMarginLoss, loss_params={"power": 1.0}, **FAST)
    assert clf.fit(X, y).net_.criterion_.power == 1.0


def test_same_seed_same_logits_for_a_custom_loss(tabular):
    X, y = tabular
    a = ImbalancedNetClassifier(loss=RareMarginLoss(margin=2.0), **FAST).fit(X, y)
    b = ImbalancedNetClassifier(loss=RareMarginLoss(margin=2.0), **FAST).fit(X, y)
    np.testing.assert_array_equal(_logits(a, X), _logits(b, X))


def test_a_registered_name_becomes_a_valid_loss(tabular):
    X, y = tabular
    register_loss("rare_margin_test", RareMarginLoss)
    try:
        clf = ImbalancedNetClassifier(loss="rare_margin_test", loss_params={"margin": 2.0},
                                      **FAST).fit(X, y)
        assert clf.net_.criterion_.margin == 2.0
        with pytest.raises(ValueError, match="already registered"):
            register_loss("rare_margin_test", RareMarginLoss)
    finally:
        unregister_loss("rare_margin_test")
    with pytest.raises(InvalidParameterError, match="rare_margin_test|registered loss name"):
        ImbalancedNetClassifier(loss="rare_margin_test", **FAST).fit(X, y)
    with pytest.raises(TypeError, match="subclass of skimbal.losses.ImbalancedLoss"):
        register_loss("plain", nn.CrossEntropyLoss)


def test_plain_torch_criterion_gets_logits_and_codes(tabular):
    X, y = tabular
    plain = ImbalancedNetClassifier(loss=nn.CrossEntropyLoss(), **FAST).fit(X, y)
    assert isinstance(plain.net_.criterion_, TorchCriterion)
    ce = ImbalancedNetClassifier(loss="ce", **FAST).fit(X, y)
    np.testing.assert_allclose(_logits(plain, X), _logits(ce, X), rtol=1e-4, atol=1e-4)
    # a class and a function work too; both also with a sampler and mfw
    for loss in (nn.CrossEntropyLoss, F.cross_entropy):
        clf = ImbalancedNetClassifier(loss=loss, sampler="class_balanced", mfw=True, **FAST)
        assert clf.fit(X, y).predict(X).shape == y.shape


@pytest.mark.parametrize("params, fit_params, match", [
    ({"class_weight": "balanced"}, {}, "class_weight='balanced' \\(class weights\\)"),
    ({"schedule": "drw"}, {}, "schedule='drw'"),
    ({}, {"sample_weight": True}, "sample_weight"),
    ({"reweight": "l2rw", "meta_dev_size": 2}, {}, "a per-example loss"),
    ({"mfw": True, "mfw_keep_label": False}, {}, "mfw_keep_label=False"),
    ({"strategy": HardExampleMining()}, {}, "strategy=.*a per-example loss"),
])
def test_plain_criterion_refuses_what_it_cannot_take(tabular, params, fit_params, match):
    X, y = tabular
    if fit_params:
        fit_params = {"sample_weight": np.ones(len(y))}
    clf = ImbalancedNetClassifier(loss=nn.CrossEntropyLoss(), **params, **FAST)
    with pytest.raises(ValueError, match=f"plain torch criterion.*{match}"):
        clf.fit(X, y, **fit_params)


class _NoCounts(ImbalancedLoss):
    def __init__(self, scale=1.0):  # no class_counts, no weight: off the protocol
        super().__init__()
        self.scale = scale


class _VectorLoss(nn.Module):
    def forward(self, logits, y):
        return F.cross_entropy(logits, y, reduction="none")


@pytest.mark.parametrize("loss, error, match", [
    ("hinge", InvalidParameterError, "registered loss name"),
    (42, InvalidParameterError, "'loss' parameter"),
    (nn.Linear(3, 3), ValueError, "does not follow the loss protocol: calling it"),
    (_VectorLoss(), ValueError, "must return a scalar tensor"),
    (_NoCounts, ValueError, "constructor lacks \\['class_counts', 'weight'\\]"),
])
def test_loss_off_the_protocol_fails_in_fit(tabular, loss, error, match):
    X, y = tabular
    with pytest.raises(error, match=match):
        ImbalancedNetClassifier(loss=loss, **FAST).fit(X, y)


def test_loss_params_rules(tabular):
    X, y = tabular
    with pytest.raises(ValueError, match="focal_gamma=2.0 sets it too"):
        ImbalancedNetClassifier(loss="focal", focal_gamma=2.0, loss_params={"gamma": 3.0},
                                **FAST).fit(X, y)
    with pytest.raises(ValueError, match="loss_params=.*is an instance"):
        ImbalancedNetClassifier(loss=RareMarginLoss(), loss_params={"margin": 2.0},
                                **FAST).fit(X, y)
    # the flat name at its default and loss_params: loss_params decides
    clf = ImbalancedNetClassifier(loss="focal", loss_params={"gamma": 3.0}, **FAST).fit(X, y)
    assert clf.net_.criterion_.gamma == 3.0
    assert ImbalancedNetClassifier(loss="focal", focal_gamma=2.5, **FAST).fit(
        X, y).net_.criterion_.gamma == 2.5


# ---------------------------------------------------------------- strategies
@pytest.mark.parametrize("kind", ["tabular", "images"])
def test_custom_strategy_trains_repeats_and_pickles(tabular, images, kind):
    X, y = tabular if kind == "tabular" else images
    params = {"module": "resnet8"} if kind == "images" else {}
    strategy = HardExampleMining(keep=0.5, start_epoch=2)
    a = ImbalancedNetClassifier(strategy=strategy, **params, **FAST).fit(X, y)
    b = ImbalancedNetClassifier(strategy=strategy, **params, **FAST).fit(X, y)
    np.testing.assert_array_equal(_logits(a, X), _logits(b, X))
    erm = ImbalancedNetClassifier(**params, **FAST).fit(X, y)
    assert not np.allclose(_logits(a, X), _logits(erm, X))
    # each fit trains a copy; the user's object is untouched
    assert isinstance(a.strategy_, HardExampleMining) and a.strategy_ is not strategy
    assert vars(strategy) == {"keep": 0.5, "start_epoch": 2}
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(_logits(restored, X), _logits(a, X))


class _CountingStrategy(TrainingStrategy):
    """Records which hooks the net calls, and keeps every other example."""

    def prepare_data(self, X, y, sample_weight, *, classes, random_state):
        keep = np.arange(0, len(y), 2)
        self.seen = {"n": len(y), "classes": list(classes), "seed": random_state}
        return X[keep], y[keep], None if sample_weight is None else sample_weight[keep]

    def initialize(self, net):
        self.counts = net.class_counts.copy()
        self.steps = 0

    def training_step(self, net, x, y, sample_weight=None):
        self.steps += 1
        logits = net.module_(x)
        return net.criterion_(logits, y, sample_weight), logits


def test_strategy_hooks_are_called_in_order(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(strategy=_CountingStrategy(), **FAST).fit(X, y)
    s = clf.strategy_
    assert s.seen["n"] == len(y) and s.seen["classes"] == [0, 1, 2]
    np.testing.assert_array_equal(s.counts, np.bincount(y[::2]))
    np.testing.assert_array_equal(clf.class_counts_, np.bincount(y[::2]))
    assert s.steps == FAST["max_epochs"] * int(np.ceil(len(y[::2]) / FAST["batch_size"]))


class _NoStep:
    def active(self, epoch):
        return True


class _BaseOnly(TrainingStrategy):
    pass


@pytest.mark.parametrize("strategy, match", [
    (_NoStep(), r"lacks \['prepare_data', 'initialize', 'training_step'\]"),
    (_BaseOnly(), r"lacks \['training_step'\]"),
])
def test_strategy_off_the_interface_fails_in_fit(tabular, strategy, match):
    X, y = tabular
    with pytest.raises(TypeError, match=match):
        ImbalancedNetClassifier(strategy=strategy, **FAST).fit(X, y)


def test_one_strategy_per_fit(tabular):
    X, y = tabular
    with pytest.raises(ValueError, match="mfw=True cannot be combined with strategy"):
        ImbalancedNetClassifier(strategy=HardExampleMining(), mfw=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="reweight='meta' cannot be combined with strategy"):
        ImbalancedNetClassifier(strategy=HardExampleMining(), reweight="meta",
                                **FAST).fit(X, y)
