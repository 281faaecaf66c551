"""Options refused (or warned about) in fit, each with the message it expects."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from skorch.callbacks import EarlyStopping, EpochScoring
from torch import nn

from skimbal import ImbalancedNetClassifier

FAST = {"max_epochs": 3, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(200, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("params, match", [
    ({"callbacks": ["x"]}, r"callbacks\[0\]='x' is not a skorch callback"),
    ({"callbacks": [("a", "b", "c")]}, r"callbacks\[0\]=.*must be \(name, callback\)"),
    ({"callbacks": [EarlyStopping()]}, "skorch's EarlyStopping.*early_stopping=True"),
    ({"lr_milestones": (0.9, 0.5)}, "lr_milestones=.*increasing fractions"),
    ({"lr_milestones": (0.5, 2.0)}, "strictly between 0 and 1"),
    ({"class_weight": {0: 0, 1: 0, 2: 0}}, "gives every class weight 0"),
    ({"early_stopping": True, "validation_fraction": None},
     "early_stopping=True monitors.*validation_fraction=None holds none out"),
])
def test_bad_options(tabular, params, match):
    X, y = tabular
    with pytest.raises(ValueError, match=match):
        ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)


def test_good_callbacks_pass(tabular):
    X, y = tabular
    score = EpochScoring("accuracy", on_train=True, name="acc")
    clf = ImbalancedNetClassifier(callbacks=[score, ("acc2", EpochScoring(
        "accuracy", on_train=True, name="acc2"))], **FAST).fit(X, y)
    assert len(clf.net_.history[:, "acc"]) == 3


@pytest.mark.parametrize("params, match", [
    ({"class_weight": "balanced", "sampler": "class_balanced"},
     "class_weight='balanced' and sampler='class_balanced' both correct"),
    ({"schedule": "drw", "sampler": "sqrt"}, "schedule='drw' .* and sampler='sqrt'"),
    ({"class_weight": "effective_number", "schedule": "drs"}, "and schedule='drs' both"),
])
def test_double_correction_warns(tabular, params, match):
    X, y = tabular
    with pytest.warns(UserWarning, match=match):
        ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize("params", [{"class_weight": "balanced"}, {"sampler": "sqrt"},
                                    {"schedule": "drw"}, {"sampler": "instance",
                                                          "class_weight": "balanced"}])
def test_one_correction_does_not_warn(tabular, params):
    X, y = tabular
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ImbalancedNetClassifier(**{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize("outputs, match", [(5, r"shape \(2, 5\).*y has 3 classes"),
                                            (2, r"shape \(2, 2\).*y has 3 classes")])
def test_module_output_width_is_checked_in_fit(tabular, outputs, match):
    X, y = tabular
    with pytest.raises(ValueError, match=match):
        ImbalancedNetClassifier(module=nn.Linear(6, outputs), **FAST).fit(X, y)


def test_validate_options_checks_without_data():
    from sklearn.utils._param_validation import InvalidParameterError

    net = ImbalancedNetClassifier(loss="ldam", schedule="drw", max_epochs=10)
    assert net.validate_options(images=True) is net
    with pytest.raises(InvalidParameterError, match="'max_epochs' parameter"):
        ImbalancedNetClassifier(max_epochs=0).validate_options(images=False)
    with pytest.raises(ValueError, match="already a schedule"):
        ImbalancedNetClassifier(sampler="progressive", schedule="drs").validate_options(
            images=False)
    with pytest.raises(ValueError, match="augments images, but X is tabular"):
        ImbalancedNetClassifier(augment=True).validate_options(images=False)
