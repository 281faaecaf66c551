"""ImbalancedNetClassifier: class-imbalance methods as estimator parameters."""

import copy
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from skorch.callbacks import EpochScoring
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from .._augment import BatchAugmenter
from ..callbacks import DeferredReweighting, SamplerEpoch, warmup_multistep_scheduler
from ..losses import (
    BalancedSoftmaxLoss,
    CDTLoss,
    CrossEntropyLoss,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    VSLoss,
)
from ..modules import MLP, CosineClassifier, resnet8, resnet20, resnet32
from ..sampling import ImbalancedSampler, compute_class_weight
from ..strategies import (
    FeatureWeakening,
    L2RWReweighter,
    MetaClassReweighter,
    MetaWeightNetReweighter,
)
from ..utils import check_inputs
from ..utils._validation import _py
from ._net import _ImbalancedNet

_MODULES = {"resnet8": resnet8, "resnet20": resnet20, "resnet32": resnet32, "mlp": MLP}
_LOSSES = {"ce", "focal", "ldam", "cdt", "logit_adjusted", "balanced_softmax", "vs"}
_SAMPLERS = {"class_balanced", "sqrt", "progressive"}
_REWEIGHTS = {"meta", "l2rw", "meta_weight_net"}


class ImbalancedNetClassifier(ClassifierMixin, TransformerMixin, BaseEstimator):
    """A PyTorch network classifier with class-imbalance methods as parameters.

    A scikit-learn classifier that builds and trains a skorch net (``net_``)
    in ``fit``. Losses, class weights, class-aware samplers and deferred
    schedules from the long-tailed literature are parameters, so they can be
    compared in ``GridSearchCV``. Inference is one clean path: the network's
    logits with no margin, temperature or log-prior; only post-hoc steps that
    a user adds change the scores.

    Parameters
    ----------
    module : {"auto", "resnet8", "resnet20", "resnet32", "mlp"}, nn.Module \
class or instance, default="auto"
        The network. ``"auto"`` is ResNet-32 for images and an MLP for tabular
        data. The ResNets are CIFAR-style, for any number of channels and any
        image size. A class is instantiated with ``module_params``, plus
        ``n_classes``, ``in_channels`` and ``n_features`` where its signature
        takes them. An instance is deep-copied in ``fit``. ``loss="ldam"``
        needs a module with a ``features(x)`` method and an ``nn.Linear``
        ``classifier`` attribute (replaced by a cosine head).
    module_params : dict, default=None
        Keyword arguments of the module, e.g. ``{"hidden_layer_sizes": (64,)}``
        for the MLP.
    loss : {"ce", "focal", "ldam", "cdt", "logit_adjusted", "balanced_softmax", \
"vs"}, default="ce"
        Training loss: cross-entropy (ERM), focal (Lin et al. 2017), LDAM
        (Cao et al. 2019), class-dependent temperatures (Ye et al. 2020),
        logit adjustment (Menon et al. 2021), balanced softmax (Ren et al.
        2020) or vector scaling (Kini et al. 2021).
    focal_gamma : float, default=1.0
        Focusing parameter of ``loss="focal"``.
    ldam_max_margin : float, default=0.5
        Margin of the rarest class for ``loss="ldam"``.
    ldam_scale : float, default=30.0
        Scale ``s`` of the cosine head used with ``loss="ldam"``.
    cdt_gamma : float, default=0.2
        Temperature exponent of ``loss="cdt"``.
    la_tau : float, default=1.0
        Strength of ``loss="logit_adjusted"``.
    vs_gamma : float, default=0.2
        Multiplicative exponent of ``loss="vs"``.
    vs_tau : float, default=1.2
        Additive (log-prior) strength of ``loss="vs"``.
    class_weight : {"balanced", "effective_number"}, dict or None, default=None
        Class weights in the loss (a weighted mean, see Notes). With
        ``schedule="drw"`` they are switched on at the deferral epoch
        (``None`` then means ``"effective_number"``, as in LDAM-DRW).
    beta : float, default=0.9999
        ``beta`` of the effective number of samples (Cui et al. 2019).
    sampler : {"class_balanced", "sqrt", "progressive"} or None, default=None
        Class-aware sampling of training batches (Kang et al. 2020), built in
        ``fit`` from the labels being fitted. With ``schedule="drs"`` it
        starts at the deferral epoch (``None`` then means
        ``"class_balanced"``).
    schedule : {"drw", "drs"} or None, default=None
        Deferred re-weighting or re-sampling (Cao et al. 2019): plain
        training until ``defer_frac`` of ``max_epochs``, then the weights or
        the sampler.
    defer_frac : float, default=0.8
        Fraction of training before the deferred switch (160 of 200 epochs,
        the first learning-rate decay of the default recipe).
    mfw : bool, default=False
        Major feature weakening (Ye et al. 2021, "Procrustean training"): in
        each training batch, features of examples of large classes are mixed
        with the features of other examples of the batch, so the network
        cannot fit the major classes first. The ``mfw_*`` parameters set each
        choice the paper leaves open (see
        :class:`~skimbal.strategies.FeatureWeakening`); the module must expose
        the mixing point.
    mfw_layer : str, default="random"
        Where features are mixed: ``"random"`` (per batch, one of the
        module's ``mixing_points``, for the ResNets the outputs of the three
        stages), ``"penultimate"`` (the input of ``classifier``) or a
        submodule name.
    mfw_alpha : float, default=1.0
        The mixing weight is drawn from ``Beta(mfw_alpha, mfw_alpha)``.
    mfw_strength : float, default=1.0
        Chance that an example of the largest class is weakened in a batch.
    mfw_power : float, default=1.0
        A class of ``n_c`` examples is weakened with probability
        ``mfw_strength * (n_c / n_max) ** mfw_power``.
    mfw_dominant : bool, default=True
        Keep the weakened example's own share of its features at least 1/2.
    mfw_keep_label : bool, default=True
        Train weakened examples on their own labels; ``False`` mixes labels
        too, as manifold mixup does.
    mfw_stop_frac : float or None, default=None
        Fraction of training after which weakening stops (``None``: it runs
        throughout).
    reweight : {"meta", "l2rw", "meta_weight_net"} or None, default=None
        Meta-learned example weights from a one-step look-ahead on a balanced
        development set carved from the training data of the fit
        (``meta_dev_size`` examples of each class, removed from training):
        ``"meta"`` is Jamal et al. (2020): class weights (``class_weight``,
        the effective number by default) plus per-example corrections,
        after a plain pre-training stage; ``"l2rw"`` is Ren et al. (2018);
        ``"meta_weight_net"`` is Shu et al. (2019).
    meta_dev_size : int, default=10
        Development examples per class (10 in all three papers).
    meta_start_frac : float or "auto", default="auto"
        Fraction of training before the meta-weighted stage. ``"auto"``:
        ``defer_frac`` for ``"meta"`` (epoch 160 of 200 in the reference),
        0 for ``"l2rw"`` and ``"meta_weight_net"``.
    meta_eps_lr : float, default=0.01
        Step size of the per-example corrections of ``reweight="meta"``.
    meta_net_lr : float, default=1e-5
        Learning rate of the weight net of ``reweight="meta_weight_net"``.
    max_epochs : int, default=200
        Number of training epochs.
    batch_size : int, default=128
        Training batch size.
    lr : float, default=0.1
        Base learning rate of SGD.
    momentum : float, default=0.9
        SGD momentum.
    weight_decay : float, default=2e-4
        SGD weight decay.
    nesterov : bool, default=False
        Whether to use Nesterov momentum.
    lr_schedule : {"warmup_step"} or None, default="warmup_step"
        ``"warmup_step"`` is the literature's recipe (linear warm-up, then
        step decay, at fractions of training; see
        :class:`~skimbal.callbacks.WarmupMultiStep`); ``None`` keeps ``lr``.
    warmup_frac : float, default=0.025
        Fraction of training spent warming up (5 of 200 epochs).
    lr_milestones : tuple of float, default=(0.8, 0.9)
        Fractions of training at which the learning rate decays.
    lr_decay : float, default=0.01
        Factor applied at each milestone.
    augment : "auto", bool or callable, default="auto"
        Batched augmentation of training images. ``"auto"`` and ``True`` use
        :class:`~skimbal.BatchAugmenter` (random crop with 4-pixel padding and
        horizontal flip) for images; ``"auto"`` does nothing for tabular data.
        A callable gets each ``(n, C, H, W)`` float batch in [0, 1] (for
        uint8 input) before standardisation.
    validation_fraction : float or None, default=None
        Fraction of the training data held out (stratified) to record
        validation loss and accuracy in ``net_.history``. ``None`` trains on
        all the data it is given, so ``GridSearchCV`` trains on whole folds.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``.
    verbose : int, default=0
        Print a line per epoch when positive.
    transform_to : {"logits", "features"}, default="logits"
        What :meth:`transform` returns: the clean logits, so that a
        post-hoc calibrator from :mod:`skimbal.calibration` can follow the
        network in a ``Pipeline``, or the penultimate features
        (``module.features(x)``), so that a classifier re-trained on them
        (cRT, NCM, logistic regression) can.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Added to the net's callbacks, e.g.
        :class:`~skimbal.callbacks.PerClassAccuracy` and
        :class:`~skimbal.callbacks.FeatureGradientNorms`, which record
        training progress in ``net_.history``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, augmentation, sampling,
        feature weakening and the validation and development splits. Two CPU
        fits with the same integer give identical predictions.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the network's outputs.
    class_counts_ : ndarray of shape (n_classes,)
        Training samples per class (after the validation and development
        hold-outs).
    n_features_in_ : int
        Number of features (for images, the product of ``input_shape_``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when fitted on a DataFrame with string column names.
    input_shape_ : tuple of int
        ``(C, H, W)`` of the training images; absent for tabular data.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.history`` holds per-epoch losses (and
        validation scores when ``validation_fraction`` is set).
    module_ : torch.nn.Module
        The trained network (``net_.module_``).

    Notes
    -----
    Class and sample weights enter the loss as a weighted mean,
    ``sum_i v_i l_i / sum_i v_i`` with ``v_i = w_{y_i} * sample_weight_i``
    (PyTorch's semantics; with no weights it is the plain mean).

    Images (3-D or 4-D ``X``) are standardised per channel with statistics
    of the training data; ``uint8`` images are first scaled to [0, 1], batch
    by batch, so a dataset stays in memory as bytes. Tabular data are used
    as given: put a ``StandardScaler`` before the classifier in a
    ``Pipeline``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> clf = ImbalancedNetClassifier(loss="ldam", schedule="drw", max_epochs=5,
    ...                               random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "module": [StrOptions({"auto", *_MODULES}), callable],
        "module_params": [dict, None],
        "loss": [StrOptions(_LOSSES)],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "ldam_max_margin": [Interval(Real, 0, None, closed="neither")],
        "ldam_scale": [Interval(Real, 0, None, closed="neither")],
        "cdt_gamma": [Interval(Real, 0, None, closed="left")],
        "la_tau": [Interval(Real, None, None, closed="neither")],
        "vs_gamma": [Interval(Real, 0, None, closed="left")],
        "vs_tau": [Interval(Real, None, None, closed="neither")],
        "class_weight": [StrOptions({"balanced", "effective_number"}), dict, None],
        "beta": [Interval(Real, 0, 1, closed="left")],
        "sampler": [StrOptions(_SAMPLERS), None],
        "schedule": [StrOptions({"drw", "drs"}), None],
        "defer_frac": [Interval(Real, 0, 1, closed="neither")],
        "mfw": ["boolean"],
        "mfw_layer": [str],
        "mfw_alpha": [Interval(Real, 0, None, closed="neither")],
        "mfw_strength": [Interval(Real, 0, 1, closed="both")],
        "mfw_power": [Interval(Real, 0, None, closed="left")],
        "mfw_dominant": ["boolean"],
        "mfw_keep_label": ["boolean"],
        "mfw_stop_frac": [Interval(Real, 0, 1, closed="right"), None],
        "reweight": [StrOptions(_REWEIGHTS), None],
        "meta_dev_size": [Interval(Integral, 1, None, closed="left")],
        "meta_start_frac": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "meta_eps_lr": [Interval(Real, 0, None, closed="neither")],
        "meta_net_lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "nesterov": ["boolean"],
        "lr_schedule": [StrOptions({"warmup_step"}), None],
        "warmup_frac": [Interval(Real, 0, 1, closed="left")],
        "lr_milestones": [tuple, list],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "augment": [StrOptions({"auto"}), "boolean", callable],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "device": [str],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "transform_to": [StrOptions({"logits", "features"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        module="auto",
        module_params=None,
        loss="ce",
        focal_gamma=1.0,
        ldam_max_margin=0.5,
        ldam_scale=30.0,
        cdt_gamma=0.2,
        la_tau=1.0,
        vs_gamma=0.2,
        vs_tau=1.2,
        class_weight=None,
        beta=0.9999,
        sampler=None,
        schedule=None,
        defer_frac=0.8,
        mfw=False,
        mfw_layer="random",
        mfw_alpha=1.0,
        mfw_strength=1.0,
        mfw_power=1.0,
        mfw_dominant=True,
        mfw_keep_label=True,
        mfw_stop_frac=None,
        reweight=None,
        meta_dev_size=10,
        meta_start_frac="auto",
        meta_eps_lr=0.01,
        meta_net_lr=1e-5,
        max_epochs=200,
        batch_size=128,
        lr=0.1,
        momentum=0.9,
        weight_decay=2e-4,
        nesterov=False,
        lr_schedule="warmup_step",
        warmup_frac=0.025,
        lr_milestones=(0.8, 0.9),
        lr_decay=0.01,
        augment="auto",
        validation_fraction=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        transform_to="logits",
        random_state=None,
    ):
        self.module = module
        self.module_params = module_params
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.ldam_max_margin = ldam_max_margin
        self.ldam_scale = ldam_scale
        self.cdt_gamma = cdt_gamma
        self.la_tau = la_tau
        self.vs_gamma = vs_gamma
        self.vs_tau = vs_tau
        self.class_weight = class_weight
        self.beta = beta
        self.sampler = sampler
        self.schedule = schedule
        self.defer_frac = defer_frac
        self.mfw = mfw
        self.mfw_layer = mfw_layer
        self.mfw_alpha = mfw_alpha
        self.mfw_strength = mfw_strength
        self.mfw_power = mfw_power
        self.mfw_dominant = mfw_dominant
        self.mfw_keep_label = mfw_keep_label
        self.mfw_stop_frac = mfw_stop_frac
        self.reweight = reweight
        self.meta_dev_size = meta_dev_size
        self.meta_start_frac = meta_start_frac
        self.meta_eps_lr = meta_eps_lr
        self.meta_net_lr = meta_net_lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.lr_schedule = lr_schedule
        self.warmup_frac = warmup_frac
        self.lr_milestones = lr_milestones
        self.lr_decay = lr_decay
        self.augment = augment
        self.validation_fraction = validation_fraction
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.transform_to = transform_to
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Tabular data, or images (``uint8`` or float).
        y : array-like of shape (n_samples,)
            Class labels, of any hashable type.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights in the loss.

        Returns
        -------
        self : ImbalancedNetClassifier
            The fitted estimator.
        """
        X, y = check_inputs(self, X, y, reset=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {_py(self.classes_[0])!r}."
            )
        y_codes = encoder.transform(y).astype(np.int64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        images = X.ndim == 4
        self._check_options(images)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))

        X_tr, y_tr, w_tr, valid = self._split(X, y_codes, sample_weight, seed)
        X_tr, y_tr, w_tr, dev = self._split_dev(X_tr, y_tr, w_tr, seed)
        n_classes = len(self.classes_)
        self.class_counts_ = np.bincount(y_tr, minlength=n_classes)
        defer_epoch = self._defer_epoch()

        with torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(seed)
            module = self._build_module(n_classes, X.shape, images)
            criterion, callbacks, sampler = self._build_method(y_tr, defer_epoch)
            callbacks += list(self.callbacks or [])
            iterator_kwargs = (
                {"iterator_train__sampler": sampler, "iterator_train__shuffle": False}
                if sampler is not None
                else {"iterator_train__shuffle": True}
            )
            if len(y_tr) % self.batch_size == 1 and len(y_tr) > 1:
                # A last batch of one example would normalise batch norm with its
                # own statistics (and feed them to the running averages): drop it.
                iterator_kwargs["iterator_train__drop_last"] = True
            mean, std = _channel_stats(X_tr) if images else (None, None)
            self.net_ = _ImbalancedNet(
                module=module,
                criterion=criterion,
                optimizer=torch.optim.SGD,
                lr=self.lr,
                optimizer__momentum=self.momentum,
                optimizer__weight_decay=self.weight_decay,
                optimizer__nesterov=self.nesterov,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                iterator_valid__batch_size=max(self.batch_size, 256),
                train_split=None if valid is None else predefined_split(valid),
                classes=np.arange(n_classes),
                callbacks=callbacks,
                device=self.device,
                verbose=self.verbose,
                augmenter=self._augmenter(images),
                input_mean=mean,
                input_std=std,
                channels_last=images,
                class_labels=self.classes_,
                **self._build_strategies(dev),
                **iterator_kwargs,
            )
            X_in = X_tr if w_tr is None else {"X": X_tr, "sample_weight": w_tr}
            self.net_.fit(X_in, y_tr)
        return self

    def _rng_devices(self):
        device = torch.device(self.device)
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(f"device={self.device!r}, but CUDA is not available.")
            return [device.index if device.index is not None else torch.cuda.current_device()]
        return []

    def _check_options(self, images):
        if self.sampler == "progressive" and self.schedule == "drs":
            raise ValueError(
                "sampler='progressive' is already a schedule and cannot be combined "
                "with schedule='drs'; use one of them."
            )
        if not images and (self.augment is True or callable(self.augment)):
            raise ValueError(
                f"augment={self.augment!r} augments images, but X is tabular (2-D); "
                "use augment='auto' or False."
            )
        self._check_strategies()
        if self.schedule is not None and self._defer_epoch() >= self.max_epochs:
            raise ValueError(
                f"schedule={self.schedule!r} switches at epoch "
                f"round(defer_frac * max_epochs) = {self._defer_epoch()}, "
                f"which max_epochs={self.max_epochs} never reaches; raise max_epochs "
                "or lower defer_frac."
            )

    def _check_strategies(self):
        if self.reweight is None:
            return
        if self.mfw:
            raise ValueError(
                f"mfw=True cannot be combined with reweight={self.reweight!r}: the "
                "look-ahead of meta re-weighting would have to replay the random "
                "feature mixing. Use one of them."
            )
        if self.schedule is not None:
            raise ValueError(
                f"reweight={self.reweight!r} sets its own example weights and stage; "
                f"it cannot be combined with schedule={self.schedule!r}."
            )
        if self.reweight != "meta" and self.class_weight is not None:
            raise ValueError(
                f"reweight={self.reweight!r} learns the example weights itself; "
                f"class_weight={self.class_weight!r} is only used with "
                "reweight='meta' (as its class weights w_y). Set class_weight=None."
            )

    def _meta_start_epoch(self):
        if self.meta_start_frac == "auto":
            return self._defer_epoch() if self.reweight == "meta" else 0
        return self._epoch_at(self.meta_start_frac)

    def _split_dev(self, X, y, sample_weight, seed):
        """Carve the balanced development set of meta re-weighting."""
        if self.reweight is None:
            return X, y, sample_weight, None
        counts = np.bincount(y, minlength=len(self.classes_))
        short = np.flatnonzero(counts <= self.meta_dev_size)
        if len(short):
            c = short[0]
            raise ValueError(
                f"reweight={self.reweight!r} holds out meta_dev_size="
                f"{self.meta_dev_size} examples of each class as its balanced "
                f"development set and needs at least one more to train on, but "
                f"class {_py(self.classes_[c])!r} has {counts[c]} training "
                f"examples. Lower meta_dev_size (below {counts.min()})."
            )
        rng = np.random.RandomState(seed)
        dev = np.concatenate([
            rng.choice(np.flatnonzero(y == c), self.meta_dev_size, replace=False)
            for c in range(len(counts))
        ])
        keep = np.setdiff1d(np.arange(len(y)), dev)
        w = None if sample_weight is None else sample_weight[keep]
        return X[keep], y[keep], w, (X[dev], y[dev])

    def _build_strategies(self, dev):
        """Keyword arguments of the net for feature weakening and re-weighting."""
        kwargs = {}
        if self.mfw:
            kwargs["weakening"] = FeatureWeakening(
                self.class_counts_, layer=self.mfw_layer, alpha=self.mfw_alpha,
                strength=self.mfw_strength, power=self.mfw_power,
                dominant=self.mfw_dominant, keep_label=self.mfw_keep_label)
            if self.mfw_stop_frac is not None:
                kwargs["weakening_stop_epoch"] = self._epoch_at(self.mfw_stop_frac)
        if self.reweight is not None:
            dev_kwargs = {"X_dev": dev[0], "y_dev": dev[1],
                          "start_epoch": self._meta_start_epoch(),
                          "dev_batch_size": self.batch_size}
            if self.reweight == "meta":
                kwargs["reweighter"] = MetaClassReweighter(
                    self._class_weights(), eps_lr=self.meta_eps_lr, **dev_kwargs)
            elif self.reweight == "l2rw":
                kwargs["reweighter"] = L2RWReweighter(**dev_kwargs)
            else:
                kwargs["reweighter"] = MetaWeightNetReweighter(
                    net_lr=self.meta_net_lr, **dev_kwargs)
        return kwargs

    def _epoch_at(self, frac):
        """First (0-based) epoch after ``frac`` of training."""
        return int(round(frac * self.max_epochs))

    def _defer_epoch(self):
        """First (0-based) epoch of the deferred schedule."""
        return self._epoch_at(self.defer_frac)

    def _deferred_weights(self):
        """Whether class weights wait for a later stage (DRW, meta's stage)."""
        return self.schedule == "drw" or self.reweight == "meta"

    def _class_weights(self):
        """Class weights of the method, or None.

        Deferred weights (DRW, meta re-weighting) default to the effective
        number, as in LDAM-DRW and Jamal et al.
        """
        spec = self.class_weight
        if spec is None and self._deferred_weights():
            spec = "effective_number"
        if spec is None:
            return None
        return compute_class_weight(spec, self.class_counts_, classes=self.classes_,
                                    beta=self.beta)

    def _split(self, X, y, sample_weight, seed):
        """Hold out a stratified validation set if asked to."""
        if self.validation_fraction is None:
            return X, y, sample_weight, None
        arrays = [X, y] + ([sample_weight] if sample_weight is not None else [])
        try:
            parts = train_test_split(
                *arrays, test_size=self.validation_fraction, stratify=y,
                random_state=seed,
            )
        except ValueError as exc:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot hold out a "
                f"stratified validation set from these classes: {exc}"
            ) from exc
        X_tr, X_va, y_tr, y_va = parts[:4]
        w_tr = parts[4] if sample_weight is not None else None
        return X_tr, y_tr, w_tr, Dataset(X_va, y_va)

    def _augmenter(self, images):
        if not images or self.augment is False:
            return None
        if self.augment in ("auto", True):
            return BatchAugmenter()
        return self.augment

    def _build_module(self, n_classes, shape, images):
        module = self.module
        if isinstance(module, str) and module == "auto":
            module = "resnet32" if images else "mlp"
        params = dict(self.module_params or {})
        if isinstance(module, str):
            if module.startswith("resnet"):
                if not images:
                    raise ValueError(
                        f"module={module!r} needs images, X of shape (n, H, W) or "
                        f"(n, C, H, W); got tabular X of shape {shape}. Use "
                        "module='mlp' for tabular data."
                    )
                net = _MODULES[module](n_classes, in_channels=shape[1], **params)
            else:
                net = MLP(int(np.prod(shape[1:])), n_classes, **params)
        elif isinstance(module, nn.Module):
            if params:
                raise ValueError(
                    "module_params is for a module name or class; module is an "
                    "instance, configure it before passing it."
                )
            net = copy.deepcopy(module)
        elif isinstance(module, type) and issubclass(module, nn.Module):
            accepted = inspect.signature(module).parameters
            known = {"n_classes": n_classes, "in_channels": shape[1] if images else None,
                     "n_features": int(np.prod(shape[1:]))}
            for name, value in known.items():
                if name in accepted and name not in params and value is not None:
                    params[name] = value
            net = module(**params)
        else:
            raise ValueError(
                "module must be 'auto', a built-in name, an nn.Module class or an "
                f"nn.Module instance; got {module!r}."
            )
        if self.loss == "ldam":
            net = self._with_cosine_head(net)
        return net

    def _with_cosine_head(self, net):
        head = getattr(net, "classifier", None)
        if not isinstance(head, nn.Linear) or not callable(getattr(net, "features", None)):
            raise ValueError(
                "loss='ldam' needs a module with a features(x) method and an "
                "nn.Linear attribute `classifier`, which is replaced by a cosine "
                f"head; {type(net).__name__} has no such head."
            )
        net.classifier = CosineClassifier(head.in_features, head.out_features, self.ldam_scale)
        return net

    def _build_method(self, y_train, defer_epoch):
        """Criterion, callbacks and sampler of the chosen method."""
        counts = self.class_counts_
        class_w = self._class_weights()
        criterion = self._build_criterion(
            counts, None if self._deferred_weights() else class_w)
        callbacks = []
        if self.lr_schedule == "warmup_step":
            callbacks.append(("lr_schedule", warmup_multistep_scheduler(
                self.max_epochs, self.warmup_frac, self.lr_milestones, self.lr_decay)))
        if self.schedule == "drw":
            callbacks.append(("drw", DeferredReweighting(class_w, defer_epoch)))
        sampler_spec = self.sampler
        if self.schedule == "drs" and sampler_spec is None:
            sampler_spec = "class_balanced"
        sampler = None
        if sampler_spec is not None:
            sampler = ImbalancedSampler(
                y_train, sampler_spec, n_classes=len(counts),
                start_epoch=defer_epoch if self.schedule == "drs" else 0,
                max_epochs=self.max_epochs,
            )
            callbacks.append(("sampler_epoch", SamplerEpoch(sampler)))
        if self.validation_fraction is not None:
            callbacks.append(("valid_bacc", EpochScoring(
                "balanced_accuracy", lower_is_better=False, name="valid_bacc")))
        return criterion, callbacks, sampler

    def _build_criterion(self, counts, weight):
        if self.loss == "ce":
            return CrossEntropyLoss(counts, weight=weight)
        if self.loss == "focal":
            return FocalLoss(self.focal_gamma, counts, weight=weight)
        if self.loss == "ldam":
            return LDAMLoss(counts, self.ldam_max_margin, self.ldam_scale, weight=weight)
        if self.loss == "cdt":
            return CDTLoss(counts, self.cdt_gamma, weight=weight)
        if self.loss == "logit_adjusted":
            return LogitAdjustedLoss(counts, self.la_tau, weight=weight)
        if self.loss == "balanced_softmax":
            return BalancedSoftmaxLoss(counts, weight=weight)
        return VSLoss(counts, self.vs_gamma, self.vs_tau, weight=weight)

    # ------------------------------------------------------------ predict
    @property
    def module_(self):
        """The trained network."""
        check_is_fitted(self)
        return self.net_.module_

    def _logits(self, X):
        return self._forward(X, "logits")

    def _forward(self, X, output):
        """Clean ``"logits"`` or penultimate ``"features"`` of ``X`` (a tensor)."""
        check_is_fitted(self)
        X, _ = check_inputs(self, X, reset=False)
        if output == "features":
            return self.net_.features(X)
        with torch.no_grad():
            return self.net_.forward(X, training=False).float()

    def transform(self, X):
        """Logits or penultimate features, as ``transform_to`` says.

        With the default ``transform_to="logits"`` the network can stand
        before a calibrator of :mod:`skimbal.calibration` in a ``Pipeline``;
        with ``"features"`` before any scikit-learn classifier (classifier
        re-training, see :func:`skimbal.calibration.make_crt`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Input data.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_classes) or (n_samples, n_features_out)
            The clean logits (one column per class, also for two classes),
            or the features of ``module.features(x)``, in evaluation mode.
        """
        return self._forward(X, self.transform_to).numpy()

    def decision_function(self, X):
        """Network logits, with no training-time adjustment.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            The logits; for two classes, scikit-learn's convention of one
            score per sample (logit of ``classes_[1]`` minus that of
            ``classes_[0]``).
        """
        logits = self._logits(X).numpy()
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities, the softmax of the clean logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return torch.softmax(self._logits(X).double(), dim=1).numpy()

    def predict(self, X):
        """Predicted class labels (the argmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        codes = self._logits(X).argmax(1).numpy()
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # the network computes in float32, whatever the input's precision
        tags.transformer_tags.preserves_dtype = []
        tags.non_deterministic = torch.device(self.device).type != "cpu"
        return tags


def _channel_stats(X):
    """Per-channel mean and std of images in [0, 1] (uint8 scaled by 1/255)."""
    scale = 255.0 if X.dtype == np.uint8 else 1.0
    mean, std = [], []
    for c in range(X.shape[1]):
        channel = X[:, c].astype(np.float64) / scale
        mean.append(channel.mean())
        std.append(max(channel.std(), 1e-6))
    return np.asarray(mean, np.float32), np.asarray(std, np.float32)
