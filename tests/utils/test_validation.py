"""Image inputs: scale recorded at fit and applied at predict; channels-last refused."""

import numpy as np
import pytest

from skimbal import ImbalancedNetClassifier

FAST = {"module": "resnet8", "max_epochs": 2, "batch_size": 16, "random_state": 0}


@pytest.fixture(scope="module")
def pixels():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [30, 12, 8])
    X = rng.randint(0, 255, size=(len(y), 1, 10, 10)).astype(np.uint8)
    X[y == 1, :, :5] = 250  # something to learn
    return X, y


def test_uint8_training_reads_float_pixels_on_the_same_scale(pixels):
    X, y = pixels
    clf = ImbalancedNetClassifier(**FAST).fit(X, y)
    assert clf.input_dtype_ == "uint8"
    np.testing.assert_array_equal(clf.decision_function(X.astype(np.float32)),
                                  clf.decision_function(X))
    with pytest.raises(ValueError, match="trained on uint8 images.*lie in \\[0, 1\\]"):
        clf.predict(X.astype(np.float32) / 255)


def test_float_training_reads_uint8_on_the_same_scale_or_refuses(pixels):
    X, y = pixels
    on_255 = ImbalancedNetClassifier(**FAST).fit(X.astype(np.float32), y)
    np.testing.assert_array_equal(on_255.decision_function(X),
                                  on_255.decision_function(X.astype(np.float32)))
    unit = ImbalancedNetClassifier(**FAST).fit(X.astype(np.float32) / 255, y)
    with pytest.raises(ValueError, match=r"float images in \[0, 1\]; these are uint8"):
        unit.predict(X)


def test_channels_last_images_are_refused(pixels):
    X, y = pixels
    last = np.repeat(X[:, 0, :, :, None], 3, axis=3)  # (n, 10, 10, 3)
    with pytest.raises(ValueError, match=r"looks channels-last.*X.transpose\(0, 3, 1, 2\)"):
        ImbalancedNetClassifier(**FAST).fit(last, y)
    clf = ImbalancedNetClassifier(**FAST).fit(last.transpose(0, 3, 1, 2), y)
    with pytest.raises(ValueError, match="looks channels-last"):
        clf.predict(last)
