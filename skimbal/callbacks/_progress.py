"""Training-progress callbacks: per-class accuracy and feature gradients per epoch."""

from collections.abc import Mapping

import numpy as np
import torch
from skorch.callbacks import Callback

from ..inspection import class_gradient_norms
from ..metrics import per_class_accuracy, shot_groups
from ..utils import encode_labels


def _record_epoch(net, every):
    """Whether this epoch (1-based count in history) is recorded."""
    epoch = len(net.history)
    return (epoch - 1) % every == 0 or epoch == net.max_epochs


def _inputs_targets(dataset):
    X, y = dataset.X, dataset.y
    if isinstance(X, Mapping):
        X = X["X"]
    return X, np.asarray(y)


class PerClassAccuracy(Callback):
    """Record per-class and many/medium/few-shot accuracy every epoch.

    At the end of an epoch the network predicts, in evaluation mode, the
    training data (the data being fitted, without augmentation or feature
    weakening), the validation split when there is one, and an optional
    held-out ``eval_set``. For each set ``<name>`` in ``"train"``,
    ``"valid"`` and ``eval_name`` the history gets ``<name>_class_acc`` (a
    list, one accuracy per class in the order of ``classes_``) and
    ``<name>_many``, ``<name>_medium``, ``<name>_few`` (mean accuracy of the
    classes in each group of training-set size; ``nan`` when a group is
    empty).

    Parameters
    ----------
    eval_set : tuple (X, y), default=None
        Extra held-out data (e.g. a test set, to draw the seed papers'
        train-vs-test pictures), labels as given to ``fit``.
    eval_name : str, default="eval"
        History prefix of ``eval_set``.
    every : int, default=1
        Record every ``every`` epochs (and always the last).
    many_threshold, few_threshold : int, default=100, 20
        Training examples above which a class is "many"-shot, below which it
        is "few"-shot.

    Attributes
    ----------
    groups_ : ndarray of shape (n_classes,)
        Each class's shot group (``'many'``, ``'medium'``, ``'few'``) by its
        training count, set when training starts.
    eval_codes_ : ndarray of shape (n_eval,) or None
        The labels of ``eval_set`` as the network's class codes (None without one).

    See Also
    --------
    FeatureGradientNorms : Per-class feature gradients.
    skimbal.inspection.plot_training_progress : Plot the recorded history.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import PerClassAccuracy
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> clf = ImbalancedNetClassifier(max_epochs=3, random_state=0,
    ...                               callbacks=[PerClassAccuracy()]).fit(X, y)
    >>> len(clf.net_.history[-1, "train_class_acc"])
    2
    """

    def __init__(self, eval_set=None, eval_name="eval", every=1, many_threshold=100,
                 few_threshold=20):
        self.eval_set = eval_set
        self.eval_name = eval_name
        self.every = every
        self.many_threshold = many_threshold
        self.few_threshold = few_threshold

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        codes = np.asarray(y)
        self.groups_ = shot_groups(
            np.bincount(codes, minlength=len(net.classes_)),
            many_threshold=self.many_threshold, few_threshold=self.few_threshold)
        self.eval_codes_ = None
        if self.eval_set is not None:
            self.eval_codes_ = encode_labels(self.eval_set[1], net.class_labels, message=(
                "eval_set has labels {unknown} that the estimator was not fitted on "
                "(classes {classes})."))

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if not _record_epoch(net, self.every):
            return
        sets = [("train", *_inputs_targets(dataset_train))]
        if dataset_valid is not None:
            sets.append(("valid", *_inputs_targets(dataset_valid)))
        if self.eval_set is not None:
            sets.append((self.eval_name, self.eval_set[0], self.eval_codes_))
        labels = np.arange(len(net.classes_))
        for name, X, y in sets:
            pred = net.predict(X)  # class codes, in evaluation mode
            acc = per_class_accuracy(y, pred, labels=labels)
            net.history.record(f"{name}_class_acc", acc.tolist())
            for group in ("many", "medium", "few"):
                members = (self.groups_ == group) & ~np.isnan(acc)
                value = float(acc[members].mean()) if members.any() else float("nan")
                net.history.record(f"{name}_{group}", value)


class FeatureGradientNorms(Callback):
    """Record per-class norms of the feature gradient every epoch.

    ``f_i`` is example ``i``'s penultimate feature (the input of the module's
    ``classifier``). Two sources:

    - ``"clean"`` (history key ``feature_grad_norm``): at the end of an
      epoch, per class, the mean over its training examples of
      ``||d l_i / d f_i||`` in a clean pass (evaluation mode, no augmentation
      or feature weakening; see
      :func:`~skimbal.inspection.feature_gradient_norms`).
    - ``"training"`` (key ``batch_feature_grad_norm``): per class, the mean
      over the epoch's training batches of ``B * ||d L / d f_i||``, the
      gradient the training step itself sends into each example's feature
      (``L`` the batch loss, ``B`` the batch size; for a plain mean this is
      ``d l_i / d f_i``, with class or meta weights it includes them, under
      ``mfw=True`` it is taken at the weakened features).

    The module needs ``features(x)`` and ``classifier``, as every built-in
    has.

    Parameters
    ----------
    every : int, default=1
        Record every ``every`` epochs (and always the last); ``"training"``
        averages over the recorded epoch only.
    source : {"clean", "training"}, default="clean"
        Which gradient to record.
    batch_size : int, default=512
        Examples per forward pass of the clean pass.

    See Also
    --------
    skimbal.inspection.plot_training_progress : Plots what it records.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.callbacks import FeatureGradientNorms
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=4, random_state=0,
    ...                               callbacks=[FeatureGradientNorms(every=2)])
    >>> history = net.fit(X.astype(np.float32), y).net_.history
    >>> ["feature_grad_norm" in row for row in history]  # epochs 1 and 3, and the last
    [True, False, True, True]
    >>> len(history[-1, "feature_grad_norm"])  # one norm per class
    2
    """

    def __init__(self, every=1, source="clean", batch_size=512):
        self.every = every
        self.source = source
        self.batch_size = batch_size

    def initialize(self):
        if self.source not in ("clean", "training"):
            raise ValueError(f"source must be 'clean' or 'training'; got {self.source!r}.")
        self._handle = None
        self._watch = False
        self._grad = None
        return self

    def on_train_begin(self, net, **kwargs):
        if self.source == "training":
            head = getattr(net.module_, "classifier", None)
            if not isinstance(head, torch.nn.Module):
                raise ValueError(
                    "Feature gradients need a module with a `classifier` head; "
                    f"{type(net.module_).__name__} has none.")
            self._handle = head.register_forward_pre_hook(self._capture)
            self._sums = np.zeros(len(net.classes_))
            self._counts = np.zeros(len(net.classes_))

    def _capture(self, module, args):
        feature = args[0]
        # the step's own forward pass, not a meta re-weighter's look-ahead
        if module.training and feature.requires_grad and self._watch:
            self._watch = False
            feature.register_hook(self._store)

    def _store(self, grad):
        self._grad = grad.detach()

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        self._watch = training and self._handle is not None
        self._grad = None

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training and self._handle is not None and self._grad is not None:
            grad = self._grad.flatten(1)
            norms = (len(grad) * grad.norm(dim=1)).cpu().double().numpy()
            y = np.asarray(batch[1])
            np.add.at(self._sums, y, norms)
            np.add.at(self._counts, y, 1)
        self._grad = None

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if self.source == "training":
            if _record_epoch(net, self.every):
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = np.where(self._counts > 0, self._sums / self._counts, np.nan)
                net.history.record("batch_feature_grad_norm", means.tolist())
            self._sums[:] = 0
            self._counts[:] = 0
            return
        if not _record_epoch(net, self.every):
            return
        X, y = _inputs_targets(dataset_train)
        norms = class_gradient_norms(net, X, y.astype(np.int64), batch_size=self.batch_size)
        net.history.record("feature_grad_norm", norms.tolist())

    def on_train_end(self, net, **kwargs):
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
