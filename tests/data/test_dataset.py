"""Map-style Datasets as input: the same network as arrays, every method, the errors."""

import pickle

import numpy as np
import pytest
import torch
from imblearn.under_sampling import NearMiss, RandomUnderSampler
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from skorch.helper import SliceDataset
from torch.utils.data import Dataset, TensorDataset

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster, TauNormalizer, make_crt
from skimbal.data import DatasetInput, is_dataset

_NET = {"module": "resnet8", "max_epochs": 3, "batch_size": 16, "random_state": 0}


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [30, 12, 6])
    X = rng.integers(0, 255, (len(y), 1, 8, 8), dtype=np.uint8)
    return X, y, TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


class _Images(Dataset):
    """A user's Dataset: 2-D uint8 images as numpy arrays, with their labels."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i, 0], int(self.y[i])


@pytest.mark.parametrize("params", [
    {}, {"loss": "ldam", "schedule": "drw", "defer_frac": 0.5},
    {"sampler": "class_balanced"}, {"mfw": True},
    {"sampler": RandomUnderSampler()}, {"reweight": "meta", "meta_dev_size": 2},
    {"validation_fraction": 0.25, "class_weight": "balanced"},
])
def test_a_dataset_trains_the_network_the_arrays_train(images, params):
    X, y, ds = images
    arrays = ImbalancedNetClassifier(**_NET, **params).fit(X, y)
    dataset = ImbalancedNetClassifier(**_NET, **params).fit(ds, y)
    np.testing.assert_array_equal(dataset.decision_function(ds), arrays.decision_function(X))
    np.testing.assert_array_equal(dataset.transform(X), arrays.transform(ds))
    assert dataset.n_iter_ == 3 and dataset.input_shape_ == (1, 8, 8)


def test_sample_weights_workers_and_a_users_dataset(images):
    X, y, _ = images
    w = np.linspace(0.5, 2.0, len(y)).astype(np.float32)
    reference = ImbalancedNetClassifier(**_NET).fit(X, y, sample_weight=w)
    users = _Images(X, y)  # (H, W) items: read as one channel
    for loader in (None, {"num_workers": 2}):
        net = ImbalancedNetClassifier(**_NET, loader_params=loader).fit(users, y,
                                                                      sample_weight=w)
        np.testing.assert_array_equal(net.decision_function(users),
                                      reference.decision_function(X))


def test_slice_dataset_in_cross_validation_and_grid_search(images):
    X, y, ds = images
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    sliced = SliceDataset(ds, idx=0)
    assert is_dataset(sliced)
    net = ImbalancedNetClassifier(**{**_NET, "max_epochs": 2})
    np.testing.assert_array_equal(
        cross_val_score(net, sliced, y, cv=cv, scoring="balanced_accuracy"),
        cross_val_score(net, X, y, cv=cv, scoring="balanced_accuracy"))
    grids = [GridSearchCV(net, {"loss": ["ce", "ldam"]}, cv=cv,
                          scoring="balanced_accuracy").fit(data, y) for data in (sliced, X)]
    np.testing.assert_array_equal(grids[0].cv_results_["mean_test_score"],
                                  grids[1].cv_results_["mean_test_score"])


def test_post_hoc_steps_features_and_pickling_on_a_dataset(images):
    X, y, ds = images
    net = ImbalancedNetClassifier(**_NET, transform_to="features").fit(ds, y)
    assert net.transform(ds).shape == (len(y), 64)
    for step in (LogitAdjuster(FrozenEstimator(net)), TauNormalizer(FrozenEstimator(net)),
                 make_crt(FrozenEstimator(net))):
        step.fit(ds, y)
        np.testing.assert_array_equal(step.predict_proba(ds), step.predict_proba(X))
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.decision_function(ds), net.decision_function(ds))


def test_tabular_dataset():
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], [40, 10])
    X = rng.normal(size=(len(y), 5)).astype(np.float32)
    ds = TensorDataset(torch.from_numpy(X))  # inputs only: no labels to check
    arrays = ImbalancedNetClassifier(max_epochs=3, random_state=0).fit(X, y)
    dataset = ImbalancedNetClassifier(max_epochs=3, random_state=0).fit(ds, y)
    np.testing.assert_allclose(dataset.predict_proba(ds), arrays.predict_proba(X),
                               rtol=0, atol=1e-6)
    assert dataset.n_features_in_ == 5


def test_view_subsets_and_stats_sample(images):
    X, y, ds = images
    view = DatasetInput(ds)
    assert view.shape == (48, 1, 8, 8) and view.dtype == np.uint8 and view.ndim == 4
    sub = view[np.array([3, 1])][1:]
    assert len(sub) == 1 and np.array_equal(np.asarray(sub), X[[1]])
    assert np.array_equal(view[5], X[5])
    assert np.array_equal(view.stats_sample(), np.arange(48))  # small: every item
    assert pickle.loads(pickle.dumps(view)).indices is None


def test_bad_datasets_fail_naming_the_problem(images):
    X, y, ds = images
    net = ImbalancedNetClassifier(**_NET)
    with pytest.raises(ValueError, match=r"labels disagree with y: 32 of the 32 items"):
        net.fit(ds, (y + 1) % 3)
    with pytest.raises(ValueError, match="fit on a Dataset needs y"):
        net.fit(ds, None)
    with pytest.raises(ValueError, match=r"one label per item of the Dataset \(48\)"):
        net.fit(ds, y[:-1])

    class Pictures(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            from PIL import Image
            return Image.new("L", (8, 8)), i

    with pytest.raises(TypeError, match="Item 0 of the Dataset is a Image.*ToTensor"):
        net.fit(Pictures(), [0, 1])
    with pytest.raises(ValueError, match="chooses examples by their values"):
        ImbalancedNetClassifier(**_NET, sampler=NearMiss()).fit(ds, y)
    fitted = ImbalancedNetClassifier(**{**_NET, "max_epochs": 1}).fit(ds, y)
    with pytest.raises(ValueError, match=r"items have shape \(1, 9, 9\), but the estimator"):
        fitted.predict(TensorDataset(torch.zeros(3, 1, 9, 9)))
