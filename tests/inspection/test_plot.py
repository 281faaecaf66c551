"""Progress plots: lines drawn per class or per group, and errors."""

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import make_classification

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy
from skimbal.inspection import class_curves, plot_class_curves, plot_training_progress

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.8, 0.15, 0.05], random_state=0)
    return ImbalancedNetClassifier(
        max_epochs=4, batch_size=32, random_state=0,
        callbacks=[PerClassAccuracy(every=2), FeatureGradientNorms()]).fit(X, y)


def test_class_curves(fitted):
    epochs, values = class_curves(fitted, "train_class_acc")
    assert list(epochs) == [1, 3, 4] and values.shape == (3, 3)
    with pytest.raises(ValueError, match="valid_class_acc"):
        class_curves(fitted, "valid_class_acc")


def test_lines_per_class_and_per_group(fitted):
    import matplotlib.pyplot as plt

    ax = plot_class_curves(fitted, "feature_grad_norm")
    assert len(ax.lines) == 3
    # ordered by class size, labelled with the counts
    assert ax.get_legend().get_texts()[0].get_text() == \
        f"0 (n={fitted.class_counts_[0]})"
    ax = plot_class_curves(fitted, "train_class_acc", group=["major", "minor", "minor"])
    assert len(ax.lines) == 2
    mean = np.nanmean(class_curves(fitted, "train_class_acc")[1][:, 1:], axis=1)
    assert np.allclose(ax.lines[1].get_ydata(), mean)
    ax = plot_class_curves(fitted, "train_class_acc", group="shot")
    assert len(ax.lines) == len({"many" if n > 100 else "few" if n < 20 else "medium"
                                     for n in fitted.class_counts_})
    with pytest.raises(ValueError, match="one group label per class"):
        plot_class_curves(fitted, "train_class_acc", group=["a", "b"])
    plt.close("all")


def test_training_progress_figure(fitted):
    import matplotlib.pyplot as plt

    axes = plot_training_progress(fitted)
    assert [a.get_ylabel() for a in axes] == ["training accuracy", "feature-gradient norm"]
    plain = ImbalancedNetClassifier(max_epochs=1, random_state=0)
    plain.fit(*make_classification(50, random_state=0))
    with pytest.raises(ValueError, match="PerClassAccuracy"):
        plot_training_progress(plain)
    plt.close("all")
