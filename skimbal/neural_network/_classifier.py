"""ImbalancedNetClassifier: class-imbalance methods as estimator parameters.

The file reads top to bottom: the parameters and their documentation,
``fit`` (validate, split, build, train), then inference. What ``fit`` builds
comes from :mod:`._builders`, which combinations it refuses from
:mod:`._rules`.
"""

import inspect
import os
import threading
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import joblib
import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from skorch.helper import predefined_split

from ..data import DatasetInput, is_dataset
from ..exceptions import DivergenceError, FitInterruptedWarning
from ..losses import loss_names_constraint
from ..modules import module_names_constraint
from ..sampling import sampling_names_constraint
from ..utils import as_python, channel_stats, check_inputs
from ._accelerate import _AcceleratedNet
from ._builders import (
    LOSS_FLAT_PARAMS,
    REWEIGHTERS,
    build_augmenter,
    build_callbacks,
    build_criterion,
    build_module,
    build_optimizer,
    build_sampler,
    build_strategy,
    class_weights,
    epoch_at,
    last_switch_epoch,
    loss_params,
    resolve_recipe,
)
from ._data import split_validation
from ._net import _ImbalancedNet
from ._rules import check_options

_INIT_LOCK = threading.Lock()
# Accelerator options that skimbal sets itself, and why
_ACCELERATOR_REFUSED = {
    "mixed_precision": "set precision='bf16' or 'fp16' on the estimator.",
    "gradient_accumulation_steps": "not supported; batch_size is the global batch.",
    "split_batches": "batch_size is the global batch, shared out over the processes.",
    "dataloader_config": "batch_size is the global batch, shared out over the processes.",
    "device_placement": "the network is placed on each process's device by skimbal.",
    "cpu": "set device='cpu' on the estimator.",
}
# parameters that may change when a fit is continued: they do not shape training
_RESUMABLE = {"warm_start", "verbose", "callbacks", "checkpoint_dir", "checkpoint_every",
              "transform_to"}


def _default_generator_states(devices):
    """The states of torch's default generators (CPU, and the fit's CUDA device)."""
    states = {"torch_rng": torch.get_rng_state()}
    if devices:
        states["cuda_rng"] = torch.cuda.get_rng_state(devices[0])
    return states


@contextmanager
def _default_generator_state(states, devices):
    """Torch's default generators set to ``states`` (a snapshot's), then restored.

    The switches happen under the initialisation lock, so that a fit running
    in another thread never sees them in the middle of its initialisation.
    """
    with _INIT_LOCK:
        saved = torch.get_rng_state()
        cuda = [torch.cuda.get_rng_state(d) for d in devices]
        torch.set_rng_state(states["torch_rng"])
        if devices and "cuda_rng" in states:
            torch.cuda.set_rng_state(states["cuda_rng"], devices[0])
    try:
        yield
    finally:
        with _INIT_LOCK:
            torch.set_rng_state(saved)
            for d, s in zip(devices, cuda):
                torch.cuda.set_rng_state(s, d)


def _check_output_width(net, X, n_classes):
    """The module must return one logit per class (probed on two examples)."""
    module = net.module_
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(net.prepare_input(X, training=False))
    finally:
        module.train(was_training)
    if not torch.is_tensor(out) or out.ndim != 2 or out.shape[1] != n_classes:
        shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise ValueError(
            f"The module returns outputs of shape {shape} for {len(X)} examples, but y "
            f"has {n_classes} classes: it must return one logit per class, shape "
            f"(n, {n_classes}). Give its last layer {n_classes} outputs (built-in and "
            "registered modules get n_classes from the estimator)."
        )


def _check_X(estimator, X, y=None, *, reset):
    """Validated arrays (:func:`~skimbal.utils.check_inputs`), or a Dataset's view."""
    if not is_dataset(X):
        return check_inputs(estimator, X, y, reset=reset)
    X = DatasetInput(X)
    shape = tuple(int(s) for s in X.shape[1:])
    if reset:
        if y is None:
            raise ValueError("fit on a Dataset needs y, the label of every item (class "
                             "counts drive the methods and the stratified splits).")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-D with one label per item of the Dataset "
                             f"({len(X)}); got shape {y.shape}.")
        X.check_labels(y)
        estimator.input_shape_ = shape if len(shape) == 3 else None
        if estimator.input_shape_ is None:
            del estimator.input_shape_
        estimator.n_features_in_ = int(np.prod(shape))
        estimator.input_dtype_ = np.dtype(X.dtype).name
        sample = np.asarray(X[X.sample(256)])
        estimator.input_max_ = float(sample.max()) if sample.size else 0.0
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return X, y
    expected = getattr(estimator, "input_shape_", (estimator.n_features_in_,))
    if shape != tuple(expected):
        raise ValueError(
            f"The Dataset's items have shape {shape}, but the estimator was fitted on "
            f"inputs of shape {tuple(expected)}.")
    return X, None


def _param_hashes(params):
    return {name: joblib.hash(value) for name, value in params.items()
            if name not in _RESUMABLE}


def _fit_key(params, X, y, sample_weight):
    """Hash of what shapes a fit: its parameters and its training data."""
    return joblib.hash((sorted(_param_hashes(params).items()), X, y, sample_weight))


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
    module : "auto", str, nn.Module class or instance, default="auto"
        The network: ``"auto"`` (ResNet-32 for images, an MLP for tabular
        data), a name registered in :mod:`skimbal.modules`
        (:func:`~skimbal.modules.list_modules`: the CIFAR-style
        ``"resnet8"``, ``"resnet20"``, ``"resnet32"`` for any number of
        channels and any image size, and ``"mlp"``), or a module. A name or
        class is built with ``module_params``, plus ``n_classes``,
        ``in_channels`` and ``n_features`` where its signature takes them.
        An instance is deep-copied in ``fit``. A loss that needs its own head
        (``loss="ldam"``: a cosine head) needs a module with a
        ``features(x)`` method and an ``nn.Linear`` ``classifier`` attribute,
        which it replaces.
    module_params : dict, default=None
        Keyword arguments of the module, e.g. ``{"hidden_layer_sizes": (64,)}``
        for the MLP.
    loss : str, ImbalancedLoss class or instance, or torch criterion, default="ce"
        Training loss. A name registered in :mod:`skimbal.losses`
        (:func:`~skimbal.losses.list_losses`; the user guide lists the
        built-ins and their papers, from cross-entropy ``"ce"`` to LDAM,
        CDT, logit adjustment and label-aware smoothing); a subclass of
        :class:`~skimbal.losses.ImbalancedLoss` (built for each fit with the
        class counts, class weights and ``loss_params``) or an instance of
        one (rebuilt for each fit from its ``get_params()``); or any torch
        criterion called as ``criterion(logits, y)``, which gets no class
        counts, class or sample weights and no per-example loss (the
        options that need them are refused).
    loss_params : dict, default=None
        Keyword arguments of a loss given by name or class, e.g.
        ``{"epsilon_head": 0.4}`` for ``loss="label_aware_smoothing"``. The
        built-in losses' hyper-parameters are also flat parameters
        (``focal_gamma``, ``ldam_max_margin``, ``ldam_scale``,
        ``cdt_gamma``, ``la_tau``, ``vs_gamma``, ``vs_tau``); setting one
        both ways is an error. With an instance, set its hyper-parameters
        on it (``GridSearchCV`` reaches them as ``loss__name``).
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
    sampler : str, imbalanced-learn sampler or None, default=None
        Class-aware sampling of training batches (Kang et al. 2020), a scheme
        registered in :mod:`skimbal.sampling`
        (:func:`~skimbal.sampling.list_samplings`: ``"class_balanced"``,
        ``"sqrt"``, ``"progressive"``, ``"instance"``), built in ``fit`` from
        the labels being fitted. Or an imbalanced-learn sampler that selects
        examples (``RandomUnderSampler()``, ``RandomOverSampler()``,
        ``NearMiss()``, ...): each epoch trains on a fresh resample of the
        training examples, images included, drawn with a seed from the fit's
        generator (:class:`~skimbal.sampling.ResamplingSampler`); samplers
        that synthesise examples (SMOTE and its relatives) are refused. With
        ``schedule="drs"`` it starts at the deferral epoch (``None`` then
        means ``"class_balanced"``).
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
    strategy : TrainingStrategy or None, default=None
        A training strategy of the user's own (any object implementing
        :class:`~skimbal.strategies.TrainingStrategy`), deep-copied at the
        start of each fit. One strategy per fit: it cannot be combined with
        ``mfw=True`` or ``reweight``.
    max_epochs : int, default=200
        Number of training epochs.
    batch_size : int, default=128
        Training batch size.
    optimizer : {"sgd", "adamw"} or torch optimizer class, default="sgd"
        ``"sgd"``: SGD with ``momentum``, ``weight_decay`` and ``nesterov``
        (the literature's recipe); ``"adamw"``: AdamW with ``weight_decay``
        (set ``lr`` for it, e.g. 1e-3); a class is called as
        ``cls(params, lr=lr, **optimizer_params)``.
    optimizer_params : dict, default=None
        Further keyword arguments of the optimizer (``{"betas": (0.9,
        0.99)}``); for a class, all of them besides ``lr``.
    lr : float, default=0.1
        Base learning rate.
    momentum : float, default=0.9
        SGD momentum.
    weight_decay : float, default=2e-4
        Weight decay of SGD and AdamW.
    nesterov : bool, default=False
        Whether SGD uses Nesterov momentum.
    lr_schedule : {"auto", "warmup_step"} or None, default="auto"
        ``"warmup_step"`` is the literature's recipe (linear warm-up, then
        step decay, at fractions of training; see
        :class:`~skimbal.callbacks.WarmupMultiStep`); ``None`` keeps ``lr``.
        ``"auto"``: ``None`` on tabular data with ``early_stopping=True``
        (which waits for a schedule's last switch), ``"warmup_step"``
        otherwise; ``lr_schedule_`` holds the choice.
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
    validation_fraction : float, "auto" or None, default="auto"
        Fraction of the training data held out (stratified) to record
        validation loss and accuracy in ``net_.history`` and to stop early
        on. ``None`` trains on all the data it is given (so ``GridSearchCV``
        trains on whole folds). ``"auto"``: 0.2 with ``early_stopping=True``,
        else ``None``; ``validation_fraction_`` holds the choice.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``; ``"auto"`` is CUDA when it is
        available, else the CPU (``device_`` holds the choice).
    loader_params : dict, default=None
        How a ``Dataset`` passed as ``X`` is read (arrays need none): the
        ``DataLoader``'s ``num_workers`` (default 0: items are read in the
        main process, which suits a 2-core CPU and items already in memory;
        use several workers for images decoded from disk), ``pin_memory``
        (default ``"auto"``: on when training on CUDA), ``persistent_workers``
        (default ``"auto"``: on when there are workers, so each epoch does
        not start them again) and ``prefetch_factor`` (default None: torch's,
        2 batches per worker).
    compile : bool or dict, default=False
        Run the module through ``torch.compile`` in training and prediction
        (a dict: its keyword arguments, e.g. ``{"mode": "max-autotune"}``).
        Off by default: compiling costs time up front and pays off on a GPU
        over long fits. The compiled wrapper shares the module's weights
        and is not pickled; a loaded estimator compiles again on first use.
        Prediction compiles its own copy for inference, batch norm folded and
        the weights frozen in as constants (inductor's ``freezing``), once per
        batch size (a pass's short last batch is padded); it compiles again
        after the weights change. Strategies (``mfw``, ``reweight``) call the
        module itself.
    accelerate : bool or dict, default=False
        Train on every process of a script started with ``accelerate
        launch`` or ``torchrun`` (data parallel, through Hugging Face
        Accelerate; needs ``pip install accelerate``). ``True`` uses
        ``accelerate.Accelerator()``; a dict gives its keyword arguments
        (e.g. ``{"kwargs_handlers": [...]}``). ``batch_size`` is the global
        batch: each process trains on its share of every batch, and the
        gradients are averaged after each backward pass, so a fit sees the
        batches, class counts, samplers and schedules of one process; every
        process starts from the main process's seed and weights.
        ``device="cuda"`` (or ``"auto"``) puts each process on its own GPU,
        ``"cpu"`` trains on CPU processes (gloo). Mixed precision is
        ``precision``. The fitted estimator is an ordinary one (it pickles);
        every process holds it. Off a launcher (one process) the fit is the
        fit without it.
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Mixed precision of the forward passes (training and prediction):
        bf16 autocast on the CPU or a GPU, fp16 autocast with a gradient
        scaler on CUDA only. Off by default; meta re-weighting needs fp32.
    verbose : int, default=0
        Print a line per epoch when positive.
    early_stopping : bool, default=False
        Stop when the balanced accuracy on the validation split
        (``validation_fraction``) has not improved for
        ``n_iter_no_change`` epochs, counting only from the last switch of
        the training schedule (the last learning-rate milestone, the
        deferral of ``schedule``, the end of feature weakening, the start of
        meta re-weighting), so no stage of the method is skipped; the network
        then goes back to its best epoch since that switch. See
        :class:`~skimbal.callbacks.ScheduledEarlyStopping`. With the
        ``"auto"`` defaults of ``validation_fraction`` and ``lr_schedule``,
        a table is then fitted at a constant rate on 80% of its rows and
        keeps its epoch of best validation balanced accuracy: with a loss
        that corrects the imbalance (``"logit_adjusted"``) this beats the
        step recipe on small tables, with plain ``"ce"`` it stops before the
        minor classes are learned (see the user guide).
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    warm_start : bool, default=False
        Continue an interrupted fit (see ``n_iter_``) instead of starting
        anew: from the last completed epoch to ``max_epochs``, with the
        learning-rate schedule, deferred weights, sampler schedule, strategy
        state, optimizer state and random generators as they were, so the
        result is the uninterrupted fit's. The data and every parameter that
        shapes training must be the same (``callbacks``, ``verbose``,
        ``warm_start`` and the checkpoint parameters may change). With
        ``checkpoint_dir``, a new estimator (in another process) continues
        from the checkpoint there.
    checkpoint_dir : str or None, default=None
        Folder where the training state is written every
        ``checkpoint_every`` epochs and at the end (one file per
        configuration and data, ``checkpoint_<key>.pt``, loaded with
        ``weights_only=True``).
    checkpoint_every : int, default=1
        Epochs between checkpoints.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Added to the net's callbacks, e.g.
        :class:`~skimbal.callbacks.PerClassAccuracy` and
        :class:`~skimbal.callbacks.FeatureGradientNorms`, which record
        training progress in ``net_.history``.
    transform_to : {"logits", "features"}, default="logits"
        What :meth:`transform` returns: the clean logits, so that a
        post-hoc calibrator from :mod:`skimbal.calibration` can follow the
        network in a ``Pipeline``, or the penultimate features
        (``module.features(x)``), so that a classifier re-trained on them
        (cRT, NCM, logistic regression) can.
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
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a DataFrame with string column names.
    input_shape_ : tuple of int
        ``(C, H, W)`` of the training images; absent for tabular data.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.history`` holds per-epoch losses (and
        validation scores when ``validation_fraction`` is set).
    module_ : torch.nn.Module
        The trained network (``net_.module_``).
    strategy_ : TrainingStrategy or None
        The trained copy of the fit's training strategy (``net_.strategy``).
    validation_fraction_ : float or None
        The validation share of the fit (``validation_fraction`` resolved).
    lr_schedule_ : {"warmup_step"} or None
        The learning-rate schedule of the fit (``lr_schedule`` resolved).
    n_iter_ : int
        Completed epochs: ``max_epochs``, fewer after ``early_stopping``, or
        fewer when the fit was interrupted (the network is then the one of
        the last completed epoch, and a
        :class:`~skimbal.exceptions.FitInterruptedWarning` says so).

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

    See Also
    --------
    skimbal.calibration.LogitAdjuster : Post-hoc logit adjustment of a trained network.
    skimbal.calibration.make_crt : Classifier re-training on the network's features.
    skimbal.callbacks.PerClassAccuracy : Per-class training progress.

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
        "module": [StrOptions({"auto"}), module_names_constraint(), callable],
        "module_params": [dict, None],
        "loss": [loss_names_constraint(), callable],
        "loss_params": [dict, None],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "ldam_max_margin": [Interval(Real, 0, None, closed="neither")],
        "ldam_scale": [Interval(Real, 0, None, closed="neither")],
        "cdt_gamma": [Interval(Real, 0, None, closed="left")],
        "la_tau": [Interval(Real, None, None, closed="neither")],
        "vs_gamma": [Interval(Real, 0, None, closed="left")],
        "vs_tau": [Interval(Real, None, None, closed="neither")],
        "class_weight": [StrOptions({"balanced", "effective_number"}), dict, None],
        "beta": [Interval(Real, 0, 1, closed="left")],
        "sampler": [sampling_names_constraint(), HasMethods(["fit_resample"]), None],
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
        "reweight": [StrOptions(set(REWEIGHTERS)), None],
        "meta_dev_size": [Interval(Integral, 1, None, closed="left")],
        "meta_start_frac": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "meta_eps_lr": [Interval(Real, 0, None, closed="neither")],
        "meta_net_lr": [Interval(Real, 0, None, closed="neither")],
        "strategy": [None, object],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions({"sgd", "adamw"}), type],
        "optimizer_params": [dict, None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "nesterov": ["boolean"],
        "lr_schedule": [StrOptions({"auto", "warmup_step"}), None],
        "warmup_frac": [Interval(Real, 0, 1, closed="left")],
        "lr_milestones": [tuple, list],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "augment": [StrOptions({"auto"}), "boolean", callable],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), StrOptions({"auto"}),
                                None],
        "device": [str],
        "loader_params": [dict, None],
        "compile": ["boolean", dict],
        "accelerate": ["boolean", dict],
        "precision": [StrOptions({"fp32", "bf16", "fp16"})],
        "verbose": ["verbose"],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
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
        loss_params=None,
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
        strategy=None,
        max_epochs=200,
        batch_size=128,
        optimizer="sgd",
        optimizer_params=None,
        lr=0.1,
        momentum=0.9,
        weight_decay=2e-4,
        nesterov=False,
        lr_schedule="auto",
        warmup_frac=0.025,
        lr_milestones=(0.8, 0.9),
        lr_decay=0.01,
        augment="auto",
        validation_fraction="auto",
        device="cpu",
        loader_params=None,
        compile=False,
        accelerate=False,
        precision="fp32",
        verbose=0,
        early_stopping=False,
        n_iter_no_change=10,
        warm_start=False,
        checkpoint_dir=None,
        checkpoint_every=1,
        callbacks=None,
        transform_to="logits",
        random_state=None,
    ):
        self.module = module
        self.module_params = module_params
        self.loss = loss
        self.loss_params = loss_params
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
        self.strategy = strategy
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
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
        self.loader_params = loader_params
        self.compile = compile
        self.accelerate = accelerate
        self.precision = precision
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.callbacks = callbacks
        self.transform_to = transform_to
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def validate_options(self, *, images, sample_weight=False):
        """Raise for parameters ``fit`` would refuse, without data or training.

        The checks ``fit`` makes first: each parameter's type and range, then
        the combinations of them (a plain criterion with class weights, two
        strategies, a sampler schedule with ``schedule='drs'``, ...). Sweeps
        call it to fail before their first run.

        Parameters
        ----------
        images : bool
            Whether the data will be images (``augment`` applies only to them).
        sample_weight : bool, default=False
            Whether ``fit`` will get ``sample_weight``.

        Returns
        -------
        self : ImbalancedNetClassifier

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            For a parameter of the wrong type or out of range.
        ValueError
            For a combination ``fit`` refuses; the message names it.
        """
        self._validate_params()
        check_options(self.resolved_params(images=images), images=images,
                      has_sample_weight=sample_weight)
        return self

    def resolved_params(self, *, images):
        """The parameters a fit on images (or on a table) trains with.

        ``get_params(deep=False)`` with the ``"auto"`` of the recipe made
        concrete: ``validation_fraction`` and ``lr_schedule`` as ``fit``
        resolves them (``validation_fraction_`` and ``lr_schedule_`` after a
        fit). Sweeps record these, so that a later change of what
        ``"auto"`` means is a changed setting too.

        Parameters
        ----------
        images : bool
            Whether the data will be images.

        Returns
        -------
        params : dict

        Examples
        --------
        >>> from skimbal import ImbalancedNetClassifier
        >>> net = ImbalancedNetClassifier(early_stopping=True)
        >>> params = net.resolved_params(images=False)
        >>> params["validation_fraction"], params["lr_schedule"]
        (0.2, None)
        >>> net.resolved_params(images=True)["lr_schedule"]
        'warmup_step'
        """
        return resolve_recipe(self.get_params(deep=False), images=images)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W), \
                or Dataset
            Tabular data, or images (``uint8`` or float); or a map-style torch
            ``Dataset`` (or skorch's ``SliceDataset``) whose items are inputs
            or ``(input, label)`` pairs of arrays or tensors, read item by
            item through a ``DataLoader`` (``loader_params``). A Dataset
            trains the same network as the same inputs as an array.
        y : array-like of shape (n_samples,)
            Class labels, of any hashable type (with a Dataset, in its order;
            the labels of up to 32 of its pair items are checked against it).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights in the loss.

        Returns
        -------
        self : ImbalancedNetClassifier
            The fitted estimator.
        """
        # validate
        X, y_codes, sample_weight = self._validate_fit_data(X, y, sample_weight)
        params = self.resolved_params(images=X.ndim == 4)
        check_options(params, images=X.ndim == 4, has_sample_weight=sample_weight is not None)
        self.validation_fraction_ = params["validation_fraction"]
        self.lr_schedule_ = params["lr_schedule"]
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        accelerator = self._accelerator()
        if accelerator is not None and accelerator.num_processes > 1:
            from accelerate.utils import broadcast_object_list

            seed = broadcast_object_list([seed])[0]  # one seed for every process

        # split: the validation hold-out, then what the strategy keeps for itself
        X_tr, y_tr, w_tr, valid = split_validation(
            X, y_codes, sample_weight, self.validation_fraction_, seed)
        strategy = build_strategy(params)
        if strategy is not None:
            X_tr, y_tr, w_tr = strategy.prepare_data(
                X_tr, y_tr, w_tr, classes=self.classes_, random_state=seed)
        self.class_counts_ = np.bincount(y_tr, minlength=len(self.classes_))
        self.device_ = self._resolved_device() if accelerator is None else (
            "cpu" if accelerator.device.type == "cpu" else str(accelerator.device))

        key = _fit_key(params, X_tr, y_tr, w_tr)
        if accelerator is not None and accelerator.num_processes > 1 and (
                self.warm_start or self.checkpoint_dir is not None):
            raise ValueError(
                "warm_start and checkpoint_dir are not supported in a fit on "
                f"{accelerator.num_processes} processes (accelerate): a fit there runs "
                "from start to end. Save the fitted estimator from the main process.")
        if self.warm_start and self._continues(params, key):
            if self.net_.epochs_completed_ >= self.max_epochs or self.net_.stopped_early_:
                warnings.warn(
                    f"warm_start=True: the fit is complete ({self.n_iter_} of max_epochs="
                    f"{self.max_epochs} epochs); there is nothing to continue.",
                    UserWarning, stacklevel=2)
                return self
            net, rng = self.net_, self.net_.resume_point_
            # the user's callbacks and verbosity may have changed
            net.callbacks = self._callbacks(net.get_params_for("iterator_train").get("sampler"))
            net.verbose = self.verbose
            net.initialize_callbacks()
        else:
            net, rng = self._initialized_net(X_tr, y_tr, valid, strategy, seed, key,
                                             accelerator)
            if self.warm_start and net.load_checkpoint():
                rng = net.resume_point_
        self.net_ = net
        self._resume_key = key
        self._resume_params = _param_hashes(params)

        # train (the module's own random layers, such as dropout, draw from the
        # default generator, set to the fit's stream)
        with _default_generator_state(rng, self._rng_devices()):
            net.partial_fit(X_tr if w_tr is None else {"X": X_tr, "sample_weight": w_tr}, y_tr)
        if accelerator is not None:
            self.net_ = net = net.release()  # an ordinary net: it pickles
        self.n_iter_ = net.epochs_completed_
        if self.n_iter_ < self.max_epochs and not net.stopped_early_:
            net.restore(net.resume_point_)
            warnings.warn(
                f"The fit was interrupted after {self.n_iter_} of max_epochs="
                f"{self.max_epochs} epochs; the estimator holds the network of epoch "
                f"{self.n_iter_}. Call fit again with warm_start=True to continue it.",
                FitInterruptedWarning, stacklevel=2)
        return self

    def _initialized_net(self, X, y, valid, strategy, seed, key, accelerator=None):
        """A new net, initialised, with the fit's generator; and the training RNG states.

        Weight initialisation draws from torch's default generator, seeded for
        this fit under a process-wide lock, so that fits running in threads
        cannot interleave their draws; every later draw of skimbal's (order,
        sampler, augmentation, strategies) comes from the fit's own generator,
        which continues that stream.
        """
        with _INIT_LOCK, torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(seed)
            net = self._build_net(X, y, valid, strategy, key, accelerator)
            net.initialize()
            _check_output_width(net, np.asarray(X[:2]), len(self.classes_))
            states = _default_generator_states(self._rng_devices())
        net.set_generator(torch.Generator().set_state(states["torch_rng"]))
        return net, states

    def _continues(self, params, key):
        """Whether ``fit`` continues this estimator's own interrupted fit."""
        if not hasattr(self, "net_") or getattr(self, "_resume_key", None) is None:
            return False
        if key == self._resume_key:
            return True
        changed = sorted(name for name, h in _param_hashes(params).items()
                         if self._resume_params.get(name) != h)
        what = f"the parameters {changed} changed" if changed else "the data changed"
        raise ValueError(
            f"warm_start=True continues the estimator's interrupted fit, but {what} since "
            "it started. Restore them, or fit with warm_start=False to start anew."
        )

    def _validate_fit_data(self, X, y, sample_weight):
        """Checked inputs, class codes of ``y`` (sets ``classes_``), sample weights."""
        X, y = _check_X(self, X, y, reset=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {as_python(self.classes_[0])!r}."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        return X, encoder.transform(y).astype(np.int64), sample_weight

    def _accelerator(self):
        """The ``accelerate.Accelerator`` of this fit (None without ``accelerate``)."""
        if self.accelerate is False:
            return None
        try:
            from accelerate import Accelerator
        except ImportError:
            raise ImportError(
                "accelerate=True needs Hugging Face Accelerate: pip install accelerate"
            ) from None
        options = {} if self.accelerate is True else dict(self.accelerate)
        for name, why in _ACCELERATOR_REFUSED.items():
            if name in options:
                raise ValueError(f"accelerate: {name!r} is not an option here; {why}")
        device = torch.device(self._resolved_device())
        if device.index is not None:
            raise ValueError(
                f"accelerate puts each process on its own device: set device='cuda' (or "
                f"'auto', or 'cpu'), not {self.device!r}.")
        options.setdefault("cpu", device.type == "cpu")
        accelerator = Accelerator(device_placement=False, **options)
        launched = int(os.environ.get("WORLD_SIZE", "1"))
        if accelerator.num_processes != launched:
            raise RuntimeError(
                f"The script was launched on {launched} processes, but Accelerate's state "
                f"has {accelerator.num_processes}: it was set up before this fit for "
                "another device (on a CPU, create any Accelerator or PartialState "
                "yourself with cpu=True, or let the estimator create the first one).")
        return accelerator

    def _resolved_device(self):
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _rng_devices(self):
        device = torch.device(self._resolved_device())
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(f"device={self.device!r}, but CUDA is not available.")
            return [device.index if device.index is not None else torch.cuda.current_device()]
        return []

    def _build_net(self, X, y, valid, strategy, key, accelerator=None):
        """The skorch net of this fit, from the builders."""
        images = X.ndim == 4
        counts = self.class_counts_
        defer_epoch = epoch_at(self.defer_frac, self.max_epochs)
        weighted = self.schedule != "drw" and self.reweight is None
        criterion = build_criterion(
            self.loss, self._loss_params(), counts,
            class_weights(self.class_weight, False, counts, self.classes_, self.beta)
            if weighted else None)
        module = build_module(self.module, self.module_params, len(counts), X.shape[1:],
                              criterion, self.loss)
        if strategy is not None and getattr(module, "ensemble_size", None) is not None:
            raise ValueError(
                f"{type(module).__name__} is an ensemble whose training output holds "
                f"{module.ensemble_size} members' logits for each example; the training "
                "strategies (mfw, reweight, strategy=) work on one output an example and "
                "a features/classifier split it does not have. Use the losses, class "
                "weights, samplers and schedules with it.")
        sampler = build_sampler(self.sampler, self.schedule, y, len(counts), defer_epoch,
                                self.max_epochs, X, self.batch_size)
        callbacks = self._callbacks(sampler)
        iterator = ({"iterator_train__sampler": sampler, "iterator_train__shuffle": False}
                    if sampler is not None else {"iterator_train__shuffle": True})
        if len(y) % self.batch_size == 1 and len(y) > 1:
            # A last batch of one example would normalise batch norm with its
            # own statistics (and feed them to the running averages): drop it.
            iterator["iterator_train__drop_last"] = True
        if not images:
            mean, std = None, None
        elif isinstance(X, DatasetInput):  # all items, or a sample of a large Dataset
            mean, std = channel_stats(np.asarray(X[X.stats_sample()]))
        else:
            mean, std = channel_stats(X)
        accelerated = {} if accelerator is None else {"accelerator": accelerator}
        return (_ImbalancedNet if accelerator is None else _AcceleratedNet)(
            **accelerated,
            precision=self.precision,
            pixel_scale=255.0 if X.dtype == np.uint8 else None,
            module=module,
            criterion=criterion,
            **build_optimizer(self.optimizer, self.optimizer_params, lr=self.lr,
                              momentum=self.momentum, weight_decay=self.weight_decay,
                              nesterov=self.nesterov),
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            # prediction batches: larger for rows, whose activations are small
            iterator_valid__batch_size=max(self.batch_size, 256 if images else 4096),
            train_split=None if valid is None else predefined_split(valid),
            classes=np.arange(len(counts)),
            callbacks=callbacks,
            device=self.device_,
            verbose=self.verbose,
            augmenter=build_augmenter(self.augment, images),
            input_mean=mean,
            input_std=std,
            channels_last=images,
            class_labels=self.classes_,
            class_counts=counts,
            strategy=strategy,
            checkpoint_path=None if self.checkpoint_dir is None else os.path.join(
                self.checkpoint_dir, f"checkpoint_{key[:16]}.pt"),
            checkpoint_every=self.checkpoint_every,
            checkpoint_key=key,
            loader_params=self.loader_params,
            compile_options=None if self.compile is False else (
                {} if self.compile is True else dict(self.compile)),
            **iterator,
        )

    def _callbacks(self, sampler):
        """The net's callbacks: the method's schedules, then the user's."""
        counts = self.class_counts_
        return build_callbacks(
            max_epochs=self.max_epochs, lr_schedule=self.lr_schedule_,
            warmup_frac=self.warmup_frac, lr_milestones=self.lr_milestones,
            lr_decay=self.lr_decay,
            drw_weight=class_weights(self.class_weight, True, counts, self.classes_, self.beta)
            if self.schedule == "drw" else None,
            defer_epoch=epoch_at(self.defer_frac, self.max_epochs), sampler=sampler,
            validation=self.validation_fraction_ is not None,
            early_stopping=(last_switch_epoch({
                **self.get_params(deep=False), "lr_schedule": self.lr_schedule_}),
                self.n_iter_no_change) if self.early_stopping else None,
            user_callbacks=self.callbacks)

    def _loss_params(self):
        """Keyword arguments of the loss: flat parameters and ``loss_params``."""
        flat = {name for mapping in LOSS_FLAT_PARAMS.values() for name in mapping.values()}
        signature = inspect.signature(type(self).__init__).parameters
        return loss_params(self.loss, self.loss_params,
                           {name: getattr(self, name) for name in flat},
                           {name: signature[name].default for name in flat})

    # ------------------------------------------------------------ predict
    @property
    def module_(self):
        """The trained network."""
        check_is_fitted(self)
        return self.net_.module_

    @property
    def strategy_(self):
        """The trained copy of the fit's training strategy (None without one)."""
        check_is_fitted(self)
        return self.net_.strategy

    def forward(self, X, output="logits"):
        """Clean logits or penultimate features of ``X``, in evaluation mode.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [C,] H, W)
            Input data.
        output : {"logits", "features"}, default="logits"
            The network's logits (no margin, temperature or prior), or the
            penultimate features of ``module.features(x)``.

        Returns
        -------
        out : ndarray of shape (n_samples, n_classes) or (n_samples, n_features_out)
            float32.
        """
        check_is_fitted(self)
        X, _ = _check_X(self, X, reset=False)
        if output == "features":
            out = self.net_.features(X).numpy()
        elif output == "logits":
            with torch.no_grad():
                out = self.net_.forward(X, training=False).float().numpy()
        else:
            raise ValueError(f"output must be 'logits' or 'features'; got {output!r}.")
        bad = ~np.isfinite(out).all(axis=1)
        if bad.any():
            raise DivergenceError(
                f"The network's {output} are NaN or infinite for {int(bad.sum())} of "
                f"{len(out)} examples: the network diverged in training, or these "
                "inputs lie far outside the training data's range."
            )
        return out

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
        return self.forward(X, self.transform_to)

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
        logits = self.forward(X)
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
        return torch.softmax(torch.from_numpy(self.forward(X)).double(), dim=1).numpy()

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
        codes = self.forward(X).argmax(1)
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # the network computes in float32, whatever the input's precision
        tags.transformer_tags.preserves_dtype = []
        tags.non_deterministic = torch.device(self._resolved_device()).type != "cpu"
        return tags
