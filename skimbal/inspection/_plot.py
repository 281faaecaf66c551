"""Plots of per-class training progress and feature deviation (matplotlib)."""

from collections.abc import Mapping

import numpy as np

from ..metrics import shot_groups
from ._deviation import _codes, _feature_map, feature_deviation

_TITLES = {
    "train_class_acc": "training accuracy",
    "valid_class_acc": "validation accuracy",
    "feature_grad_norm": "feature-gradient norm",
    "batch_feature_grad_norm": "feature-gradient norm (training steps)",
    "train_logit": "training true-class logit",
    "train_margin": "training margin",
    "train_cosine": "training cosine to class mean",
}
_SUFFIXES = {
    "_feature_shift": "feature shift (training spreads)",
    "_spread_ratio": "feature spread ratio",
    "_logit": "true-class logit",
    "_margin": "margin",
    "_cosine": "cosine to training class mean",
}


def _title(key):
    if key in _TITLES:
        return _TITLES[key]
    for suffix, text in _SUFFIXES.items():
        if key.endswith(suffix):
            return f"{key[:-len(suffix)]} {text}"
    return key.replace("_class_acc", " accuracy")


def _history(obj):
    net = getattr(obj, "net_", obj)
    return getattr(net, "history", obj)


def class_curves(history, key):
    """Epochs and per-class values of a per-class history key.

    Parameters
    ----------
    history : skorch History, skorch net or fitted skimbal estimator
        Where the values were recorded (e.g. by
        :class:`~skimbal.callbacks.PerClassAccuracy`).
    key : str
        A per-class key, e.g. ``"train_class_acc"``.

    Returns
    -------
    epochs : ndarray of shape (n_recorded,)
        1-based epochs at which ``key`` was recorded.
    values : ndarray of shape (n_recorded, n_classes)
        The values, one column per class.

    See Also
    --------
    plot_class_curves : Plot them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import PerClassAccuracy
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0, callbacks=[
    ...     PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test")]).fit(X, y)
    >>> from skimbal.inspection import class_curves
    >>> epochs, values = class_curves(net, "train_class_acc")
    >>> epochs.tolist(), values.shape
    ([1, 2, 3, 4], (4, 3))
    """
    history = _history(history)
    rows = [(row["epoch"], row[key]) for row in history if key in row]
    if not rows:
        raise ValueError(
            f"No epoch of the history has {key!r}; add the callback that records "
            "it (PerClassAccuracy or FeatureGradientNorms) to `callbacks`."
        )
    epochs, values = zip(*rows)
    return np.asarray(epochs), np.asarray(values, dtype=np.float64)


def plot_class_curves(history, key, *, class_counts=None, group="class", labels=None,
                      ax=None, title=None):
    """Plot a per-class quantity over epochs, per class or per class group.

    Parameters
    ----------
    history : skorch History, skorch net or fitted skimbal estimator
        Where the values were recorded.
    key : str
        A per-class key, e.g. ``"train_class_acc"``, ``"eval_class_acc"``,
        ``"feature_grad_norm"``.
    class_counts : array-like of shape (n_classes,), default=None
        Training examples per class; taken from the estimator's
        ``class_counts_`` when ``history`` is one. Colours classes by size
        and defines the groups.
    group : {"class", "shot"} or array-like of shape (n_classes,), default="class"
        One line per class, per many/medium/few-shot group (100/20
        thresholds), or per given group label (e.g. ``"major"``/``"minor"``);
        a group's line is the mean over its classes.
    labels : array-like of shape (n_classes,), default=None
        Class names for the legend (the estimator's ``classes_`` by default).
    ax : matplotlib Axes, default=None
        Where to draw (a new figure when None).
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes
        The plot.

    See Also
    --------
    class_curves : The values plotted.
    plot_training_progress : Several keys side by side.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import PerClassAccuracy
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0, callbacks=[
    ...     PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test")]).fit(X, y)
    >>> from skimbal.inspection import plot_class_curves
    >>> ax = plot_class_curves(net, "test_class_acc", group="shot")
    """
    import matplotlib.pyplot as plt

    epochs, values = class_curves(history, key)
    if class_counts is None:
        class_counts = getattr(history, "class_counts_", None)
    if labels is None:
        labels = getattr(history, "classes_", np.arange(values.shape[1]))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    if isinstance(group, str) and group == "class":
        # by size when the sizes are known, else in class order
        order, colors = _size_colors(np.zeros(values.shape[1]) if class_counts is None
                                     else class_counts)
        for c in order:
            name = str(labels[c])
            if class_counts is not None:
                name += f" (n={int(class_counts[c])})"
            ax.plot(epochs, values[:, c], color=colors[c], label=name, lw=1.2)
    else:
        if isinstance(group, str):
            if group != "shot":
                raise ValueError(f"group must be 'class', 'shot' or an array; got {group!r}.")
            if class_counts is None:
                raise ValueError("group='shot' needs class_counts (or a fitted estimator).")
            group = shot_groups(class_counts)
        group = np.asarray(group)
        if group.shape != (values.shape[1],):
            raise ValueError(
                f"group has shape {group.shape}, expected ({values.shape[1]},): one "
                "group label per class."
            )
        for name in dict.fromkeys(group.tolist()):
            with np.errstate(invalid="ignore"):
                mean = np.nanmean(values[:, group == name], axis=1)
            ax.plot(epochs, mean, label=str(name), lw=1.6)
    ax.set_xlabel("epoch")
    ax.set_ylabel(_title(key))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)
    return ax


def plot_training_progress(estimator, *, keys=None, group="class", class_counts=None,
                           axes=None):
    """Side-by-side per-class curves of a fitted estimator's history.

    Parameters
    ----------
    estimator : fitted skimbal estimator (or its net / history)
        Trained with :class:`~skimbal.callbacks.PerClassAccuracy` and/or
        :class:`~skimbal.callbacks.FeatureGradientNorms`.
    keys : list of str, default=None
        Per-class keys to draw; by default every one recorded among
        ``train_class_acc``, ``valid_class_acc``, the eval set's and
        ``feature_grad_norm``.
    group, class_counts
        As in :func:`plot_class_curves`.
    axes : array of matplotlib Axes, default=None
        One per key (a new figure when None).

    Returns
    -------
    axes : ndarray of matplotlib Axes
        One panel per key.

    See Also
    --------
    plot_class_curves : One key.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import PerClassAccuracy, FeatureGradientNorms
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0, callbacks=[
    ...     PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test"),
    ...     FeatureGradientNorms()]).fit(X, y)
    >>> from skimbal.inspection import plot_training_progress
    >>> axes = plot_training_progress(net)
    >>> len(axes)
    3
    """
    import matplotlib.pyplot as plt

    history = _history(estimator)
    recorded = {k for row in history for k in row}
    if keys is None:
        keys = sorted(k for k in recorded if k.endswith("_class_acc"))
        keys = sorted(keys, key=lambda k: (k != "train_class_acc", k))
        keys += [k for k in ("feature_grad_norm", "batch_feature_grad_norm") if k in recorded]
    if not keys:
        raise ValueError(
            "The history has no per-class curves; fit with callbacks="
            "[PerClassAccuracy(), FeatureGradientNorms()]."
        )
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.5), squeeze=False)
        axes = axes[0]
    if class_counts is None:
        class_counts = getattr(estimator, "class_counts_", None)
    for key, ax in zip(keys, np.atleast_1d(axes)):
        plot_class_curves(estimator, key, class_counts=class_counts, group=group, ax=ax,
                          labels=getattr(estimator, "classes_", None),
                          title=_title(key))
    return np.atleast_1d(axes)


def _size_colors(class_counts):
    """One colour per class, by size rank (largest first, as in the curves)."""
    import matplotlib.pyplot as plt

    order = np.argsort(-np.asarray(class_counts), kind="stable")
    colors = np.empty((len(order), 4))
    colors[order] = plt.cm.viridis(np.linspace(0, 0.9, len(order)))
    return order, colors


def _rows(table, group):
    """Row labels, sizes and columns of ``table``, per class or per shot group."""
    columns = {k: np.asarray(v) for k, v in dict(table).items()}
    n_train = columns["n_train"].astype(float)
    if group == "class":
        order = np.argsort(-n_train, kind="stable")
        labels = [f"{c}\n(n={int(n)})" for c, n in zip(columns["class"][order], n_train[order])]
        return labels, {k: v[order] for k, v in columns.items()}
    if group != "shot":
        raise ValueError(f"group must be 'class' or 'shot'; got {group!r}.")
    names = [g for g in ("many", "medium", "few") if (columns["group"] == g).any()]
    out = {}
    for key, values in columns.items():
        if values.dtype.kind in "fiu":
            with np.errstate(invalid="ignore"):
                out[key] = np.array([np.nanmean(values[columns["group"] == g].astype(float))
                                     for g in names])
    return names, out


def plot_feature_deviation(estimator, X=None, y=None, X_eval=None, y_eval=None, *,
                           value="logit", group="class", axes=None, **kwargs):
    """The feature-deviation picture of a fitted estimator, in three panels.

    Per class (ordered by training size) or per many/medium/few-shot group:
    training and held-out accuracy (the paper's over-fitting picture), the
    training and held-out decision values (mean and standard deviation), and
    the feature shift against class size, beside the shift that sampling
    alone gives (see :func:`feature_deviation`).

    Parameters
    ----------
    estimator : fitted classifier or table
        As in :func:`feature_deviation`; or a table it returned (a dict or
        DataFrame), then ``X`` to ``y_eval`` are not needed.
    X, y, X_eval, y_eval : array-like, default=None
        Training and held-out data, as in :func:`feature_deviation`.
    value : {"logit", "margin"}, default="logit"
        Decision value of the middle panel: the true-class value or the
        margin to the best other class.
    group : {"class", "shot"}, default="class"
        One bar per class, or one per shot group (the mean over its classes).
    axes : array of 3 matplotlib Axes, default=None
        Where to draw (a new figure when None).
    **kwargs
        Passed to :func:`feature_deviation`.

    Returns
    -------
    axes : ndarray of 3 matplotlib Axes
        Accuracy, decision values and feature shift.

    See Also
    --------
    feature_deviation : The table plotted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0).fit(X, y)
    >>> from skimbal.inspection import plot_feature_deviation
    >>> axes = plot_feature_deviation(net, X, y, X_test, y_test)
    """
    import matplotlib.pyplot as plt

    if value not in ("logit", "margin"):
        raise ValueError(f"value must be 'logit' or 'margin'; got {value!r}.")
    if isinstance(estimator, Mapping) or hasattr(estimator, "to_dict"):
        table = estimator
    else:
        if any(v is None for v in (X, y, X_eval, y_eval)):
            raise ValueError("X, y, X_eval and y_eval are needed to measure the estimator.")
        table = feature_deviation(estimator, X, y, X_eval, y_eval, **kwargs)
    labels, rows = _rows(table, group)
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    axes = np.atleast_1d(axes)
    x = np.arange(len(labels))
    width = 0.4
    for offset, prefix, name in ((-width / 2, "train", "training"),
                                 (width / 2, "eval", "held-out")):
        axes[0].bar(x + offset, rows[f"{prefix}_accuracy"], width, label=name)
        axes[1].bar(x + offset, rows[f"{prefix}_{value}"], width,
                    yerr=rows[f"{prefix}_{value}_std"], capsize=2, label=name)
    for ax, ylabel in ((axes[0], "accuracy"), (axes[1], f"true-class {value}"
                       if value == "logit" else "margin to best other class")):
        ax.set_xticks(x, labels, fontsize=7)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
    axes[1].axhline(0, color="k", lw=0.6)
    if group == "class":
        _, colors = _size_colors(rows["n_train"])
        axes[2].scatter(rows["n_train"], rows["feature_shift"], c=colors, label="measured")
    else:
        axes[2].plot(rows["n_train"], rows["feature_shift"], "o", label="measured")
    axes[2].plot(rows["n_train"], rows["shift_sampling"], "k_", ms=12,
                 label="expected from sampling")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("training examples of the class")
    axes[2].set_ylabel("feature shift (training spreads)")
    axes[2].legend(fontsize=7)
    return axes


def plot_deviation_history(estimator, *, eval_name="eval", value="margin", group="class",
                           class_counts=None, axes=None):
    """Feature deviation over training, from a history with its records.

    Three panels of per-class (or per-group) curves recorded by
    :class:`~skimbal.callbacks.FeatureDeviation`: the training and held-out
    decision values and the held-out feature shift.

    Parameters
    ----------
    estimator : fitted skimbal estimator, its net or history
        Trained with ``callbacks=[FeatureDeviation(eval_set, eval_name)]``.
    eval_name : str, default="eval"
        The callback's ``eval_name``.
    value : {"logit", "margin"}, default="margin"
        Which decision value to draw.
    group, class_counts
        As in :func:`plot_class_curves`.
    axes : array of 3 matplotlib Axes, default=None
        Where to draw (a new figure when None).

    Returns
    -------
    axes : ndarray of 3 matplotlib Axes
        Decision values and feature shift over epochs.

    See Also
    --------
    plot_feature_deviation : The same picture at the end of training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import FeatureDeviation
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0,
    ...     callbacks=[FeatureDeviation(eval_set=(X_test, y_test))]).fit(X, y)
    >>> from skimbal.inspection import plot_deviation_history
    >>> axes = plot_deviation_history(net)
    """
    import matplotlib.pyplot as plt

    if value not in ("logit", "margin"):
        raise ValueError(f"value must be 'logit' or 'margin'; got {value!r}.")
    keys = [f"train_{value}", f"{eval_name}_{value}", f"{eval_name}_feature_shift"]
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    axes = np.atleast_1d(axes)
    if class_counts is None:
        class_counts = getattr(estimator, "class_counts_", None)
    for key, ax in zip(keys, axes):
        plot_class_curves(estimator, key, class_counts=class_counts, group=group, ax=ax,
                          labels=getattr(estimator, "classes_", None), title=_title(key))
    return axes


def plot_feature_embedding(estimator, X, y, X_eval, y_eval, *, features="auto",
                           max_per_class=100, random_state=0, ax=None):
    """A t-SNE map of training (circles) and held-out (crosses) features.

    The paper's first figure: the held-out features of a minor class fall
    outside the region its training features occupy.

    Parameters
    ----------
    estimator : fitted classifier
        As in :func:`feature_deviation`.
    X, y, X_eval, y_eval : array-like
        Training and held-out data.
    features : "auto", "input" or callable, default="auto"
        The feature space, as in :func:`feature_deviation`.
    max_per_class : int, default=100
        At most this many examples of each class and set are drawn (a
        seeded subsample; t-SNE's cost grows with the square of the points).
    random_state : int, default=0
        Seed of the subsample and of t-SNE.
    ax : matplotlib Axes, default=None
        Where to draw (a new figure when None).

    Returns
    -------
    ax : matplotlib Axes
        The map.

    See Also
    --------
    plot_feature_deviation : The deviation in numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skimbal import ImbalancedNetClassifier
    >>> X, y = make_classification(400, n_features=8, n_informative=5, n_classes=3,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
    ...                                         stratify=y, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0).fit(X, y)
    >>> from skimbal.inspection import plot_feature_embedding
    >>> ax = plot_feature_embedding(net, X, y, X_test, y_test, max_per_class=20)
    """
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    classes = estimator.classes_
    codes, eval_codes = _codes(classes, y, y_eval)
    rng = np.random.default_rng(random_state)

    def pick(c):
        keep = [rng.permutation(np.flatnonzero(c == k))[:max_per_class]
                for k in range(len(classes))]
        return np.sort(np.concatenate(keep))

    train, held = pick(codes), pick(eval_codes)
    feature_map, _ = _feature_map(estimator, features)
    points = np.vstack([feature_map(np.asarray(X)[train]),
                        feature_map(np.asarray(X_eval)[held])])
    perplexity = min(30.0, (len(points) - 1) / 3)
    embedded = TSNE(2, init="pca", perplexity=perplexity,
                    random_state=random_state).fit_transform(points)
    _, colors = _size_colors(np.bincount(codes, minlength=len(classes)))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    n = len(train)
    for k in range(len(classes)):
        ax.scatter(*embedded[:n][codes[train] == k].T, s=12, facecolors="none",
                   edgecolors=[colors[k]], label=f"{classes[k]} training")
        ax.scatter(*embedded[n:][eval_codes[held] == k].T, s=12, marker="x",
                   c=[colors[k]], label=f"{classes[k]} held-out")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=6, ncol=2)
    return ax
