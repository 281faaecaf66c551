"""Progress and deviation plots: what is drawn per class or per group, and errors."""

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import make_classification

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureDeviation, FeatureGradientNorms, PerClassAccuracy
from skimbal.inspection import (
    class_curves,
    feature_deviation,
    plot_class_curves,
    plot_deviation_history,
    plot_feature_deviation,
    plot_feature_embedding,
    plot_training_progress,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.8, 0.15, 0.05], random_state=0)
    return ImbalancedNetClassifier(
        max_epochs=4, batch_size=32, random_state=0,
        callbacks=[PerClassAccuracy(every=2), FeatureGradientNorms(),
                   FeatureDeviation(eval_set=(X[::3], y[::3]), every=2)]).fit(X, y)


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
    axes = plot_training_progress(fitted, keys=["eval_feature_shift"])
    assert axes[0].get_ylabel() == "eval feature shift (training spreads)"
    plain = ImbalancedNetClassifier(max_epochs=1, random_state=0)
    plain.fit(*make_classification(50, random_state=0))
    with pytest.raises(ValueError, match="PerClassAccuracy"):
        plot_training_progress(plain)
    plt.close("all")


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.8, 0.15, 0.05], random_state=0)
    return X[:200], y[:200], X[200:], y[200:]


def test_feature_deviation_panels(fitted, split):
    import matplotlib.pyplot as plt

    table = feature_deviation(fitted, *split)
    axes = plot_feature_deviation(fitted, *split)
    order = np.argsort(-table["n_train"], kind="stable")
    bars = [p.get_height() for p in axes[0].patches]
    assert np.allclose(bars, np.r_[table["train_accuracy"][order], table["eval_accuracy"][order]])
    assert [t.get_text() for t in axes[0].get_xticklabels()][0] == \
        f"{table['class'][order[0]]}\n(n={table['n_train'][order[0]]})"
    heights = [p.get_height() for p in axes[1].patches]
    assert np.allclose(heights, np.r_[table["train_logit"][order], table["eval_logit"][order]])
    points = axes[2].collections[0].get_offsets()
    assert np.allclose(points[:, 1], table["feature_shift"][order])
    # the same from the table (a DataFrame too), and per shot group
    axes = plot_feature_deviation(feature_deviation(fitted, *split, as_frame=True),
                                  value="margin", group="shot")
    groups = list(dict.fromkeys(g for g in ("many", "medium", "few") if g in table["group"]))
    assert len(axes[0].patches) == 2 * len(groups)
    with pytest.raises(ValueError, match="value must be"):
        plot_feature_deviation(table, value="norm")
    with pytest.raises(ValueError, match="group must be"):
        plot_feature_deviation(table, group="size")
    with pytest.raises(ValueError, match="X, y, X_eval and y_eval are needed"):
        plot_feature_deviation(fitted, split[0])
    plt.close("all")


def test_deviation_history_and_embedding(fitted, split):
    import matplotlib.pyplot as plt

    axes = plot_deviation_history(fitted, group="shot")
    assert [a.get_ylabel() for a in axes] == [
        "training margin", "eval margin", "eval feature shift (training spreads)"]
    epochs, values = class_curves(fitted, "eval_margin")
    assert list(epochs) == [1, 3, 4] and values.shape == (3, 3)
    ax = plot_feature_embedding(fitted, *split, max_per_class=20)
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    X, y, X_eval, y_eval = split
    expected = sum(min(20, n) for n in np.bincount(y)) + \
        sum(min(20, n) for n in np.bincount(y_eval))
    assert drawn == expected
    with pytest.raises(ValueError, match="value must be"):
        plot_deviation_history(fitted, value="norm")
    plt.close("all")
