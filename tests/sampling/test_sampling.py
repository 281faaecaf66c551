import numpy as np
import pytest
import torch

from skimbal.sampling import (
    ImbalancedSampler,
    compute_class_weight,
    effective_number_weights,
    sampling_probabilities,
)


def test_effective_number_hand_value_and_sum():
    # (1 - b) / (1 - b^n) with b = 0.5: n=3 -> 0.5/0.875, n=1 -> 1; scaled to sum 2
    w = effective_number_weights([3, 1], beta=0.5)
    raw = np.array([0.5 / 0.875, 1.0])
    np.testing.assert_allclose(w, 2 * raw / raw.sum())
    counts = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    w = effective_number_weights(counts, 0.9999)
    assert w.sum() == pytest.approx(10)
    # methods-reference.md's worked numbers for CIFAR-10-LT ratio 100
    np.testing.assert_allclose(
        w, [0.051, 0.077, 0.121, 0.195, 0.319, 0.525, 0.868, 1.443, 2.409, 3.993], atol=6e-4
    )


def test_effective_number_limits():
    np.testing.assert_allclose(effective_number_weights([100, 10, 1], beta=0.0), 1.0)
    w = effective_number_weights([100, 10, 1], beta=1 - 1e-9)
    inv = 1 / np.array([100, 10, 1])
    np.testing.assert_allclose(w, 3 * inv / inv.sum(), rtol=1e-5)
    with pytest.raises(ValueError, match="beta"):
        effective_number_weights([3, 1], beta=1.0)


def test_compute_class_weight_variants():
    counts, classes = np.array([30, 10]), np.array(["a", "b"])
    np.testing.assert_allclose(compute_class_weight(None, counts), [1, 1])
    np.testing.assert_allclose(compute_class_weight("balanced", counts), [40 / 60, 40 / 20])
    np.testing.assert_allclose(
        compute_class_weight({"b": 5.0}, counts, classes=classes), [1.0, 5.0]
    )
    with pytest.raises(ValueError, match=r"labels \['z'\]"):
        compute_class_weight({"z": 2.0}, counts, classes=classes)
    with pytest.raises(ValueError, match=r"class\(es\) \['b'\] have zero samples"):
        compute_class_weight("effective_number", [4, 0], classes=classes)


def test_sampling_probabilities():
    np.testing.assert_allclose(sampling_probabilities([9, 1], "instance"), [0.9, 0.1])
    np.testing.assert_allclose(sampling_probabilities([9, 1], "sqrt"), [0.75, 0.25])
    np.testing.assert_allclose(sampling_probabilities([9, 1], "class_balanced"), [0.5, 0.5])
    np.testing.assert_allclose(
        sampling_probabilities([9, 1], "progressive", progress=0.5), [0.7, 0.3]
    )
    np.testing.assert_allclose(sampling_probabilities([9, 0, 1], "class_balanced"), [0.5, 0, 0.5])


def test_class_balanced_sampler_balances_classes():
    labels = np.repeat([0, 1, 2], [900, 90, 10])
    sampler = ImbalancedSampler(labels, "class_balanced")
    torch.manual_seed(0)
    drawn = labels[np.concatenate([list(sampler) for _ in range(5)])]
    freq = np.bincount(drawn, minlength=3) / len(drawn)
    np.testing.assert_allclose(freq, [1 / 3] * 3, atol=0.02)
    assert len(sampler) == len(labels)


def test_deferred_sampler_is_a_permutation_before_start():
    labels = np.repeat([0, 1], [95, 5])
    sampler = ImbalancedSampler(labels, "class_balanced", start_epoch=3)
    sampler.set_epoch(2)
    assert sorted(sampler) == list(range(100))
    sampler.set_epoch(3)
    torch.manual_seed(0)
    drawn = labels[list(sampler)]
    assert 30 < (drawn == 1).sum() < 70


def test_progressive_sampler_moves_to_balanced():
    labels = np.repeat([0, 1], [90, 10])
    sampler = ImbalancedSampler(labels, "progressive", max_epochs=11)
    sampler.set_epoch(0)
    p0 = sampler.example_probabilities()
    sampler.set_epoch(10)
    p1 = sampler.example_probabilities()
    assert p0.sum() == pytest.approx(1) and p1.sum() == pytest.approx(1)
    assert p0[labels == 1].sum() == pytest.approx(0.1)
    assert p1[labels == 1].sum() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="max_epochs"):
        ImbalancedSampler(labels, "progressive")
    with pytest.raises(ValueError, match="Unknown sampling strategy"):
        ImbalancedSampler(labels, "balanced")


def test_registered_sampling_scheme_drives_the_estimator():
    from skimbal import ImbalancedNetClassifier
    from skimbal.sampling import list_samplings, register_sampling, unregister_sampling

    assert list_samplings() == ["class_balanced", "instance", "progressive", "sqrt"]

    @register_sampling("rarest_only_test")
    def rarest(class_counts, progress):
        p = np.zeros(len(class_counts))
        p[np.argmin(class_counts)] = 1.0
        return p

    try:
        X = np.random.RandomState(0).randn(60, 3).astype(np.float32)
        y = np.repeat([0, 1], [50, 10])
        clf = ImbalancedNetClassifier(sampler="rarest_only_test", max_epochs=1,
                                      random_state=0).fit(X, y)
        sampler = clf.net_.iterator_train__sampler
        assert set(y[list(sampler)]) == {1}
        with pytest.raises(ValueError, match="already registered"):
            register_sampling("rarest_only_test", rarest)
    finally:
        unregister_sampling("rarest_only_test")
