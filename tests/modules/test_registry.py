"""Module names: the built-ins and a user's own through the estimator."""

import numpy as np
import pytest
from torch import nn

from skimbal import ImbalancedNetClassifier
from skimbal.modules import MLP, get_module, list_modules, register_module, unregister_module


def test_builtin_names():
    assert list_modules() == ["mlp", "resnet10", "resnet152", "resnet18", "resnet20", "resnet32",
                              "resnet50", "resnet8", "resnext50_32x4d", "tabm"]
    assert get_module("mlp") == (MLP, "any")
    assert get_module("resnet32")[1] == "images"
    assert get_module("tabm")[1] == "tabular"


class _Wide(nn.Module):
    def __init__(self, n_features, n_classes, width=16):
        super().__init__()
        self.width = width
        self.classifier = nn.Linear(width, n_classes)
        self.body = nn.Sequential(nn.Linear(n_features, width), nn.ReLU())

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.classifier(self.features(x))


def test_registered_module_builds_with_module_params_and_its_input_kind():
    X = np.random.RandomState(0).randn(60, 5).astype(np.float32)
    y = np.repeat([0, 1], [45, 15])
    register_module("wide_test", _Wide, input="tabular")
    try:
        clf = ImbalancedNetClassifier(module="wide_test", module_params={"width": 7},
                                      loss="ldam", max_epochs=2, random_state=0).fit(X, y)
        assert isinstance(clf.module_, _Wide) and clf.module_.width == 7
        with pytest.raises(ValueError, match="module='wide_test' is for tabular data"):
            ImbalancedNetClassifier(module="wide_test", max_epochs=1).fit(
                np.zeros((4, 1, 4, 4), np.float32), [0, 1, 0, 1])
    finally:
        unregister_module("wide_test")
    with pytest.raises(ValueError, match="input must be one of"):
        register_module("x", _Wide, input="text")
