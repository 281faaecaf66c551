"""Training-progress callbacks: what they record and when."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy
from skimbal.inspection import feature_gradient_norms
from skimbal.metrics import per_class_accuracy

FAST = {"max_epochs": 5, "batch_size": 32, "lr": 0.05, "random_state": 0}


def test_per_class_accuracy_records_every_n_epochs_and_the_last(data):
    X, y = data
    clf = ImbalancedNetClassifier(
        callbacks=[PerClassAccuracy(eval_set=(X[:100], y[:100]), eval_name="test",
                                    every=2, many_threshold=200, few_threshold=30)],
        validation_fraction=0.25, **FAST).fit(X, y)
    history = clf.net_.history
    recorded = [row["epoch"] for row in history if "train_class_acc" in row]
    assert recorded == [1, 3, 5]
    last = history[-1]
    # the last record is the fitted model's own accuracy on each set
    valid = clf.net_.train_split.keywords["valid_ds"]
    X_va, y_va = valid.X, valid.y
    for name, X_s, y_s in (("valid", X_va, clf.classes_[y_va]), ("test", X[:100], y[:100])):
        expected = per_class_accuracy(y_s, clf.predict(X_s), labels=clf.classes_)
        assert np.allclose(last[f"{name}_class_acc"], expected, equal_nan=True)
    counts = clf.class_counts_
    assert counts[0] > 200 and 30 <= counts[1] <= 200 and counts[2] < 30
    acc = np.array(last["train_class_acc"])
    assert last["train_many"] == pytest.approx(acc[0])
    assert last["train_medium"] == pytest.approx(acc[1])
    assert last["train_few"] == pytest.approx(acc[2])


def test_train_accuracy_is_a_clean_pass(data):
    X, y = data
    clf = ImbalancedNetClassifier(mfw=True, callbacks=[PerClassAccuracy()], **FAST)
    clf.fit(X, y)
    expected = per_class_accuracy(y, clf.predict(X), labels=clf.classes_)
    assert np.allclose(clf.net_.history[-1, "train_class_acc"], expected)


def test_eval_set_with_unknown_labels(data):
    X, y = data
    cb = PerClassAccuracy(eval_set=(X[:5], ["cat", "fox", "cat", "cat", "cat"]))
    with pytest.raises(ValueError, match="fox"):
        ImbalancedNetClassifier(callbacks=[cb], **FAST).fit(X, y)


def test_feature_gradient_norms_callback_and_function_agree(data):
    X, y = data
    clf = ImbalancedNetClassifier(callbacks=[FeatureGradientNorms(every=3)], **FAST)
    clf.fit(X, y)
    history = clf.net_.history
    assert [row["epoch"] for row in history if "feature_grad_norm" in row] == [1, 4, 5]
    assert np.allclose(history[-1, "feature_grad_norm"], feature_gradient_norms(clf, X, y))


def test_feature_gradient_norm_by_hand():
    # For a linear head and cross-entropy, d l / d f = W^T (softmax(Wf + b) - e_y).
    X, y = make_classification(60, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3,
                               random_state=1)
    clf = ImbalancedNetClassifier(module_params={"hidden_layer_sizes": (5,)}, **FAST)
    clf.fit(X.astype(np.float32), y)
    module = clf.module_
    with torch.no_grad():
        f = module.features(torch.as_tensor(X, dtype=torch.float32))
        W, b = module.classifier.weight, module.classifier.bias
        p = torch.softmax(f @ W.T + b, dim=1)
        grad = (p - torch.eye(3)[y]) @ W
    norms = grad.norm(dim=1).numpy()
    expected = [norms[y == c].mean() for c in range(3)]
    assert np.allclose(feature_gradient_norms(clf, X, y), expected, rtol=1e-4)


def test_feature_gradients_need_features_and_classifier(data):
    X, y = data
    module = nn.Sequential(nn.Linear(6, 3))
    clf = ImbalancedNetClassifier(module=module, callbacks=[FeatureGradientNorms()], **FAST)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y)


def test_training_source_records_the_gradient_the_step_applies(data):
    X, y = data
    # one full batch per epoch and a negligible step: the gradient of the
    # training step equals the clean one of the fitted model
    params = {"batch_size": len(y), "lr": 1e-12, "momentum": 0.0, "weight_decay": 0.0,
              "lr_schedule": None, "max_epochs": 2, "random_state": 0}
    clf = ImbalancedNetClassifier(
        callbacks=[FeatureGradientNorms(source="training")], **params).fit(X, y)
    recorded = clf.net_.history[-1, "batch_feature_grad_norm"]
    assert np.allclose(recorded, feature_gradient_norms(clf, X, y), rtol=1e-4)
    assert not any(m._forward_pre_hooks for m in clf.module_.modules())
    # under feature weakening it is taken at the weakened features (the hook
    # order is tested with FeatureWeakening)
    weak = ImbalancedNetClassifier(
        mfw=True, mfw_layer="penultimate", mfw_power=0.0,
        callbacks=[FeatureGradientNorms(source="training")], **params).fit(X, y)
    assert not np.array_equal(weak.net_.history[-1, "batch_feature_grad_norm"], recorded)


def test_training_source_with_meta_reweighting_and_bad_source(data):
    X, y = data
    clf = ImbalancedNetClassifier(
        reweight="l2rw", meta_dev_size=3,
        callbacks=[FeatureGradientNorms(source="training")], **FAST).fit(X, y)
    assert np.isfinite(clf.net_.history[-1, "batch_feature_grad_norm"]).all()
    with pytest.raises(ValueError, match="source must be"):
        ImbalancedNetClassifier(callbacks=[FeatureGradientNorms(source="test")],
                                **FAST).fit(X, y)
