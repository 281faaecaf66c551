"""Which combinations of options ``fit`` refuses: every rule in one place.

Each rule raises a ``ValueError`` that names the parameters in conflict and
what to do instead (or warns, for a combination that is legal but rarely
meant). :func:`check_options` runs them all before any data is split or any
network is built.
"""

import warnings

import torch
from skorch.callbacks import Callback

from ..sampling import check_resampler, is_resampler, is_scheduled_sampling
from ._builders import epoch_at, is_plain_criterion


def check_options(params, *, images, has_sample_weight):
    """Raise for an option combination the estimator cannot honour.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    images : bool
        Whether ``X`` holds images.
    has_sample_weight : bool
        Whether ``fit`` got ``sample_weight``.
    """
    for rule in _RULES:
        rule(params, images=images, has_sample_weight=has_sample_weight)


def _sampler_schedule(p, **_):
    sampler = p["sampler"]
    if is_resampler(sampler):
        check_resampler(sampler)  # one that synthesises examples cannot drive batches
        return
    if sampler is not None and p["schedule"] == "drs" and is_scheduled_sampling(sampler):
        raise ValueError(
            f"sampler={sampler!r} is already a schedule and cannot be combined "
            "with schedule='drs'; use one of them."
        )


def _augment_needs_images(p, *, images, **_):
    if not images and (p["augment"] is True or callable(p["augment"])):
        raise ValueError(
            f"augment={p['augment']!r} augments images, but X is tabular (2-D); "
            "use augment='auto' or False."
        )


def _one_strategy(p, **_):
    chosen = [name for name, on in (("mfw=True", p["mfw"]),
                                    (f"reweight={p['reweight']!r}", p["reweight"] is not None),
                                    (f"strategy={p['strategy']!r}", p["strategy"] is not None))
              if on]
    if len(chosen) < 2:
        return
    if p["mfw"] and p["reweight"] is not None:
        raise ValueError(
            f"mfw=True cannot be combined with reweight={p['reweight']!r}: the "
            "look-ahead of meta re-weighting would have to replay the random "
            "feature mixing. Use one of them."
        )
    raise ValueError(
        f"{chosen[0]} cannot be combined with {chosen[1]}: a fit takes one training "
        "strategy. Use one of them."
    )


def _reweight_options(p, **_):
    reweight = p["reweight"]
    if reweight is None:
        return
    if p["schedule"] is not None:
        raise ValueError(
            f"reweight={reweight!r} sets its own example weights and stage; "
            f"it cannot be combined with schedule={p['schedule']!r}."
        )
    if reweight != "meta" and p["class_weight"] is not None:
        raise ValueError(
            f"reweight={reweight!r} learns the example weights itself; "
            f"class_weight={p['class_weight']!r} is only used with "
            "reweight='meta' (as its class weights w_y). Set class_weight=None."
        )


def _schedule_reached(p, **_):
    if p["schedule"] is None:
        return
    defer = epoch_at(p["defer_frac"], p["max_epochs"])
    if defer >= p["max_epochs"]:
        raise ValueError(
            f"schedule={p['schedule']!r} switches at epoch "
            f"round(defer_frac * max_epochs) = {defer}, "
            f"which max_epochs={p['max_epochs']} never reaches; raise max_epochs "
            "or lower defer_frac."
        )


def _plain_criterion(p, *, has_sample_weight, **_):
    """A torch criterion outside the loss protocol gets logits and codes only."""
    loss = p["loss"]
    if not is_plain_criterion(loss):
        return
    needs = []
    if p["class_weight"] is not None:
        needs.append(f"class_weight={p['class_weight']!r} (class weights)")
    if p["schedule"] == "drw":
        needs.append("schedule='drw' (class weights)")
    if has_sample_weight:
        needs.append("sample_weight (per-example weights)")
    if p["reweight"] is not None:
        needs.append(f"reweight={p['reweight']!r} (a per-example loss)")
    if p["mfw"] and not p["mfw_keep_label"]:
        needs.append("mfw_keep_label=False (a per-example loss)")
    strategy = p["strategy"]
    if strategy is not None and getattr(strategy, "requires_per_sample_loss", False):
        needs.append(f"strategy={strategy!r} (a per-example loss)")
    if needs:
        raise ValueError(
            f"loss={loss!r} is a plain torch criterion, called as loss(logits, y): it "
            f"cannot take what {', '.join(needs)} needs. Subclass "
            "skimbal.losses.ImbalancedLoss (per_sample_loss) to get class counts, class "
            "and sample weights and a per-example loss."
        )


def _callbacks(p, **_):
    for i, item in enumerate(p["callbacks"] or []):
        callback = item
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[0], str):
                raise ValueError(
                    f"callbacks[{i}]={item!r}: a tuple must be (name, callback) with a "
                    "string name."
                )
            callback = item[1]
        is_callback = isinstance(callback, Callback) or (
            isinstance(callback, type) and issubclass(callback, Callback))
        if not is_callback:
            raise ValueError(
                f"callbacks[{i}]={item!r} is not a skorch callback: pass instances (or "
                "classes) of skorch.callbacks.Callback, or (name, callback) tuples."
            )
        if type(callback).__name__ == "EarlyStopping" or getattr(
                callback, "__name__", None) == "EarlyStopping":
            raise ValueError(
                f"callbacks[{i}] is skorch's EarlyStopping, which would stop at a fixed "
                "patience and skip the learning-rate milestones and deferred switches "
                "placed at fractions of max_epochs (and needs a validation split). Use "
                "early_stopping=True, which stops only after the last scheduled switch."
            )


def _milestones(p, **_):
    milestones = list(p["lr_milestones"])
    if any(not 0 < m < 1 for m in milestones) or milestones != sorted(set(milestones)):
        raise ValueError(
            f"lr_milestones={p['lr_milestones']!r} must be increasing fractions of "
            "training, each strictly between 0 and 1 (e.g. (0.8, 0.9))."
        )


def _double_correction(p, **_):
    """Class weights and a class-balancing sampler both active: warn."""
    weights = p["class_weight"] is not None or p["schedule"] == "drw"
    sampler = p["sampler"]
    balancing = (sampler is not None and sampler != "instance") or p["schedule"] == "drs"
    if weights and balancing and p["reweight"] is None:
        what = f"class_weight={p['class_weight']!r}" if p["class_weight"] is not None \
            else "schedule='drw' (effective-number weights)"
        how = f"sampler={sampler!r}" if sampler is not None else "schedule='drs'"
        warnings.warn(
            f"{what} and {how} both correct the class imbalance: the sampler already "
            "balances the batches, so the weights correct it a second time. Use one of "
            "them (or defer one with schedule='drw' or 'drs').",
            UserWarning, stacklevel=4,
        )


def _early_stopping(p, **_):
    if p["early_stopping"] and p["validation_fraction"] is None:
        raise ValueError(
            "early_stopping=True monitors the balanced accuracy of a validation split, "
            "but validation_fraction=None holds none out: set a fraction (e.g. 0.2) or "
            "leave it 'auto'."
        )


def _precision(p, **_):
    if p["precision"] == "fp32":
        return
    if p["precision"] == "fp16":
        device = p["device"]
        cuda = torch.cuda.is_available() and (device == "auto" or device.startswith("cuda"))
        if not cuda:
            raise ValueError(
                f"precision='fp16' needs a CUDA device (its gradient scaler is CUDA's); "
                f"device={device!r}. Use precision='bf16' on the CPU."
            )
    if p["reweight"] is not None:
        raise ValueError(
            f"reweight={p['reweight']!r} computes its look-ahead in fp32 (forward-mode "
            f"derivatives); it cannot be combined with precision={p['precision']!r}."
        )


def _optimizer(p, **_):
    optimizer = p["optimizer"]
    if isinstance(optimizer, type) and not issubclass(optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"optimizer={optimizer!r} is not a torch optimizer class (a subclass of "
            "torch.optim.Optimizer), nor 'sgd' or 'adamw'."
        )


_RULES = (
    _precision,
    _optimizer,
    _early_stopping,
    _callbacks,
    _milestones,
    _double_correction,
    _sampler_schedule,
    _augment_needs_images,
    _one_strategy,
    _reweight_options,
    _schedule_reached,
    _plain_criterion,
)
