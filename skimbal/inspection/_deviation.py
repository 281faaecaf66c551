"""Feature deviation: how far a class's held-out features and decision values fall
from its training ones (Ye, Chen, Zhan and Chao, arXiv 2001.01385)."""

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ..metrics import shot_groups
from ..utils import encode_labels

#: The per-class columns of :func:`feature_deviation`, in order.
COLUMNS = (
    "class", "n_train", "n_eval", "group",
    "train_accuracy", "eval_accuracy",
    "train_logit", "train_logit_std", "eval_logit", "eval_logit_std", "logit_drop",
    "train_margin", "train_margin_std", "eval_margin", "eval_margin_std", "margin_drop",
    "feature_shift", "shift_sampling", "spread_ratio",
    "train_cosine", "eval_cosine", "train_norm", "eval_norm",
)


def feature_deviation(estimator, X, y, X_eval, y_eval, *, features="auto",
                      class_counts=None, many_threshold=100, few_threshold=20,
                      as_frame=False):
    """Per-class feature deviation and decision values, training vs held-out data.

    Ye et al. (2020) explain why a network over-fits its minor classes: the
    test examples of a class with few training examples are mapped to
    features that deviate from the class's training features, which pushes
    them toward low decision values, while the training examples themselves
    sit deep in their class's region (near 100% training accuracy). This
    function measures both halves of that picture for each class ``c``, from
    the features ``f`` the final linear layer sees and the decision values
    ``z`` (one score per class) the estimator outputs:

    - **decision values**: the true-class value ``z_c(x)`` and the margin
      ``z_c(x) - max_{k != c} z_k(x)`` (positive when ``x`` is classified
      correctly), mean and standard deviation over the class's training
      (``train_*``) and held-out (``eval_*``) examples; ``logit_drop`` and
      ``margin_drop`` are training minus held-out means;
    - **deviation** of the held-out features from the training ones:
      ``feature_shift = ||mean_eval - mean_train|| / spread_train``, the
      distance between the class's held-out and training feature means in
      units of the training features' spread (the square root of the
      class's summed per-dimension feature variance, ``ddof=1``);
      ``shift_sampling = sqrt(1/n_train + 1/n_eval)``, about the value
      ``feature_shift`` takes when the held-out features are drawn like the
      training ones (with few training examples a class's two means differ
      by sampling alone: compare ``feature_shift`` with it);
      ``spread_ratio``, the held-out features' spread over the training
      features' (about 1 without deviation); the mean cosine similarity
      between each example's feature and the class's training feature mean
      (``train_cosine``, ``eval_cosine``); and the mean feature norms.

    For a skimbal network the features are its penultimate features
    (``module.features``); the same tool measures a linear model on fixed
    features (logistic regression on pixels, or on a frozen network's
    features), which cannot deviate by learning: there a small gap between
    training and held-out decision values with low values on both sides
    shows under-fitting instead.

    Parameters
    ----------
    estimator : fitted classifier
        A skimbal :class:`~skimbal.ImbalancedNetClassifier`, a calibrator of
        :mod:`skimbal.calibration` wrapping one (its decision values are the
        calibrated logits), a ``Pipeline`` ending in either or in any
        scikit-learn classifier with ``decision_function``, or such a
        classifier itself.
    X : array-like
        Training inputs (typically the data the estimator was fitted on), as
        the estimator takes them.
    y : array-like of shape (n_samples,)
        Their labels, from the estimator's ``classes_``.
    X_eval : array-like
        Held-out inputs (a validation or test set).
    y_eval : array-like of shape (n_eval_samples,)
        Their labels, from the estimator's ``classes_``.
    features : "auto", "input" or callable, default="auto"
        The feature space. ``"auto"``: the penultimate features of the
        skimbal network inside ``estimator`` (unwrapping calibrators,
        ``FrozenEstimator``, grid searches and pipelines, whose earlier
        steps transform the input), else the input of the final classifier
        (for a ``Pipeline`` the output of its earlier steps; otherwise
        ``X`` itself, flattened). ``"input"``: that input even when a network
        is inside. A callable: ``features(X)`` returns the
        ``(n_samples, n_features)`` features.
    class_counts : array-like of shape (n_classes,), default=None
        Training examples per class, for the ``n_train`` column's groups;
        by default the network's ``class_counts_`` when there is one, else
        the counts in ``y``.
    many_threshold, few_threshold : int, default=100, 20
        Class-size thresholds of the many/medium/few-shot ``group`` column.
    as_frame : bool, default=False
        Return a pandas ``DataFrame`` (needs pandas) rather than a dict of
        columns.

    Returns
    -------
    table : Bunch or pandas.DataFrame
        One row per class of ``classes_`` (columns of equal length; a Bunch
        is a dict, so ``pandas.DataFrame(table)`` works too), the columns of
        :data:`DEVIATION_COLUMNS`. ``n_train`` is the class size (``class_counts``);
        values of a class without training or held-out examples are ``nan``.

    Raises
    ------
    ValueError
        If ``y`` or ``y_eval`` has labels the estimator was not fitted on,
        or the network's module has no ``features(x)``.
    TypeError
        If the estimator has no ``decision_function``.

    Notes
    -----
    The paper (its Figure 1) shows per-class training and test accuracy and
    a t-SNE map of training and test penultimate features (see
    :func:`plot_feature_embedding`); its abstract states the mechanism in
    terms of decision values. The numerical measures of deviation here
    (mean shift in units of spread, cosine to the training mean) are this
    library's choices: the paper's exact quantities could not be confirmed.
    For two classes, scikit-learn's single score ``s`` (class 1 against
    class 0) becomes the scores ``(-s/2, s/2)``, so margins are exact and
    a true-class value is half its margin; a skimbal network's own two
    logits are used as they are.

    See Also
    --------
    plot_feature_deviation : Plot its table.
    skimbal.callbacks.FeatureDeviation : The same measures over training.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.inspection import feature_deviation
    >>> X, y = make_classification(400, n_classes=3, n_informative=4,
    ...                            weights=[0.8, 0.15], random_state=0)
    >>> clf = ImbalancedNetClassifier(max_epochs=3, random_state=0).fit(X[:300], y[:300])
    >>> table = feature_deviation(clf, X[:300], y[:300], X[300:], y[300:])
    >>> table["n_train"].tolist(), len(table["feature_shift"])
    ([243, 44, 13], 3)
    """
    check_is_fitted(estimator)
    if not callable(getattr(estimator, "decision_function", None)):
        raise TypeError(
            "Feature deviation reads decision values: the estimator needs a "
            f"decision_function; {type(estimator).__name__} has none."
        )
    classes = estimator.classes_
    codes, eval_codes = _codes(classes, y, y_eval)
    feature_map, network = _feature_map(estimator, features)
    if class_counts is None:
        class_counts = getattr(network, "class_counts_", None)
    table = deviation_columns(
        feature_map(X), _decision_values(estimator, X, network), codes,
        feature_map(X_eval), _decision_values(estimator, X_eval, network), eval_codes,
        n_classes=len(classes), class_counts=class_counts,
        many_threshold=many_threshold, few_threshold=few_threshold)
    table["class"] = np.asarray(classes)
    table = Bunch(**{name: table[name] for name in COLUMNS})
    if as_frame:
        import pandas as pd

        return pd.DataFrame(table)
    return table


def deviation_columns(features, scores, codes, eval_features, eval_scores, eval_codes, *,
                      n_classes, class_counts=None, many_threshold=100, few_threshold=20):
    """The per-class columns of :func:`feature_deviation`, from arrays.

    The kernel of :func:`feature_deviation` and of
    :class:`~skimbal.callbacks.FeatureDeviation`, for code that already
    holds features, decision values and class codes.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features)
        Training features.
    scores : array-like of shape (n_samples, n_classes)
        Training decision values, one column per class.
    codes : array-like of shape (n_samples,), int
        Training class codes ``0..n_classes-1``.
    eval_features, eval_scores, eval_codes
        The same for the held-out examples.
    n_classes : int
        Number of classes.
    class_counts : array-like of shape (n_classes,), default=None
        Class sizes for ``n_train`` and the groups (default: the counts of
        ``codes``).
    many_threshold, few_threshold : int, default=100, 20
        Group thresholds.

    Returns
    -------
    columns : dict of ndarray
        The columns of :data:`DEVIATION_COLUMNS` except ``class``.

    See Also
    --------
    feature_deviation : The table whose columns it lists.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.inspection import deviation_columns
    >>> f = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 4.0]])
    >>> z = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 3.0]])
    >>> c = np.array([0, 0, 1, 1])
    >>> cols = deviation_columns(f, z, c, f + [1.0, 0.0], z, c, n_classes=2)
    >>> np.round(cols["feature_shift"], 3).tolist(), cols["train_margin"].tolist()
    ([0.707, 0.707], [1.5, 1.5])
    """
    features, eval_features = _as_2d(features), _as_2d(eval_features)
    scores = np.asarray(scores, dtype=np.float64)
    eval_scores = np.asarray(eval_scores, dtype=np.float64)
    codes, eval_codes = np.asarray(codes), np.asarray(eval_codes)
    for name, s in (("scores", scores), ("eval_scores", eval_scores)):
        if s.ndim != 2 or s.shape[1] != n_classes:
            raise ValueError(
                f"{name} must have one column per class ({n_classes}); got shape {s.shape}.")
    n_train = np.bincount(codes, minlength=n_classes)
    n_eval = np.bincount(eval_codes, minlength=n_classes)
    if class_counts is None:
        class_counts = n_train
    class_counts = np.asarray(class_counts)
    train, held = _decision_stats(scores, codes, n_classes), \
        _decision_stats(eval_scores, eval_codes, n_classes)
    columns = {
        "n_train": class_counts.astype(np.int64), "n_eval": n_eval,
        "group": shot_groups(class_counts, many_threshold=many_threshold,
                             few_threshold=few_threshold),
    }
    for prefix, stats in (("train", train), ("eval", held)):
        for name, values in stats.items():
            columns[f"{prefix}_{name}"] = values
    columns["logit_drop"] = columns["train_logit"] - columns["eval_logit"]
    columns["margin_drop"] = columns["train_margin"] - columns["eval_margin"]
    columns.update(_feature_stats(features, codes, eval_features, eval_codes, n_classes))
    with np.errstate(divide="ignore", invalid="ignore"):
        sampling = np.sqrt(1 / n_train + 1 / n_eval)
    columns["shift_sampling"] = np.where((n_train > 1) & (n_eval > 0), sampling, np.nan)
    return columns


def _codes(classes, y, y_eval):
    """Class codes of the training and held-out labels, unknown labels refused."""
    message = ("{name} has labels {{unknown}} that the estimator was not fitted on "
               "(classes {{classes}}).")
    return (encode_labels(y, classes, message=message.format(name="y")),
            encode_labels(y_eval, classes, message=message.format(name="y_eval")))


def _as_2d(features):
    features = np.asarray(features, dtype=np.float64)
    return features.reshape(len(features), -1)


def _class_means(values, codes, n_classes):
    """Per-class mean of ``values`` (rows), ``nan`` for a class without rows."""
    sums = np.zeros((n_classes,) + values.shape[1:])
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_classes).reshape((-1,) + (1,) * (values.ndim - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _decision_stats(scores, codes, n_classes):
    """True-class value, margin and accuracy per class: means and spreads."""
    rows = np.arange(len(codes))
    true = scores[rows, codes]
    others = scores.copy()
    others[rows, codes] = -np.inf
    margin = true - others.max(axis=1) if scores.shape[1] > 1 else np.full(len(codes), np.nan)
    correct = (scores.argmax(axis=1) == codes).astype(np.float64)
    stats = {"accuracy": _class_means(correct, codes, n_classes)}
    for name, values in (("logit", true), ("margin", margin)):
        mean = _class_means(values, codes, n_classes)
        stats[name] = mean
        stats[f"{name}_std"] = np.sqrt(_class_means(
            (values - np.nan_to_num(mean)[codes]) ** 2, codes, n_classes))
    return {name: stats[name] for name in (
        "accuracy", "logit", "logit_std", "margin", "margin_std")}


def _feature_stats(features, codes, eval_features, eval_codes, n_classes):
    """Shift of the held-out class means, spreads, cosines to the training means."""
    if features.shape[1] != eval_features.shape[1]:
        raise ValueError(
            f"The training features have {features.shape[1]} dimensions but the "
            f"held-out features {eval_features.shape[1]}.")
    means = _class_means(features, codes, n_classes)
    eval_means = _class_means(eval_features, eval_codes, n_classes)
    spread = _spread(features, codes, means, n_classes)
    eval_spread = _spread(eval_features, eval_codes, eval_means, n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.linalg.norm(eval_means - means, axis=1) / spread
        ratio = eval_spread / spread
    stats = {"feature_shift": np.where(spread > 0, shift, np.nan),
             "spread_ratio": np.where(spread > 0, ratio, np.nan)}
    unit_means = means / np.linalg.norm(means, axis=1, keepdims=True)
    for prefix, f, c in (("train", features, codes), ("eval", eval_features, eval_codes)):
        norms = np.linalg.norm(f, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = (f * unit_means[c]).sum(axis=1) / norms
        stats[f"{prefix}_cosine"] = _class_means(cosine, c, n_classes)
        stats[f"{prefix}_norm"] = _class_means(norms, c, n_classes)
    return {name: stats[name] for name in (
        "feature_shift", "spread_ratio", "train_cosine", "eval_cosine",
        "train_norm", "eval_norm")}


def _spread(features, codes, means, n_classes):
    """Per class, the root of the summed per-dimension variance (``ddof=1``)."""
    squares = np.zeros(n_classes)
    np.add.at(squares, codes, ((features - np.nan_to_num(means)[codes]) ** 2).sum(axis=1))
    counts = np.bincount(codes, minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 1, np.sqrt(squares / (counts - 1)), np.nan)


def _is_network(estimator):
    """A fitted skimbal network estimator (duck-typed: below its floor)."""
    return hasattr(estimator, "net_") and callable(getattr(estimator, "forward", None))


def _inner(estimator):
    """The fitted estimator a known wrapper holds, or None."""
    for name in ("best_estimator_", "estimator_"):
        inner = getattr(estimator, name, None)
        if inner is not None and hasattr(inner, "classes_"):
            return inner
    if type(estimator).__name__ == "FrozenEstimator":
        return estimator.estimator
    return None


def _unwrap(estimator):
    """The transforms before the final classifier, and that classifier."""
    transforms = []
    while True:
        if hasattr(estimator, "steps") and len(estimator.steps) > 1:
            transforms.append(estimator[:-1])
            estimator = estimator[-1]
        elif hasattr(estimator, "steps"):
            estimator = estimator[-1]
        elif _is_network(estimator) or _inner(estimator) is None:
            return transforms, estimator
        else:
            estimator = _inner(estimator)


def _apply(transforms, X):
    """The pipelines' earlier steps on ``X``, as at predict time (samplers pass)."""
    for pipeline in transforms:
        for _, step in pipeline.steps:
            if step is None or step == "passthrough" or (
                    hasattr(step, "fit_resample") and not hasattr(step, "transform")):
                continue
            X = step.transform(X)
    return X


def _feature_map(estimator, features):
    """A function ``X -> features`` and the skimbal network inside, if any."""
    transforms, final = _unwrap(estimator)
    network = final if _is_network(final) else None
    if callable(features):
        return (lambda X: _as_2d(features(X))), network
    if features not in ("auto", "input"):
        raise ValueError(f"features must be 'auto', 'input' or a callable; got {features!r}.")
    if features == "input" or network is None:
        return (lambda X: _as_2d(_apply(transforms, X))), network
    module = network.net_.module_
    if not callable(getattr(module, "features", None)):
        raise ValueError(
            "Feature deviation needs the network's penultimate features: a module with "
            f"a features(x) method, which {type(module).__name__} does not have. Pass "
            "features='input' or a callable to measure another feature space."
        )
    return (lambda X: network.forward(_apply(transforms, X), "features")), network


def _decision_values(estimator, X, network):
    """One score per class: the estimator's decision values."""
    if network is estimator:  # the network's own logits, also for two classes
        return np.asarray(network.forward(X), dtype=np.float64)
    scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:
        return np.column_stack([-scores / 2, scores / 2])
    return scores
