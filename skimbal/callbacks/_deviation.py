"""A callback that follows feature deviation over training."""

import numpy as np
import torch
from skorch.callbacks import Callback

from ..inspection import deviation_columns
from ..utils import encode_labels
from ._progress import _inputs_targets, _record_epoch

#: Per-class history keys; ``eval`` stands for the callback's ``eval_name``.
_KEYS = {
    "train_logit": "train_logit", "train_margin": "train_margin",
    "train_cosine": "train_cosine", "eval_logit": "{name}_logit",
    "eval_margin": "{name}_margin", "eval_cosine": "{name}_cosine",
    "feature_shift": "{name}_feature_shift", "spread_ratio": "{name}_spread_ratio",
}


class FeatureDeviation(Callback):
    """Record per-class feature deviation and decision values every N epochs.

    At the end of a recorded epoch the network computes, in evaluation mode
    (no augmentation or feature weakening), the penultimate features of its
    training data and of a held-out ``eval_set`` and, from them, the logits
    of its ``classifier`` head, and the
    history gets, per class in the order of ``classes_`` (lists, as
    :class:`PerClassAccuracy` records), the quantities of
    :func:`~skimbal.inspection.feature_deviation`:

    - ``train_logit``, ``<eval_name>_logit``: mean true-class logit;
    - ``train_margin``, ``<eval_name>_margin``: mean margin to the best
      other class;
    - ``train_cosine``, ``<eval_name>_cosine``: mean cosine to the class's
      training feature mean;
    - ``<eval_name>_feature_shift``: distance between the held-out and
      training feature means in units of the training spread;
    - ``<eval_name>_spread_ratio``: held-out over training feature spread.

    Draw them with :func:`~skimbal.inspection.plot_deviation_history` (or
    any per-class key with :func:`~skimbal.inspection.plot_class_curves`),
    next to per-class accuracy and feature-gradient norms.

    Parameters
    ----------
    eval_set : tuple (X, y)
        Held-out data, labels as given to ``fit``, inputs as the network
        takes them.
    eval_name : str, default="eval"
        History prefix of ``eval_set``.
    every : int, default=1
        Record every ``every`` epochs (and always the first and the last).

    Attributes
    ----------
    eval_codes_ : ndarray of shape (n_eval,)
        The evaluation labels as the network's class codes, set when training starts.

    See Also
    --------
    skimbal.inspection.feature_deviation : The same measures on any data, once.
    skimbal.inspection.plot_deviation_history : Plot the recorded history.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import FeatureDeviation
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> deviation = FeatureDeviation(eval_set=(X[200:], y[200:]), every=2)
    >>> clf = ImbalancedNetClassifier(max_epochs=3, random_state=0,
    ...                               callbacks=[deviation]).fit(X[:200], y[:200])
    >>> len(clf.net_.history[-1, "eval_feature_shift"])
    2
    """

    def __init__(self, eval_set, eval_name="eval", every=1):
        self.eval_set = eval_set
        self.eval_name = eval_name
        self.every = every

    def on_train_begin(self, net, **kwargs):
        module = net.module_
        if not callable(getattr(module, "features", None)) or \
                not callable(getattr(module, "classifier", None)):
            raise ValueError(
                "FeatureDeviation needs a module with a features(x) method and a "
                f"`classifier` head; {type(module).__name__} has none."
            )
        if not (isinstance(self.eval_set, (tuple, list)) and len(self.eval_set) == 2):
            raise ValueError("eval_set must be a pair (X, y) of held-out data.")
        self.eval_codes_ = encode_labels(self.eval_set[1], net.class_labels, message=(
            "eval_set has labels {unknown} that the estimator was not fitted on "
            "(classes {classes})."))

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if not _record_epoch(net, self.every):
            return
        X, codes = _inputs_targets(dataset_train)
        columns = deviation_columns(
            *_features_and_logits(net, X), codes.astype(np.int64),
            *_features_and_logits(net, self.eval_set[0]), self.eval_codes_,
            n_classes=len(net.classes_))
        for column, key in _KEYS.items():
            net.history.record(key.format(name=self.eval_name),
                               np.asarray(columns[column], dtype=float).tolist())


def _features_and_logits(net, X):
    """Penultimate features and logits in one pass: the head on the features."""
    features = net.features(X)  # evaluation mode
    with torch.inference_mode(), net.autocast():
        logits = net.module_.classifier(features.to(net.device))
    return features.numpy(), logits.float().cpu().numpy()
