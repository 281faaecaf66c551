"""Label-aware smoothing against the paper's definition, by hand."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skimbal import ImbalancedNetClassifier
from skimbal.losses import LabelAwareSmoothingLoss, label_aware_smoothing_factors


def test_factors_by_hand_for_each_shape():
    counts = [100, 50, 1]  # t = (n - 1) / 99 = 1, 49/99, 0
    t = 49 / 99
    e_h, e_t = 0.4, 0.1
    concave = label_aware_smoothing_factors(counts, e_h, e_t, "concave")
    np.testing.assert_allclose(concave, [0.4, 0.1 + 0.3 * math.sin(math.pi / 2 * t), 0.1])
    linear = label_aware_smoothing_factors(counts, e_h, e_t, "linear")
    np.testing.assert_allclose(linear, [0.4, 0.1 + 0.3 * t, 0.1])
    convex = label_aware_smoothing_factors(counts, e_h, e_t, "convex")
    np.testing.assert_allclose(convex, [0.4, 0.4 - 0.3 * math.cos(math.pi / 2 * t), 0.1])
    exp = label_aware_smoothing_factors(counts, e_h, e_t, "exp", power=2.0)
    np.testing.assert_allclose(exp, [0.4, 0.1 + 0.3 * t**2, 0.1])
    # concave lies above linear lies above convex between the ends
    assert concave[1] > linear[1] > convex[1]


def test_the_head_class_is_smoothed_most():
    # the paper and its code: epsilon grows with class size (head over-confident)
    eps = label_aware_smoothing_factors([5, 500, 50, 13])
    assert eps.argmax() == 1 and eps.argmin() == 0
    assert eps[1] == pytest.approx(0.3) and eps[0] == pytest.approx(0.0)


def test_equal_counts_take_the_tail_factor():
    np.testing.assert_allclose(label_aware_smoothing_factors([7, 7], 0.4, 0.1), [0.1, 0.1])


def test_loss_by_hand():
    logits, target = torch.tensor([[2.0, 0.0, 1.0], [0.5, 0.5, -1.0]]), torch.tensor([0, 2])
    loss = LabelAwareSmoothingLoss([100, 50, 1], epsilon_head=0.3, epsilon_tail=0.0)
    z = logits.double()
    log_p = z - torch.logsumexp(z, dim=1, keepdim=True)
    # example 0: class 0 (head, e=0.3); example 1: class 2 (tail, e=0)
    expected0 = 0.7 * -log_p[0, 0] + 0.3 * -log_p[0].mean()
    expected1 = -log_p[1, 2]
    per = loss.per_sample_loss(logits, target)
    np.testing.assert_allclose(per.numpy(), [float(expected0), float(expected1)], rtol=1e-6)
    assert float(loss(logits, target)) == pytest.approx(float((expected0 + expected1) / 2),
                                                        rel=1e-6)


def test_uniform_factor_is_torch_label_smoothing_and_zero_is_ce():
    g = torch.Generator().manual_seed(0)
    logits, target = torch.randn(32, 5, generator=g), torch.randint(0, 5, (32,), generator=g)
    counts = [40, 30, 20, 10, 5]
    same = LabelAwareSmoothingLoss(counts, epsilon_head=0.2, epsilon_tail=0.2)
    assert float(same(logits, target)) == pytest.approx(
        float(F.cross_entropy(logits, target, label_smoothing=0.2)), rel=1e-5)
    none = LabelAwareSmoothingLoss(counts, epsilon_head=0.0, epsilon_tail=0.0)
    assert float(none(logits, target)) == pytest.approx(
        float(F.cross_entropy(logits, target)), rel=1e-6)


def test_class_weights_enter_the_weighted_mean():
    logits, target = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    loss = LabelAwareSmoothingLoss([10, 1], weight=[1.0, 3.0])
    per = loss.per_sample_loss(logits, target)
    assert float(loss(logits, target)) == pytest.approx(float((per[0] + 3 * per[1]) / 4))


def test_bad_parameters():
    with pytest.raises(ValueError, match="epsilon_head must be in"):
        LabelAwareSmoothingLoss([3, 1], epsilon_head=1.5)
    with pytest.raises(ValueError, match="shape must be one of"):
        LabelAwareSmoothingLoss([3, 1], shape="wavy")
    with pytest.raises(ValueError, match="positive power"):
        LabelAwareSmoothingLoss([3, 1], shape="exp")
    with pytest.raises(ValueError, match="needs class_counts"):
        LabelAwareSmoothingLoss()(torch.zeros(1, 2), torch.tensor([0]))


def test_estimator_trains_with_it_by_name_and_params():
    from sklearn.datasets import make_classification

    X, y = make_classification(300, weights=[0.8], random_state=0)
    clf = ImbalancedNetClassifier(loss="label_aware_smoothing",
                                  loss_params={"epsilon_head": 0.4, "shape": "linear"},
                                  max_epochs=3, random_state=0).fit(X, y)
    criterion = clf.net_.criterion_
    assert isinstance(criterion, LabelAwareSmoothingLoss)
    np.testing.assert_allclose(criterion.epsilon_.numpy(), [0.4, 0.0])
    with pytest.raises(ValueError, match="shape must be one of"):
        ImbalancedNetClassifier(loss="label_aware_smoothing", loss_params={"shape": "x"},
                                max_epochs=1).fit(X, y)
