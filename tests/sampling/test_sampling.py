import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

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


# ------------------------------------------------- imbalanced-learn samplers
def test_resampling_sampler_selects_like_the_imblearn_sampler():
    from imblearn.under_sampling import RandomUnderSampler

    from skimbal.sampling import ResamplingSampler

    labels = np.repeat([0, 1, 2], [30, 10, 4])
    g = torch.Generator().manual_seed(0)
    sampler = ResamplingSampler(labels, RandomUnderSampler(), generator=g)
    epochs = [list(sampler) for _ in range(3)]
    for order in epochs:
        assert np.bincount(labels[order]).tolist() == [4, 4, 4]
        assert len(set(order)) == 12  # without replacement
    assert len({tuple(sorted(o)) for o in epochs}) == 3  # a fresh resample each epoch
    # each epoch is the imblearn sampler's selection at the seed drawn for it
    g2 = torch.Generator().manual_seed(0)
    seed = int(torch.randint(np.iinfo(np.int32).max, (1,), generator=g2))
    X = np.arange(len(labels), dtype=float).reshape(-1, 1)
    expected = RandomUnderSampler(random_state=seed).fit(X, labels)
    expected.fit_resample(X, labels)
    assert sorted(epochs[0]) == sorted(expected.sample_indices_.tolist())


def test_resampling_sampler_length_defer_and_single_last_batch():
    from imblearn.over_sampling import RandomOverSampler

    from skimbal.sampling import ResamplingSampler

    labels = np.repeat([0, 1], [20, 5])
    sampler = ResamplingSampler(labels, RandomOverSampler(), start_epoch=1,
                                generator=torch.Generator().manual_seed(1))
    first = list(sampler)
    assert sorted(first) == list(range(25))  # before start_epoch: a permutation
    sampler.set_epoch(1)
    n = len(sampler)
    order = list(sampler)
    assert n == len(order) == 40
    assert np.bincount(labels[order]).tolist() == [20, 20]
    # 40 % 13 == 1: the single last example is dropped
    trimmed = ResamplingSampler(labels, RandomOverSampler(), batch_size=13)
    assert len(list(trimmed)) == 39


def test_resampling_sampler_gives_features_to_distance_samplers():
    from imblearn.under_sampling import NearMiss

    from skimbal.sampling import ResamplingSampler

    rng = np.random.RandomState(0)
    labels = np.repeat([0, 1], [10, 2])
    images = rng.rand(12, 3, 3)
    images[:10:2] += 5.0  # five majority images far from the minority ones
    order = list(ResamplingSampler(labels, NearMiss(n_neighbors=1), features=images))
    # NearMiss keeps the majority images nearest the minority: never the far ones
    assert not set(order) & set(range(0, 10, 2))
    assert np.bincount(labels[order]).tolist() == [2, 2]


@pytest.mark.parametrize("name", ["SMOTE", "ADASYN", "BorderlineSMOTE"])
def test_synthesising_samplers_are_refused_with_the_reason(name):
    import imblearn.over_sampling

    from skimbal import ImbalancedNetClassifier

    X = np.random.RandomState(0).randn(40, 3).astype(np.float32)
    y = np.repeat([0, 1], [30, 10])
    sampler = getattr(imblearn.over_sampling, name)()
    with pytest.raises(ValueError, match=f"sampler={name}\\(\\) synthesises new examples"):
        ImbalancedNetClassifier(sampler=sampler, max_epochs=1).fit(X, y)


def test_not_a_sampler_is_refused():
    from sklearn.utils._param_validation import InvalidParameterError

    from skimbal import ImbalancedNetClassifier
    from skimbal.sampling import ResamplingSampler

    X = np.zeros((10, 2), np.float32)
    y = np.repeat([0, 1], 5)
    with pytest.raises(InvalidParameterError, match="fit_resample"):
        ImbalancedNetClassifier(sampler=object(), max_epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="no fit_resample"):
        ResamplingSampler(y, "class_balanced")


class _RecordRows(Callback):
    """Keeps the ids (column 0) of every training batch, per epoch."""

    def initialize(self):
        self.epochs = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs.append([])

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.epochs[-1].extend(batch[0][:, 0].round().int().tolist())


@pytest.mark.parametrize("schedule", [None, "drs"])
def test_estimator_with_random_under_sampler(schedule):
    from imblearn.under_sampling import RandomUnderSampler

    from skimbal import ImbalancedNetClassifier

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [60, 20, 8])
    X = np.column_stack([np.arange(len(y)), rng.randn(len(y), 3)]).astype(np.float32)

    def fit(seed):
        rows = _RecordRows()
        clf = ImbalancedNetClassifier(
            sampler=RandomUnderSampler(), schedule=schedule, max_epochs=5, batch_size=16,
            random_state=seed, callbacks=[("rows", rows)])
        return clf.fit(X, y), rows.epochs

    clf, epochs = fit(0)
    balanced = epochs[4:] if schedule == "drs" else epochs  # drs: from epoch 4 of 5
    for rows in balanced:
        assert np.bincount(y[rows], minlength=3).tolist() == [8, 8, 8]
    if schedule == "drs":
        for rows in epochs[:4]:
            assert sorted(rows) == list(range(len(y)))  # plain epochs before
    else:
        assert len({tuple(sorted(r)) for r in epochs}) == 5  # differ from epoch to epoch
        assert epochs == fit(0)[1]  # repeat with random_state
        assert epochs != fit(1)[1]
    # the fitted estimator pickles and predicts the same
    import pickle

    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_estimator_resamples_images():
    from imblearn.over_sampling import RandomOverSampler

    from skimbal import ImbalancedNetClassifier

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], [24, 6])
    X = rng.randint(0, 255, size=(30, 1, 8, 8)).astype(np.uint8)
    clf = ImbalancedNetClassifier(module="resnet8", sampler=RandomOverSampler(),
                                  max_epochs=2, batch_size=16, random_state=0).fit(X, y)
    assert [len(h["batches"]) for h in clf.net_.history] == [3, 3]  # 48 images an epoch
    assert clf.predict(X).shape == (30,)
