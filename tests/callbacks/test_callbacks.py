import numpy as np
import pytest

from skimbal.callbacks import DeferredReweighting, SamplerEpoch, WarmupMultiStep
from skimbal.losses import CrossEntropyLoss


def test_warmup_multistep_matches_ldam_recipe():
    f = WarmupMultiStep(200)
    # 1-based epochs 1-5: lr * e / 5; until 160: lr; 161-180: lr*0.01; after: lr*1e-4
    assert [f(k) for k in range(5)] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert f(159) == 1.0 and f(160) == pytest.approx(0.01) and f(179) == pytest.approx(0.01)
    assert f(180) == pytest.approx(1e-4) and f(199) == pytest.approx(1e-4)


def test_scaled_warmup_keeps_the_fraction_as_documented():
    # the user guide's table: 5 warm-up epochs at 200, 2 from 60 to 100, and
    # none that changes a rate at 59 or fewer (one warm-up epoch is at lr)
    assert [WarmupMultiStep(e).warmup_epochs for e in (200, 101, 100, 60, 59, 21, 20)] == \
        [5, 3, 2, 2, 1, 1, 0]
    assert [WarmupMultiStep(60)(e) for e in range(3)] == [0.5, 1.0, 1.0]
    assert WarmupMultiStep(59)(0) == 1.0
    assert WarmupMultiStep(40, warmup_frac=5 / 40).warmup_epochs == 5


def test_warmup_multistep_scales_with_budget():
    f = WarmupMultiStep(50)
    assert f.warmup_epochs == 1 and f.milestone_epochs == [40, 45]
    assert WarmupMultiStep(10, warmup_frac=0).warmup_epochs == 0


class _FakeNet:
    def __init__(self, criterion):
        self.history = []
        self.criterion_ = criterion


def test_deferred_reweighting_switches_at_start_epoch():
    net = _FakeNet(CrossEntropyLoss([5, 1]))
    cb = DeferredReweighting(np.array([0.5, 1.5]), start_epoch=3)
    seen = []
    for _ in range(5):
        net.history.append({})  # the net's own on_epoch_begin runs first
        cb.on_epoch_begin(net)
        w = net.criterion_.weight
        seen.append(None if w is None else w.tolist())
    assert seen == [None, None, None, [0.5, 1.5], [0.5, 1.5]]


def test_sampler_epoch_sets_zero_based_epoch():
    class Sampler:
        epoch = None

        def set_epoch(self, e):
            self.epoch = e

    net, sampler = _FakeNet(None), Sampler()
    cb = SamplerEpoch(sampler)
    net.history.append({})
    cb.on_epoch_begin(net)
    assert sampler.epoch == 0
