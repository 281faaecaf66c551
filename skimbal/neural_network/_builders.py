"""What ``fit`` builds: module, criterion, callbacks, sampler and strategy.

Functions with explicit inputs, so each can be read and tested alone; the
estimator calls them in ``fit``. Names become objects through the method
registries (:mod:`skimbal.losses`, :mod:`skimbal.modules`,
:mod:`skimbal.sampling`), never through if-chains on names.
"""

import copy
import inspect

import numpy as np
import torch
from skorch.callbacks import EpochScoring
from torch import nn

from .._augment import BatchAugmenter
from ..callbacks import (
    DeferredReweighting,
    EpochLR,
    SamplerEpoch,
    ScheduledEarlyStopping,
    WarmupMultiStep,
)
from ..losses import ImbalancedLoss, TorchCriterion, get_loss
from ..modules import get_module, split_head
from ..sampling import (
    ImbalancedSampler,
    ResamplingSampler,
    compute_class_weight,
    is_resampler,
)
from ..strategies import (
    FeatureWeakening,
    L2RWReweighter,
    MetaClassReweighter,
    MetaWeightNetReweighter,
    check_strategy,
)

# The estimator's flat hyper-parameters of the built-in losses (kept so that
# ``set_params(focal_gamma=2)`` and grids over them work), by registered name:
# loss keyword -> estimator parameter. Other losses take ``loss_params``.
LOSS_FLAT_PARAMS = {
    "focal": {"gamma": "focal_gamma"},
    "ldam": {"max_margin": "ldam_max_margin", "scale": "ldam_scale"},
    "cdt": {"gamma": "cdt_gamma"},
    "logit_adjusted": {"tau": "la_tau"},
    "vs": {"gamma": "vs_gamma", "tau": "vs_tau"},
}


def epoch_at(frac, max_epochs):
    """First (0-based) epoch after ``frac`` of ``max_epochs``."""
    return int(round(frac * max_epochs))


# ------------------------------------------------------------------ loss
def is_plain_criterion(loss):
    """Whether ``loss`` is a torch criterion outside the skimbal loss protocol."""
    if isinstance(loss, str):
        return False
    if isinstance(loss, type):
        return not issubclass(loss, ImbalancedLoss)
    return not isinstance(loss, ImbalancedLoss)


def loss_params(loss, given, flat, flat_defaults):
    """Keyword arguments of the loss: its flat estimator parameters, then ``given``.

    Parameters
    ----------
    loss : str, type or object
        The ``loss`` parameter.
    given : dict or None
        The ``loss_params`` parameter.
    flat : dict
        Values of the estimator's flat loss parameters (``focal_gamma``, ...).
    flat_defaults : dict
        Their defaults.
    """
    given = dict(given or {})
    if not isinstance(loss, (str, type)) and given:
        raise ValueError(
            f"loss_params={given} is for a loss name or class; loss={loss!r} is an "
            "instance: set its hyper-parameters when creating it."
        )
    mapping = LOSS_FLAT_PARAMS.get(loss, {}) if isinstance(loss, str) else {}
    params = {}
    for keyword, name in mapping.items():
        if keyword in given and flat[name] != flat_defaults[name]:
            raise ValueError(
                f"loss_params sets {keyword!r} and {name}={flat[name]!r} sets it too; "
                "give it once."
            )
        params[keyword] = flat[name]
    params.update(given)
    return params


def build_criterion(loss, params, class_counts, weight):
    """The criterion of a fit, following the loss protocol.

    A registered name or an :class:`~skimbal.losses.ImbalancedLoss` class is
    built as ``cls(class_counts, weight=weight, **params)``; an instance is
    rebuilt the same way from its ``get_params()``; a plain torch criterion
    (class, instance or function) is wrapped in
    :class:`~skimbal.losses.TorchCriterion`. Then one call on zero logits
    checks that it follows the protocol.
    """
    n_classes = len(class_counts)
    if isinstance(loss, str):
        criterion = _construct(get_loss(loss), class_counts, weight, params, loss)
    elif isinstance(loss, type) and issubclass(loss, ImbalancedLoss):
        criterion = _construct(loss, class_counts, weight, params, loss)
    elif isinstance(loss, ImbalancedLoss):
        try:
            template = loss.get_params()
        except AttributeError as exc:
            raise ValueError(
                f"loss={loss!r}: an ImbalancedLoss instance is rebuilt for each fit from "
                "get_params(), which reads each constructor keyword from the attribute "
                f"of the same name; {exc}."
            ) from exc
        criterion = _construct(type(loss), class_counts, weight, template, loss)
    elif isinstance(loss, type) and issubclass(loss, nn.Module):
        criterion = TorchCriterion(loss(**params))
    elif callable(loss):
        criterion = TorchCriterion(copy.deepcopy(loss))
    else:
        raise ValueError(
            "loss must be a registered name, an ImbalancedLoss class or instance, or a "
            f"torch criterion called as loss(logits, y); got {loss!r}."
        )
    _check_loss_protocol(criterion, n_classes, loss)
    return criterion


def _construct(cls, class_counts, weight, params, spec):
    accepted = inspect.signature(cls).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in accepted.values())
    missing = [n for n in ("class_counts", "weight") if n not in accepted and not takes_any]
    if missing:
        raise ValueError(
            f"loss={spec!r}: {cls.__name__} does not follow the loss protocol; its "
            f"constructor lacks {missing}. A loss is built as cls(class_counts, "
            "weight=class_weights, **hyper_parameters)."
        )
    return cls(class_counts, weight=weight, **params)


def _check_loss_protocol(criterion, n_classes, spec):
    logits = torch.zeros(2, n_classes)
    target = torch.tensor([0, n_classes - 1])
    with torch.no_grad():
        try:
            value = criterion(logits, target)
        except Exception as exc:
            raise ValueError(
                f"loss={spec!r} does not follow the loss protocol: calling it as "
                f"loss(logits, y) on logits of shape (2, {n_classes}) failed with "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not torch.is_tensor(value) or value.ndim != 0:
            shape = tuple(value.shape) if torch.is_tensor(value) else type(value).__name__
            raise ValueError(
                f"loss={spec!r} does not follow the loss protocol: loss(logits, y) must "
                f"return a scalar tensor (the reduced loss); got {shape}."
            )
        if not isinstance(criterion, TorchCriterion):
            per = criterion.per_sample_loss(logits, target)
            if not torch.is_tensor(per) or tuple(per.shape) != (2,):
                raise ValueError(
                    f"loss={spec!r} does not follow the loss protocol: per_sample_loss"
                    "(logits, y) must return one loss per example."
                )


def class_weights(spec, deferred, class_counts, classes, beta):
    """Class weights of the method, or None.

    Deferred weights (DRW) default to the effective number, as in LDAM-DRW.
    """
    if spec is None and deferred:
        spec = "effective_number"
    if spec is None:
        return None
    return compute_class_weight(spec, class_counts, classes=classes, beta=beta)


# ---------------------------------------------------------------- module
def build_module(module, module_params, n_classes, input_shape, criterion, loss):
    """The network: a registered name, an ``nn.Module`` class or instance.

    ``input_shape`` is ``(C, H, W)`` for images and ``(n_features,)`` for
    tabular data. The head is replaced when the criterion asks for its own
    (:meth:`~skimbal.losses.ImbalancedLoss.make_head`).
    """
    images = len(input_shape) == 3
    if isinstance(module, str) and module == "auto":
        module = "resnet32" if images else "mlp"
    params = dict(module_params or {})
    known = {"n_classes": n_classes, "in_channels": input_shape[0] if images else None,
             "n_features": int(np.prod(input_shape))}
    if isinstance(module, str):
        builder, kind = get_module(module)
        _check_input_kind(module, kind, images, input_shape)
        net = builder(**_accepted(builder, known, params), **params)
    elif isinstance(module, nn.Module):
        if params:
            raise ValueError(
                "module_params is for a module name or class; module is an "
                "instance, configure it before passing it."
            )
        net = copy.deepcopy(module)
        torchvision = type(net).__module__.startswith("torchvision.models")
        if torchvision and not callable(getattr(net, "features", None)):
            net = split_head(net)  # a torchvision model: its head becomes `classifier`
    elif isinstance(module, type) and issubclass(module, nn.Module):
        net = module(**_accepted(module, known, params), **params)
    else:
        raise ValueError(
            "module must be 'auto', a registered name, an nn.Module class or an "
            f"nn.Module instance; got {module!r}."
        )
    return _with_head(net, criterion, loss)


def _accepted(builder, known, params):
    accepted = inspect.signature(builder).parameters
    return {name: value for name, value in known.items()
            if name in accepted and name not in params and value is not None}


def _check_input_kind(name, kind, images, input_shape):
    if kind == "images" and not images:
        raise ValueError(
            f"module={name!r} needs images, X of shape (n, H, W) or (n, C, H, W); got "
            f"tabular X with {input_shape[0]} features. Use module='mlp' for tabular data."
        )
    if kind == "tabular" and images:
        raise ValueError(f"module={name!r} is for tabular data, but X holds images.")


def _with_head(net, criterion, loss):
    if type(criterion).make_head is ImbalancedLoss.make_head:
        return net
    if callable(getattr(net, "replace_head", None)):  # an ensemble: a head per member
        return net.replace_head(criterion.make_head)
    head = getattr(net, "classifier", None)
    if not isinstance(head, nn.Linear) or not callable(getattr(net, "features", None)):
        raise ValueError(
            f"loss={loss!r} needs a module with a features(x) method and an nn.Linear "
            "attribute `classifier`, which is replaced by the head the loss needs; "
            f"{type(net).__name__} has no such head."
        )
    new = criterion.make_head(head.in_features, head.out_features)
    if new is not None:
        net.classifier = new
    return net


# ------------------------------------------------------------- optimizer
def build_optimizer(optimizer, optimizer_params, *, lr, momentum, weight_decay, nesterov):
    """The skorch arguments of the optimizer: its class, ``lr`` and ``optimizer__*``."""
    params = dict(optimizer_params or {})
    if optimizer == "sgd":
        cls, defaults = torch.optim.SGD, {"momentum": momentum, "weight_decay": weight_decay,
                                          "nesterov": nesterov}
    elif optimizer == "adamw":
        cls, defaults = torch.optim.AdamW, {"weight_decay": weight_decay}
    else:
        cls, defaults = optimizer, {}
    return {"optimizer": cls, "lr": lr,
            **{f"optimizer__{k}": v for k, v in {**defaults, **params}.items()}}


# ------------------------------------------------------------- recipe
#: The validation share that ``validation_fraction="auto"`` holds out.
AUTO_VALIDATION_FRACTION = 0.2


def resolve_recipe(params, *, images):
    """The parameters with ``"auto"`` of the training recipe made concrete.

    ``validation_fraction="auto"`` holds out :data:`AUTO_VALIDATION_FRACTION`
    when ``early_stopping`` is on and nothing otherwise;
    ``lr_schedule="auto"`` keeps the rate constant on tabular data that stops
    early (early stopping waits for a schedule's last switch) and is the
    literature's ``"warmup_step"`` otherwise.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    images : bool
        Whether the data are images.

    Returns
    -------
    params : dict
        A copy, with every ``"auto"`` of these two replaced.
    """
    p = dict(params)
    if p["validation_fraction"] == "auto":
        p["validation_fraction"] = AUTO_VALIDATION_FRACTION if p["early_stopping"] else None
    if p["lr_schedule"] == "auto":
        p["lr_schedule"] = None if p["early_stopping"] and not images else "warmup_step"
    return p


# ------------------------------------------------------------- callbacks
def last_switch_epoch(params):
    """The (0-based) epoch of the training schedule's last switch.

    The warm-up's end, the learning-rate milestones, the deferral of
    ``schedule``, the end of feature weakening and the start of meta
    re-weighting: early stopping waits for all of them.
    """
    max_epochs = params["max_epochs"]
    epochs = [0]
    if params["lr_schedule"] == "warmup_step":
        recipe = WarmupMultiStep(max_epochs, params["warmup_frac"], params["lr_milestones"])
        epochs += [recipe.warmup_epochs, *recipe.milestone_epochs]
    if params["schedule"] is not None:
        epochs.append(epoch_at(params["defer_frac"], max_epochs))
    if params["mfw"] and params["mfw_stop_frac"] is not None:
        epochs.append(epoch_at(params["mfw_stop_frac"], max_epochs))
    if params["reweight"] is not None:
        epochs.append(meta_start_epoch(params))
    return min(max(epochs), max_epochs - 1)


def build_callbacks(*, max_epochs, lr_schedule, warmup_frac, lr_milestones, lr_decay,
                    drw_weight, defer_epoch, sampler, validation, early_stopping,
                    user_callbacks):
    """The net's callbacks: LR recipe, deferred weights, sampler epochs, scores.

    ``early_stopping`` is None or ``(first_epoch, patience)``.
    """
    callbacks = []
    if lr_schedule == "warmup_step":
        callbacks.append(("lr_schedule", EpochLR(WarmupMultiStep(
            max_epochs, warmup_frac, lr_milestones, lr_decay))))
    if drw_weight is not None:
        callbacks.append(("drw", DeferredReweighting(drw_weight, defer_epoch)))
    if sampler is not None:
        callbacks.append(("sampler_epoch", SamplerEpoch(sampler)))
    if validation:
        callbacks.append(("valid_bacc", EpochScoring(
            "balanced_accuracy", lower_is_better=False, name="valid_bacc")))
    if early_stopping is not None:
        first, patience = early_stopping
        callbacks.append(("early_stopping", ScheduledEarlyStopping(first, patience)))
    return callbacks + list(user_callbacks or [])


def build_sampler(sampler, schedule, y_train, n_classes, defer_epoch, max_epochs,
                  X_train=None, batch_size=None):
    """The class-aware training sampler, or None (plain shuffling).

    ``sampler`` is a registered scheme's name or an imbalanced-learn sampler
    (resampled each epoch, see :class:`~skimbal.sampling.ResamplingSampler`).
    """
    if schedule == "drs" and sampler is None:
        sampler = "class_balanced"
    if sampler is None:
        return None
    start_epoch = defer_epoch if schedule == "drs" else 0
    if is_resampler(sampler):
        # the random samplers select by label only: an index column is enough
        blind = type(sampler).__name__ in ("RandomUnderSampler", "RandomOverSampler")
        if not blind and X_train is not None and not isinstance(X_train, np.ndarray):
            raise ValueError(
                f"sampler={type(sampler).__name__}() chooses examples by their values, "
                "which a Dataset does not hold in memory; use RandomUnderSampler() or "
                "RandomOverSampler(), which choose by label, or pass arrays.")
        return ResamplingSampler(y_train, sampler, features=None if blind else X_train,
                                 start_epoch=start_epoch, batch_size=batch_size)
    return ImbalancedSampler(
        y_train, sampler, n_classes=n_classes, start_epoch=start_epoch,
        max_epochs=max_epochs,
    )


def build_augmenter(augment, images):
    """The batched augmentation of training images, or None."""
    if not images or augment is False:
        return None
    if augment in ("auto", True):
        return BatchAugmenter()
    return augment


# -------------------------------------------------------------- strategy
def _meta(p, start_epoch):
    return MetaClassReweighter(
        p["class_weight"], dev_size=p["meta_dev_size"], start_epoch=start_epoch,
        dev_batch_size=p["batch_size"], eps_lr=p["meta_eps_lr"], beta=p["beta"])


def _l2rw(p, start_epoch):
    return L2RWReweighter(p["meta_dev_size"], start_epoch, p["batch_size"])


def _meta_weight_net(p, start_epoch):
    return MetaWeightNetReweighter(p["meta_dev_size"], start_epoch, p["batch_size"],
                                   net_lr=p["meta_net_lr"])


# reweight name -> (builder from the estimator's parameters, default start)
REWEIGHTERS = {
    "meta": (_meta, "defer"),
    "l2rw": (_l2rw, 0.0),
    "meta_weight_net": (_meta_weight_net, 0.0),
}


def meta_start_epoch(params):
    """First (0-based) epoch of the meta-weighted stage of ``reweight``.

    ``meta_start_frac="auto"`` is the deferral epoch for ``"meta"`` (160 of
    200 in the reference) and the first epoch for the others.
    """
    start = params["meta_start_frac"]
    if start == "auto":
        default = REWEIGHTERS[params["reweight"]][1]
        start = params["defer_frac"] if default == "defer" else default
    return epoch_at(start, params["max_epochs"])


def build_strategy(params):
    """The training strategy of a fit (a fresh object), or None.

    ``params`` are the estimator's parameters: a ``strategy`` object is
    deep-copied; ``mfw=True`` builds :class:`~skimbal.strategies.FeatureWeakening`
    and ``reweight`` a meta re-weighter, from their flat parameters.
    """
    max_epochs = params["max_epochs"]
    if params["strategy"] is not None:
        return copy.deepcopy(check_strategy(params["strategy"]))
    if params["mfw"]:
        stop = params["mfw_stop_frac"]
        return FeatureWeakening(
            layer=params["mfw_layer"], alpha=params["mfw_alpha"],
            strength=params["mfw_strength"], power=params["mfw_power"],
            dominant=params["mfw_dominant"], keep_label=params["mfw_keep_label"],
            stop_epoch=None if stop is None else epoch_at(stop, max_epochs))
    if params["reweight"] is not None:
        builder, _ = REWEIGHTERS[params["reweight"]]
        return builder(params, meta_start_epoch(params))
    return None
