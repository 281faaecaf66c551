"""ImbalancedNetClassifier: behaviour, composition and errors."""

import pickle

import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.losses import LDAMLoss
from skimbal.metrics import make_shot_scorer
from skimbal.modules import CosineClassifier
from skimbal.sampling import effective_number_weights

FAST = {"max_epochs": 6, "batch_size": 32, "lr": 0.05, "random_state": 0}


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(
        400, n_features=8, n_informative=5, n_classes=3, weights=[0.7, 0.22, 0.08],
        random_state=0,
    )
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [60, 25, 10])
    X = rng.randint(0, 60, size=(len(y), 12, 12)).astype(np.uint8)
    # shift- and flip-invariant cue: horizontal bar, vertical bar, or both
    for i, c in enumerate(y):
        r, k = rng.randint(3, 9, size=2)
        if c in (0, 2):
            X[i, r : r + 2, 2:10] = 250
        if c in (1, 2):
            X[i, 2:10, k : k + 2] = 250
    return X, y


def test_string_labels_and_classes(tabular):
    X, y = tabular
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = ImbalancedNetClassifier(**FAST).fit(X, labels)
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}
    assert clf.class_counts_.tolist() == np.bincount(y).tolist()
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))


def test_same_seed_same_predictions_other_seed_differs(images):
    X, y = images
    a = ImbalancedNetClassifier(module="resnet8", sampler="sqrt", **FAST).fit(X, y)
    b = ImbalancedNetClassifier(module="resnet8", sampler="sqrt", **FAST).fit(X, y)
    c = ImbalancedNetClassifier(module="resnet8", sampler="sqrt", **{**FAST, "random_state": 1})
    c.fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.allclose(a.decision_function(X), c.decision_function(X))


def test_fit_leaves_global_torch_rng_alone(tabular):
    X, y = tabular
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ImbalancedNetClassifier(**FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_images_3d_and_4d_uint8_and_float(images):
    X, y = images
    clf = ImbalancedNetClassifier(module="resnet8", **{**FAST, "max_epochs": 15}).fit(X, y)
    assert clf.input_shape_ == (1, 12, 12) and clf.n_features_in_ == 144
    np.testing.assert_array_equal(clf.predict(X), clf.predict(X[:, None]))
    # the same pixels as float32 are read on the training scale: same predictions
    np.testing.assert_array_equal(clf.predict(X.astype(np.float32)), clf.predict(X))
    with pytest.raises(ValueError, match="lie in \\[0, 1\\], as if already scaled"):
        clf.predict((X / 255.0).astype(np.float32))
    # the learned rule works: much better than the majority class (63%)
    assert np.mean(clf.predict(X) == y) > 0.9


def test_pickle_round_trip_identical(images):
    X, y = images
    clf = ImbalancedNetClassifier(module="resnet8", loss="ldam", schedule="drw", **FAST)
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.decision_function(X), again.decision_function(X))
    np.testing.assert_array_equal(clf.predict(X), again.predict(X))


def test_clone_gives_unfitted_equal_params(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(loss="focal", focal_gamma=2.0, **FAST).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "net_")
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), clf.predict(X))


def test_ldam_uses_cosine_head_and_scaled_probabilities(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(loss="ldam", ldam_scale=10.0, **FAST).fit(X, y)
    assert isinstance(clf.module_.classifier, CosineClassifier)
    assert isinstance(clf.net_.criterion_, LDAMLoss)
    logits = clf.decision_function(X)
    assert np.abs(logits).max() <= 10.0 + 1e-4  # scale * cosine, no margin
    np.testing.assert_allclose(
        clf.predict_proba(X), torch.softmax(torch.tensor(logits, dtype=torch.float64), 1),
        rtol=1e-5,
    )


def test_drw_switches_on_effective_number_weights(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(loss="ce", schedule="drw", **FAST).fit(X, y)
    np.testing.assert_allclose(
        clf.net_.criterion_.weight.numpy(), effective_number_weights(np.bincount(y)), rtol=1e-6
    )
    lrs = clf.net_.history[:, "lr"]
    assert len(lrs) == 6 and lrs[-1] < lrs[2]  # step decay at 80% and 90%
    plain = ImbalancedNetClassifier(loss="ce", **FAST).fit(X, y)
    assert plain.net_.criterion_.weight is None


def test_class_weight_from_epoch_zero(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(class_weight="balanced", **FAST).fit(X, y)
    counts = np.bincount(y)
    np.testing.assert_allclose(
        clf.net_.criterion_.weight.numpy(), len(y) / (3 * counts), rtol=1e-6
    )


def test_sampler_built_from_fitted_labels_inside_cv(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(sampler="class_balanced", **FAST)
    scores = cross_validate(clf, X, y, cv=StratifiedKFold(3), scoring="balanced_accuracy")
    assert np.all(np.isfinite(scores["test_score"]))


def test_validation_fraction_records_history(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(validation_fraction=0.25, **FAST).fit(X, y)
    history = clf.net_.history
    assert "valid_loss" in history[-1] and "valid_bacc" in history[-1]
    assert clf.class_counts_.sum() == 300


def test_sample_weight_shifts_decisions_toward_weighted_class(tabular):
    X, y = tabular
    rare = y == 2
    base = ImbalancedNetClassifier(**FAST).fit(X, y)
    weighted = ImbalancedNetClassifier(**FAST).fit(X, y, sample_weight=np.where(rare, 20.0, 1.0))
    assert (weighted.predict(X) == 2).sum() > (base.predict(X) == 2).sum()


def test_in_pipelines_and_grid_search(tabular):
    X, y = tabular
    pipe = make_pipeline(StandardScaler(), ImbalancedNetClassifier(**FAST)).fit(X, y)
    assert pipe.score(X, y) > 0.6
    imb = make_imb_pipeline(
        StandardScaler(), RandomOverSampler(random_state=0), ImbalancedNetClassifier(**FAST)
    ).fit(X, y)
    # the net saw the over-sampled, balanced data
    assert len(set(imb[-1].class_counts_)) == 1
    grid = GridSearchCV(
        ImbalancedNetClassifier(**{**FAST, "max_epochs": 5}),
        {"loss": ["ce", "ldam"], "schedule": [None, "drw"], "class_weight": [None, "balanced"]},
        scoring="balanced_accuracy", cv=2, n_jobs=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.loss in ("ce", "ldam")


def test_shot_scorers_in_cross_validate(tabular):
    X, y = tabular
    scoring = {
        "few": make_shot_scorer("few", many_threshold=100, few_threshold=40),
        "many": make_shot_scorer("many", many_threshold=100, few_threshold=40),
    }
    res = cross_validate(ImbalancedNetClassifier(**FAST), X, y, cv=2, scoring=scoring)
    assert np.all((res["test_few"] >= 0) & (res["test_few"] <= 1))
    assert np.all((res["test_many"] >= 0) & (res["test_many"] <= 1))


class _NoHead(nn.Module):
    def __init__(self, n_features, n_classes):
        super().__init__()
        self.body = nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.body(x)


def test_custom_module_class_and_instance(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(module=_NoHead, **FAST).fit(X, y)
    assert isinstance(clf.module_, _NoHead)
    instance = _NoHead(8, 3)
    clf = ImbalancedNetClassifier(module=instance, **FAST).fit(X, y)
    assert clf.module_ is not instance  # copied, the parameter stays untouched


@pytest.mark.parametrize(
    "params, X_kind, error, match",
    [
        ({"loss": "hinge"}, "tab", InvalidParameterError, "'loss' parameter"),
        ({"sampler": "progressive", "schedule": "drs"}, "tab", ValueError,
         "sampler='progressive'.*schedule='drs'"),
        ({"schedule": "drw", "max_epochs": 2, "defer_frac": 0.9}, "tab", ValueError,
         "schedule='drw'.*max_epochs=2"),
        ({"module": "resnet32"}, "tab", ValueError, "module='resnet32' needs images"),
        ({"augment": True}, "tab", ValueError, "augment=True augments images"),
        ({"loss": "ldam", "module": _NoHead}, "tab", ValueError, "loss='ldam' needs a module"),
        ({"device": "cuda:0"}, "tab", ValueError, "CUDA is not available"),
        ({"validation_fraction": 0.5}, "tiny", ValueError, "validation_fraction=0.5"),
    ],
)
def test_bad_options_fail_in_fit(tabular, params, X_kind, error, match):
    if params.get("device") and torch.cuda.is_available():
        pytest.skip("CUDA is available")
    X, y = tabular
    if X_kind == "tiny":
        X, y = X[:7], np.array([0, 0, 0, 1, 1, 1, 2])
    with pytest.raises(error, match=match):
        ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)


def test_bad_input_fails_with_named_problem(tabular, images):
    X, y = tabular
    clf = ImbalancedNetClassifier(**FAST)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, y)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="got 5-D input"):
        clf.fit(np.zeros((4, 1, 2, 2, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"at least 2 classes.*got 1 class: 0\.0\.$"):
        clf.fit(X, np.zeros(len(y)))
    Xi, yi = images
    fitted = ImbalancedNetClassifier(module="resnet8", **FAST).fit(Xi, yi)
    with pytest.raises(ValueError, match=r"shape \(1, 10, 10\).*\(1, 12, 12\)"):
        fitted.predict(Xi[:, :10, :10])
    with pytest.raises(ValueError, match="fitted on images"):
        fitted.predict(X)
    img_nan = Xi.astype(np.float32)
    img_nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ImbalancedNetClassifier(module="resnet8", **FAST).fit(img_nan, yi)


def test_pandas_input_records_feature_names(tabular):
    pd = pytest.importorskip("pandas")
    X, y = tabular
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = ImbalancedNetClassifier(**FAST).fit(frame, pd.Series(y))
    assert clf.feature_names_in_.tolist() == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        from_array = clf.predict(X)
    np.testing.assert_array_equal(clf.predict(frame), from_array)


def test_a_last_batch_of_one_example_is_dropped():
    from skorch.callbacks import Callback

    class Sizes(Callback):
        def initialize(self):
            self.sizes = []
            return self

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                self.sizes.append(len(batch[1]))

    X, y = make_classification(65, n_features=4, random_state=0)
    sizes = Sizes()
    ImbalancedNetClassifier(max_epochs=2, batch_size=32, callbacks=[sizes],
                            random_state=0).fit(X, y)
    assert sizes.sizes == [32, 32, 32, 32]
    X2, y2 = make_classification(66, n_features=4, random_state=0)
    ImbalancedNetClassifier(max_epochs=1, batch_size=32, callbacks=[sizes],
                            random_state=0).fit(X2, y2)
    assert sizes.sizes == [32, 32, 2]


def test_transform_gives_logits_or_features(tabular, images):
    X, y = tabular
    clf = ImbalancedNetClassifier(**FAST).fit(X, y)
    logits = clf.transform(X)
    np.testing.assert_array_equal(logits, clf.decision_function(X))
    np.testing.assert_array_equal(clf.fit_transform(X, y), logits)
    features = clf.set_params(transform_to="features").transform(X)
    assert features.shape == (len(X), clf.module_.n_features_out)
    head = clf.module_.classifier
    by_hand = features @ head.weight.detach().numpy().T + head.bias.detach().numpy()
    np.testing.assert_allclose(by_hand, logits, atol=1e-5)
    # images: uint8 scaled, standardised and channels_last, as in predict
    X_img, y_img = images
    net = ImbalancedNetClassifier(module="resnet8", **FAST).fit(X_img, y_img)
    feats = net.set_params(transform_to="features").transform(X_img)
    by_hand = feats @ net.module_.classifier.weight.detach().numpy().T \
        + net.module_.classifier.bias.detach().numpy()
    np.testing.assert_allclose(by_hand, net.decision_function(X_img), atol=1e-4)


def test_transform_two_classes_keeps_both_logit_columns(tabular):
    X, y = tabular
    keep = y < 2
    clf = ImbalancedNetClassifier(**FAST).fit(X[keep], y[keep])
    logits = clf.transform(X[keep])
    assert logits.shape == (keep.sum(), 2)
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], clf.decision_function(X[keep]),
                               rtol=1e-6, atol=1e-6)


def test_features_feed_another_classifier_in_a_pipeline(tabular):
    from sklearn.linear_model import LogisticRegression

    X, y = tabular
    net = ImbalancedNetClassifier(transform_to="features", **FAST)
    pipe = make_imb_pipeline(StandardScaler(), net, RandomOverSampler(random_state=0),
                             LogisticRegression(max_iter=500)).fit(X, y)
    features = pipe[:2].transform(X)
    assert pipe[-1].coef_.shape == (3, features.shape[1])
    assert pipe.score(X, y) > 0.7


def test_features_need_a_features_method(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(module=_NoHead, transform_to="features", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"transform_to='features' needs a module with a "
                                         r"features\(x\) method; _NoHead has none"):
        clf.transform(X)


def test_user_callbacks_get_every_batch_hook(tabular):
    # the net calls only callbacks that define a batch hook: those that do
    # must still see every batch, with the step's outputs
    from skorch.callbacks import Callback

    class Count(Callback):
        def initialize(self):
            self.calls = {"begin": 0, "grad": 0, "end": 0, "losses": []}
            return self

        def on_batch_begin(self, net, batch=None, training=None, **kwargs):
            self.calls["begin"] += 1

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls["grad"] += sum(p.grad is not None for _, p in named_parameters)

        def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
            self.calls["end"] += 1
            self.calls["losses"].append(float(loss))

    X, y = tabular
    clf = ImbalancedNetClassifier(max_epochs=2, batch_size=64, callbacks=[Count()],
                                  random_state=0).fit(X, y)
    n_batches = 2 * int(np.ceil(len(X) / 64))
    (calls,) = [cb.calls for _, cb in clf.net_.callbacks_ if isinstance(cb, Count)]
    assert calls["begin"] == calls["end"] == n_batches
    assert calls["grad"] == n_batches * len(list(clf.net_.module_.parameters()))
    recorded = [b["train_loss"] for epoch in clf.net_.history for b in epoch["batches"]]
    np.testing.assert_allclose(calls["losses"], recorded)
