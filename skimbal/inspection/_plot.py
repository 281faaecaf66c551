"""Plots of per-class training progress (matplotlib)."""

import numpy as np

from ..metrics import shot_groups

_TITLES = {
    "train_class_acc": "training accuracy",
    "valid_class_acc": "validation accuracy",
    "feature_grad_norm": "feature-gradient norm",
    "batch_feature_grad_norm": "feature-gradient norm (training steps)",
}


def _title(key):
    return _TITLES.get(key, key.replace("_class_acc", " accuracy"))


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
        order = np.arange(values.shape[1])
        colors = plt.cm.viridis(np.linspace(0, 0.9, len(order)))
        if class_counts is not None:
            order = np.argsort(-np.asarray(class_counts), kind="stable")
        for rank, c in enumerate(order):
            name = str(labels[c])
            if class_counts is not None:
                name += f" (n={int(class_counts[c])})"
            ax.plot(epochs, values[:, c], color=colors[rank], label=name, lw=1.2)
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
