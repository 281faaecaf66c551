"""Prediction passes, precision, optimizers and devices."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt

FAST = {"module": "resnet8", "max_epochs": 3, "batch_size": 64, "random_state": 0}


@pytest.fixture(scope="module")
def many_images():
    """More images than the batch-norm folding threshold (1,024)."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 255, size=(1100, 3, 12, 12)).astype(np.uint8)
    y = np.repeat([0, 1, 2], [700, 300, 100])
    X[y == 1, 0] //= 2
    return X, y


def _unfolded(clf, X, output="logits"):
    net, module = clf.net_, clf.module_
    module.eval()
    with torch.no_grad():
        x = net.prepare_input(torch.from_numpy(X), training=False)
        out = module(x) if output == "logits" else module.features(x)
    return out.numpy()


def test_large_prediction_passes_fold_batch_norm_with_the_same_outputs(many_images):
    X, y = many_images
    clf = ImbalancedNetClassifier(**FAST).fit(X, y)
    folded = clf.transform(X)
    assert clf.net_._folded is not None  # the folded copy was used and kept
    np.testing.assert_allclose(folded, _unfolded(clf, X), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(clf.predict(X), _unfolded(clf, X).argmax(1))
    features = clf.set_params(transform_to="features").transform(X)
    np.testing.assert_allclose(features, _unfolded(clf, X, "features"), rtol=1e-4,
                               atol=1e-4)
    # one copy per output: passes that alternate between them fold each once
    logits_copy = clf.net_.inference_module("logits")
    features_copy = clf.net_.inference_module("features")
    assert clf.net_.inference_module("logits") is logits_copy
    assert clf.net_.inference_module("features") is features_copy
    # the copy follows the weights: after more training it is folded again
    with torch.no_grad():
        clf.module_.classifier.bias.add_(1.0)
    np.testing.assert_allclose(clf.set_params(transform_to="logits").transform(X),
                               folded + 1.0, rtol=1e-4, atol=1e-4)


def test_bf16_trains_and_predicts_on_the_cpu():
    X, y, X_test, y_test = load_digits_lt(imbalance_ratio=10, n_max=60)
    fp32 = ImbalancedNetClassifier(**FAST).fit(X, y)
    bf16 = ImbalancedNetClassifier(**FAST, precision="bf16").fit(X, y)
    logits = bf16.decision_function(X_test)
    assert logits.dtype == np.float32 and np.isfinite(logits).all()
    assert not np.allclose(logits, fp32.decision_function(X_test))
    assert abs(bf16.score(X_test, y_test) - fp32.score(X_test, y_test)) < 0.15


def test_precision_rules():
    X, y = make_classification(100, random_state=0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="precision='fp16' needs a CUDA device"):
            ImbalancedNetClassifier(precision="fp16", max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="cannot be combined with precision='bf16'"):
        ImbalancedNetClassifier(precision="bf16", reweight="l2rw", max_epochs=1).fit(X, y)


def test_optimizers_and_device_auto():
    X, y = make_classification(100, random_state=0)
    adamw = ImbalancedNetClassifier(optimizer="adamw", lr=1e-3, max_epochs=2,
                                    random_state=0).fit(X, y)
    opt = adamw.net_.optimizer_
    assert isinstance(opt, torch.optim.AdamW) and opt.param_groups[0]["weight_decay"] == 2e-4
    adam = ImbalancedNetClassifier(optimizer=torch.optim.Adam, lr=1e-3, max_epochs=2,
                                   optimizer_params={"betas": (0.8, 0.9)}).fit(X, y)
    assert adam.net_.optimizer_.param_groups[0]["betas"] == (0.8, 0.9)
    sgd = ImbalancedNetClassifier(max_epochs=2, optimizer_params={"dampening": 0.1}).fit(X, y)
    group = sgd.net_.optimizer_.param_groups[0]
    assert group["momentum"] == 0.9 and group["dampening"] == 0.1
    with pytest.raises(ValueError, match="not a torch optimizer class"):
        ImbalancedNetClassifier(optimizer=dict, max_epochs=1).fit(X, y)
    auto = ImbalancedNetClassifier(device="auto", max_epochs=1).fit(X, y)
    assert auto.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


def test_compile_trains_and_predicts_the_same_and_pickles():
    import pickle

    from sklearn.datasets import make_classification

    X, y = make_classification(200, n_features=6, weights=[0.8], random_state=0)
    X = X.astype(np.float32)
    plain = ImbalancedNetClassifier(max_epochs=2, random_state=0).fit(X, y)
    # the eager backend: compile's plumbing without a C++ toolchain
    compiled = ImbalancedNetClassifier(max_epochs=2, random_state=0,
                                       compile={"backend": "eager"}).fit(X, y)
    assert type(compiled.net_.compiled_module()).__name__ == "OptimizedModule"
    np.testing.assert_array_equal(compiled.decision_function(X), plain.decision_function(X))
    again = pickle.loads(pickle.dumps(compiled))
    assert again.net_._compiled is None
    np.testing.assert_array_equal(again.decision_function(X), plain.decision_function(X))


def test_compiled_prediction_pads_short_batches_and_matches_eager():
    from sklearn.datasets import make_classification

    X, y = make_classification(300, n_features=6, weights=[0.8], random_state=0)
    X = X.astype(np.float32)
    plain = ImbalancedNetClassifier(max_epochs=2, batch_size=64, random_state=0).fit(X, y)
    compiled = ImbalancedNetClassifier(max_epochs=2, batch_size=64, random_state=0,
                                       compile={"backend": "eager"}).fit(X, y)
    compiled.net_.iterator_valid__batch_size = 128  # a pass of 128, 128 and 44 rows
    np.testing.assert_allclose(compiled.decision_function(X), plain.decision_function(X),
                               rtol=1e-5, atol=1e-6)
    _, module, sizes = compiled.net_._folded["logits"]
    # the 44-row batch ran padded to 128: one batch size compiled
    assert sizes == {128}
    np.testing.assert_allclose(compiled.decision_function(X[:7]), plain.decision_function(X[:7]),
                               rtol=1e-5, atol=1e-6)
    assert compiled.net_._folded["logits"][1] is module and sizes == {128}
