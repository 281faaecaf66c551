"""Losses against hand-computed values and their documented reductions."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skimbal.losses import (
    BalancedSoftmaxLoss,
    CDTLoss,
    CrossEntropyLoss,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    VSLoss,
    class_temperatures,
    ldam_margins,
)


def t(values):
    return torch.tensor(values, dtype=torch.float32)


def test_cross_entropy_hand_value():
    # -log(e^2 / (e^2 + 1)) = log(1 + e^-2)
    loss = CrossEntropyLoss([1, 1])(t([[2.0, 0.0]]), torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log1p(math.exp(-2)), rel=1e-6)


def test_weighted_mean_uses_pytorch_semantics():
    logits, target = t([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    l0, l1 = math.log1p(math.exp(-2)), math.log1p(math.exp(-1))
    crit = CrossEntropyLoss([1, 1], weight=[1.0, 3.0])
    assert crit(logits, target).item() == pytest.approx((l0 + 3 * l1) / 4, rel=1e-6)
    # sample weights multiply the class weights
    sw = t([2.0, 1.0])
    assert crit(logits, target, sw).item() == pytest.approx((2 * l0 + 3 * l1) / 5, rel=1e-6)
    assert crit(logits, target).item() == pytest.approx(
        F.cross_entropy(logits, target, weight=t([1.0, 3.0])).item(), rel=1e-6
    )


def test_uniform_sample_weights_equal_unweighted():
    g = torch.Generator().manual_seed(0)
    logits, target = torch.randn(16, 4, generator=g), torch.randint(0, 4, (16,), generator=g)
    crit = CrossEntropyLoss([1, 1, 1, 1])
    assert crit(logits, target, torch.full((16,), 5.0)).item() == pytest.approx(
        crit(logits, target).item(), rel=1e-6
    )


def test_focal_hand_value_and_gamma_zero_is_ce():
    p = math.e / (math.e + 1)  # softmax of [1, 0] for class 0
    expected = (1 - p) ** 2 * -math.log(p)
    logits, target = t([[1.0, 0.0]]), torch.tensor([0])
    assert FocalLoss(gamma=2.0)(logits, target).item() == pytest.approx(expected, rel=1e-5)
    assert FocalLoss(gamma=0.0)(logits, target).item() == pytest.approx(-math.log(p), rel=1e-6)


def test_focal_modulator_ignores_class_weights():
    # the modulator uses the model's probability, then the weight multiplies
    logits, target = t([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 1])
    ce = F.cross_entropy(logits, target, reduction="none")
    per = (1 - torch.exp(-ce)) ** 1.5 * ce
    w = t([1.0, 4.0])
    expected = (per[0] * 1 + per[1] * 4) / 5
    got = FocalLoss(gamma=1.5, weight=w)(logits, target)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_ldam_margins_reference_values():
    # methods-reference.md: CIFAR-10-LT, ratio 100
    counts = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    expected = [0.158, 0.180, 0.204, 0.232, 0.264, 0.300, 0.341, 0.387, 0.440, 0.500]
    np.testing.assert_allclose(ldam_margins(counts), expected, atol=5e-4)


def test_ldam_rarest_margin_is_max_margin():
    margins = ldam_margins([300, 40, 7, 90], max_margin=0.3)
    assert margins.max() == pytest.approx(0.3)
    assert margins.argmax() == 2


def test_ldam_hand_value():
    # counts [100, 1]: margins [0.5 * 100^-1/4, 0.5]; logits are s * cos
    s, m0 = 30.0, 0.5 * 100 ** -0.25
    crit = LDAMLoss([100, 1], max_margin=0.5, scale=s)
    logits = t([[0.3 * s, 0.1 * s]])
    got0 = crit(logits, torch.tensor([0])).item()
    assert got0 == pytest.approx(math.log1p(math.exp(3.0 - (9.0 - s * m0))), rel=1e-5)
    got1 = crit(logits, torch.tensor([1])).item()
    assert got1 == pytest.approx((9.0 - (3.0 - 15.0)) + math.log1p(math.exp(-21.0)), rel=1e-5)


def test_cdt_hand_value():
    assert class_temperatures([100, 25, 1], 0.5).tolist() == [1.0, 2.0, 10.0]
    # logits / a = [2, 2, 1]; -log(e^2 / (2 e^2 + e)) = log(2 + e^-1)
    loss = CDTLoss([100, 25, 1], gamma=0.5)(t([[2.0, 4.0, 10.0]]), torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log(2 + math.exp(-1)), rel=1e-6)


def test_logit_adjusted_hand_value():
    # prior [0.75, 0.25], zero logits: -log(0.25) for class 1
    loss = LogitAdjustedLoss([3, 1], tau=1.0)(t([[0.0, 0.0]]), torch.tensor([1]))
    assert loss.item() == pytest.approx(math.log(4), rel=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda c: CDTLoss(c, gamma=0.3),
        lambda c: LogitAdjustedLoss(c, tau=1.5),
        lambda c: BalancedSoftmaxLoss(c),
        lambda c: VSLoss(c, gamma=0.3, tau=1.2),
    ],
)
def test_uniform_prior_reduces_to_cross_entropy(make):
    g = torch.Generator().manual_seed(1)
    logits, target = torch.randn(32, 5, generator=g), torch.randint(0, 5, (32,), generator=g)
    expected = F.cross_entropy(logits, target).item()
    assert make([40] * 5)(logits, target).item() == pytest.approx(expected, rel=1e-6)


def test_special_cases_of_vs():
    counts = [500, 120, 30, 7]
    g = torch.Generator().manual_seed(2)
    logits, target = torch.randn(32, 4, generator=g), torch.randint(0, 4, (32,), generator=g)

    def value(crit):
        return crit(logits, target).item()

    assert value(BalancedSoftmaxLoss(counts)) == pytest.approx(
        value(LogitAdjustedLoss(counts, tau=1.0)))
    assert value(VSLoss(counts, gamma=0.0, tau=0.7)) == pytest.approx(
        value(LogitAdjustedLoss(counts, tau=0.7))
    )
    assert value(VSLoss(counts, gamma=0.25, tau=0.0)) == pytest.approx(
        value(CDTLoss(counts, gamma=0.25)))
    # balanced softmax adds log n: a per-row constant shift of log(prior)
    shifted = F.cross_entropy(logits + torch.log(t(counts)), target).item()
    assert value(BalancedSoftmaxLoss(counts)) == pytest.approx(shifted, rel=1e-5)


def test_losses_need_nonempty_classes():
    with pytest.raises(ValueError, match=r"zero samples"):
        LDAMLoss([10, 0, 3])
    with pytest.raises(ValueError, match="zero samples"):
        LogitAdjustedLoss([0, 4])
    with pytest.raises(ValueError, match="needs class_counts"):
        VSLoss()(t([[0.0, 0.0]]), torch.tensor([0]))


def test_set_class_weight_switches_weights():
    crit = CrossEntropyLoss([1, 1])
    logits, target = t([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    base = crit(logits, target).item()
    crit.set_class_weight([1.0, 9.0])
    assert crit(logits, target).item() != pytest.approx(base)
    crit.set_class_weight(None)
    assert crit(logits, target).item() == pytest.approx(base)
