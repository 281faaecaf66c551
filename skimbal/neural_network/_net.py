"""The skorch net that :class:`ImbalancedNetClassifier` builds in ``fit``.

Private: users see the estimator. It adds to ``NeuralNetClassifier`` what the
methods need: per-batch input preparation (uint8 scaling, batched
augmentation in training, per-channel standardisation, channels_last), sample
weights carried next to ``X``, a criterion called with them, and one hook
for a training strategy (:class:`~skimbal.strategies.TrainingStrategy`) that
changes the training step. Its public methods and attributes are what a
strategy may use.
"""

import contextlib
import copy
import inspect
import json
import math
import os
from collections.abc import Mapping

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from skorch.dataset import Dataset, get_len, unpack_data
from skorch.history import History
from skorch.utils import TeeGenerator, to_tensor
from torch.fx.experimental.optimization import fuse as fx_fuse

from ..data import ArrayBatches, DatasetInput, as_batch_tensor, contains_dataset, dataset_batches
from ..exceptions import DivergenceError


class _ImbalancedNet(NeuralNetClassifier):
    def __init__(self, *args, precision="fp32", pixel_scale=None, augmenter=None,
                 input_mean=None, input_std=None,
                 channels_last=False, class_labels=None, class_counts=None, strategy=None,
                 checkpoint_path=None, checkpoint_every=1, checkpoint_key=None,
                 loader_params=None, compile_options=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision
        self.pixel_scale = pixel_scale
        self.augmenter = augmenter
        self.input_mean = input_mean
        self.input_std = input_std
        self.channels_last = channels_last
        self.class_labels = class_labels
        self.class_counts = class_counts
        self.strategy = strategy
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every
        self.checkpoint_key = checkpoint_key
        self.loader_params = loader_params
        self.compile_options = compile_options
        self._compiled = None
        self.generator = None
        self.epochs_completed_ = 0
        self.resume_point_ = None
        self.stopped_early_ = False
        self.grad_scaler_ = None
        self._augmenter_takes_generator = None
        self._fold = False
        self._folded = None

    def initialize_module(self):
        super().initialize_module()
        if self.channels_last:
            self.module_.to(memory_format=torch.channels_last)
        return self

    def initialize(self):
        super().initialize()
        if self.precision == "fp16":
            self.grad_scaler_ = torch.amp.GradScaler(torch.device(self.device).type)
        self.generator = torch.Generator()
        if self.strategy is not None:
            self.strategy.initialize(self)
        return self

    def _set_training(self, training=True):
        # a batch after a batch in the same mode needs no walk over the module tree
        if getattr(self, "_modes_set_training", None) is training and \
                self.module_.training is training and self.criterion_.training is training:
            return
        super()._set_training(training)
        self._modes_set_training = training

    def set_generator(self, generator):
        """Use ``generator`` for every random draw of training (order, sampler,
        augmentation, strategies)."""
        self.generator = generator
        sampler = self.get_params_for("iterator_train").get("sampler")
        if sampler is not None and hasattr(sampler, "generator"):
            sampler.generator = generator

    def get_iterator(self, dataset, training=False):
        """Batches gathered straight from in-memory arrays (one gather each), or
        read from a Dataset by a ``DataLoader`` drawing the same epoch order."""
        ours = type(dataset) is Dataset
        if not (ours and (_in_memory(dataset.X) or contains_dataset(dataset.X))):
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        if contains_dataset(dataset.X):
            return dataset_batches(
                dataset.X, None if dataset.y is None else np.asarray(dataset.y),
                batch_size=batch_size, shuffle=training and kwargs.get("shuffle", False),
                sampler=kwargs.get("sampler") if training else None,
                drop_last=training and kwargs.get("drop_last", False),
                generator=self.order_generator(), loader_params=self.loader_params,
                device=self.device, shard=self.shard() if training else None)
        y = None if dataset.y is None else as_batch_tensor(dataset.y)
        return ArrayBatches(
            as_batch_tensor(dataset.X), y, batch_size=batch_size,
            shuffle=training and kwargs.get("shuffle", False),
            sampler=kwargs.get("sampler") if training else None,
            drop_last=training and kwargs.get("drop_last", False),
            generator=self.order_generator(), shard=self.shard() if training else None,
        )

    def order_generator(self):
        """The generator the epochs' orders and the samplers draw from."""
        return self.generator

    def shard(self):
        """``(rank, world_size)`` of data-parallel training, or None (one process)."""
        return None

    def prepare_input(self, X, training):
        """A batch of raw inputs (as ``fit`` got them) to the tensor the module takes.

        Pixels are scaled as the training images were (by ``1/pixel_scale``,
        255 for ``uint8`` training images, whatever the dtype now); images are
        augmented when ``training``, standardised with the training
        statistics and put in channels_last memory format.
        """
        if isinstance(X, Mapping):
            X = X["X"]
        if isinstance(X, DatasetInput):  # a few items (a probe, a development batch)
            X = np.asarray(X)
        x = _to_device(X, self.device)
        if x.dtype == torch.uint8:
            x = x.float() if self.pixel_scale is None else x.float().div_(self.pixel_scale)
        else:
            x = x.float() if self.pixel_scale is None else x.float() / self.pixel_scale
        if x.ndim == 4:
            if training and self.augmenter is not None:
                x = self._augment(x)
            if self.input_mean is not None:
                mean = torch.as_tensor(self.input_mean, device=x.device).view(1, -1, 1, 1)
                std = torch.as_tensor(self.input_std, device=x.device).view(1, -1, 1, 1)
                x = (x - mean) / std
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _augment(self, x):
        if self._augmenter_takes_generator is None:
            try:
                params = inspect.signature(self.augmenter).parameters
            except (TypeError, ValueError):
                params = {}
            self._augmenter_takes_generator = "generator" in params
        if self._augmenter_takes_generator:
            return self.augmenter(x, generator=self.generator)
        return self.augmenter(x)

    # ------------------------------------------------------------ precision
    def autocast(self):
        """The autocast context of ``precision`` (a no-op for fp32)."""
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(torch.device(self.device).type, dtype=dtype)

    def backward(self, loss):
        """``loss.backward()``, through the gradient scaler under fp16."""
        if self.grad_scaler_ is None:
            loss.backward()
        else:
            self.grad_scaler_.scale(loss).backward()

    def _step_optimizer(self, step_fn=None):
        if self.grad_scaler_ is None:
            return super()._step_optimizer(step_fn)
        step_fn()
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return None

    # ------------------------------------------------------------ inference
    def infer(self, x, **fit_params):
        with self.autocast():
            return self.compiled_module()(self.prepare_input(x, training=False), **fit_params)

    def compiled_module(self):
        """``torch.compile(module_)`` when ``compile_options`` asks for it, else ``module_``.

        The compiled wrapper shares the module's parameters; it is built on
        first use and not pickled (a loaded estimator compiles again).
        """
        if self.compile_options is None:
            return self.module_
        if self._compiled is None or self._compiled[0] is not self.module_:
            self._compiled = (self.module_, torch.compile(self.module_,
                                                          **self.compile_options))
        return self._compiled[1]

    def forward(self, X, training=False, device="cpu"):
        """Outputs of ``X``; a large prediction pass runs on a batch-norm-folded copy."""
        self.check_is_fitted()
        self._fold = not training and self._folds(X)
        try:
            return super().forward(X, training=training, device=device)
        finally:
            self._fold = False

    def _folds(self, X):
        """Whether a prediction pass over ``X`` is worth folding batch norm for."""
        try:
            n = get_len(X)
        except TypeError:  # no length to tell
            return False
        return n >= _FOLD_FROM and _has_batch_norm(self.module_)

    def evaluation_step(self, batch, training=False):
        if training:
            return super().evaluation_step(batch, training=True)
        Xi, _ = unpack_data(batch)
        self._set_training(False)
        if self.compile_options is not None:
            return self._compiled_pass(Xi)
        module = self.inference_module() if self._fold else self.module_
        with torch.inference_mode(), self.autocast():
            return module(self.prepare_input(Xi, training=False))

    def _compiled_pass(self, Xi, output="logits"):
        """Outputs of the frozen compiled copy, a batch padded to a size it compiled for.

        A batch shorter than a size already compiled (the last batch of a
        pass) is padded up to it, so a pass compiles once per batch size; in
        evaluation mode each example's outputs do not depend on the others.
        """
        module = self.inference_module(output)
        sizes = self._folded[output][2]
        with torch.inference_mode(), self.autocast(), _freezing():
            x = self.prepare_input(Xi, training=False)
            n = len(x)
            size = min((s for s in sizes if s >= n), default=n)
            sizes.add(size)
            if size > n:
                x = torch.cat([x, x.new_zeros((size - n, *x.shape[1:]))])
                if x.dim() == 4 and self.channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
            return module(x)[:n]

    def inference_module(self, output="logits"):
        """The module for a prediction pass: a copy with batch norm folded away.

        Each batch-norm layer that follows a convolution is folded into it
        (``torch.fx``), which gives the same outputs within float tolerance
        and is faster. The copy is kept until the weights change (the
        tensors' version counters). A module that cannot be traced is used
        as it is.
        """
        version = (id(self.module_), sum(
            t._version for t in self.module_.state_dict(keep_vars=True).values()))
        folds = self._folded or {}
        if output in folds and folds[output][0] == version:
            return folds[output][1]
        source = _Features(self.module_) if output == "features" else self.module_
        try:
            folded = fx_fuse(copy.deepcopy(source).eval())
        except Exception:  # not traceable: no folding
            folded = source
        if self.channels_last:
            folded = folded.to(memory_format=torch.channels_last)
        if self.compile_options is not None:
            # compiled for inference with the weights frozen in as constants
            # (inductor's freezing); a new weights version compiles again
            folded = torch.compile(folded, **{"dynamic": False, **self.compile_options})
        # one copy per output (logits, features), so passes that alternate
        # between them (the deviation callback) fold each once per weights;
        # beside it, the batch sizes a compiled copy has run at
        self._folded = {**folds, output: (version, folded, set())}
        return folded

    def __getstate__(self):
        state = super().__getstate__()
        state["_folded"] = None  # a cache; traced modules need not pickle
        state["_compiled"] = None  # compiled modules do not pickle
        state.pop("_grad_hooks", None)
        return state

    def features(self, X):
        """Penultimate features ``module.features(x)`` of ``X``, in evaluation mode."""
        if not callable(getattr(self.module_, "features", None)):
            raise ValueError(
                "transform_to='features' needs a module with a features(x) method; "
                f"{type(self.module_).__name__} has none."
            )
        iterator = self.get_iterator(self.get_dataset(X), training=False)
        self._set_training(False)
        if self.compile_options is not None:
            out = [self._compiled_pass(unpack_data(batch)[0], "features") for batch in iterator]
            return torch.cat(out).float().cpu()
        module = self.inference_module("features") if self._folds(X) else \
            _Features(self.module_)
        with torch.inference_mode(), self.autocast():
            out = [module(self.prepare_input(unpack_data(batch)[0], False))
                   for batch in iterator]
        return torch.cat(out).float().cpu()

    # ------------------------------------------------------- stop and resume
    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """Train the epochs left: ``max_epochs`` minus those already completed."""
        if epochs is None:
            epochs = self.max_epochs - self.epochs_completed_
        return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop with its per-batch bookkeeping in fewer calls.

        The same hooks run in the same order with the same arguments (the
        net's own, then the callbacks' that define them), and the history
        gets the same batch records: on a small network the bookkeeping
        costs as much as the step.
        """
        if iterator is None:
            return
        begin, end = self._batch_hooks("on_batch_begin"), self._batch_hooks("on_batch_end")
        self._grad_hooks = self._batch_hooks("on_grad_computed")  # read by train_step
        loss_key, size_key = prefix + "_loss", prefix + "_batch_size"
        count = 0
        # on an accelerator the batch losses are read once, at the end of the
        # epoch: no host synchronisation per batch
        deferred = [] if self._defers_loss_reads() else None
        try:
            for batch in iterator:
                self.on_batch_begin(self, batch=batch, training=training)  # a batch record
                for hook in begin:
                    hook(self, batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                record = self.history[-1]["batches"][-1]
                X = batch[0] if isinstance(batch, (tuple, list)) else batch
                record[size_key] = X.shape[0] if isinstance(X, torch.Tensor) else get_len(X)
                if deferred is None:
                    record[loss_key] = step["loss"].item()
                    if training:
                        self._check_finite_loss(step["loss"], batch)
                else:
                    deferred.append((record, step["loss"].detach(), batch if not deferred
                                     else None))
                self.on_batch_end(self, batch=batch, training=training, **step)
                for hook in end:
                    hook(self, batch=batch, training=training, **step)
                count += 1
        finally:
            self._grad_hooks = None
        if deferred:
            losses = self.epoch_losses(
                torch.stack([loss.float() for _, loss, _ in deferred])).tolist()
            for (record, _, _), loss in zip(deferred, losses):
                record[loss_key] = loss
            bad = [i for i, loss in enumerate(losses) if not math.isfinite(loss)]
            if training and bad:
                self._check_finite_loss(torch.tensor(losses[bad[0]]), deferred[0][2],
                                        batch_number=bad[0] + 1)
        self.history.record(prefix + "_batch_count", count)

    def epoch_losses(self, losses):
        """An epoch's batch losses as the history records them (one process: as they are)."""
        return losses

    def train_step(self, batch, **fit_params):
        """skorch's optimizer step; ``on_grad_computed`` only runs where it is defined."""
        base = NeuralNetClassifier
        if type(self).get_train_step_accumulator is not base.get_train_step_accumulator:
            return super().train_step(batch, **fit_params)
        hooks = getattr(self, "_grad_hooks", None)
        if hooks is None:  # called outside run_single_epoch
            hooks = self._batch_hooks("on_grad_computed")
        if type(self).on_grad_computed is not base.on_grad_computed:
            hooks = [self.on_grad_computed, *hooks]  # the net's own first, as in skorch
        first = []  # skorch's FirstStepAccumulator: a closure may run several times

        def closure():
            self._zero_grad_optimizer()
            step = self.train_step_single(batch, **fit_params)
            if not first:
                first.append(step)
            if hooks:
                named = TeeGenerator(self.get_all_learnable_params())
                for hook in hooks:
                    hook(self, named_parameters=named, batch=batch, training=True)
            return step["loss"]

        self._step_optimizer(closure)
        return first[0]

    def _batch_hooks(self, name):
        """The bound ``name`` hooks of the callbacks that define it."""
        return [getattr(cb, name) for _, cb in self.callbacks_ if _defines(cb, name)]

    def notify(self, method_name, **cb_kwargs):
        # the batch hooks are called by run_single_epoch and train_step directly
        super().notify(method_name, **cb_kwargs)
        if method_name == "on_train_begin" and self.resume_point_ is None:
            self.resume_point_ = self.snapshot()
        elif method_name == "on_epoch_end":
            # after every callback's on_epoch_end: the epoch is complete
            self.epochs_completed_ = len(self.history)
            self.resume_point_ = self.snapshot()
            done = self.epochs_completed_
            if self.checkpoint_path is not None and (
                    done % self.checkpoint_every == 0 or done == self.max_epochs):
                self.save_checkpoint()
            if self.stopped_early_:
                raise KeyboardInterrupt  # how skorch's loop is left; not an interruption

    def request_stop(self):
        """Stop training after this epoch (early stopping); the fit is then complete."""
        self.stopped_early_ = True

    def _defers_loss_reads(self):
        """Whether batch losses are read at the end of the epoch (off the CPU)."""
        return torch.device(self.device).type != "cpu"

    def _check_finite_loss(self, loss, batch, batch_number=None):
        """Stop with a clear error when the training loss is NaN or infinite.

        ``batch`` is the batch whose inputs' scale the message gives (on an
        accelerator, checked at the end of the epoch: the epoch's first).
        """
        loss = loss.item()  # skorch has read it already: no further device sync
        if math.isfinite(loss):
            return
        X = batch[0]["X"] if isinstance(batch[0], Mapping) else batch[0]
        scale = float(torch.as_tensor(X).abs().float().max())
        lr = self.optimizer_.param_groups[0]["lr"]
        if batch_number is None:
            batch_number = len(self.history[-1]["batches"])
        raise DivergenceError(
            f"The training loss became {loss} in epoch {len(self.history)} (batch "
            f"{batch_number}): training diverged. Likely causes: a "
            f"learning rate too high for this network (the rate was {lr:g}), or inputs "
            f"of a large scale (the largest |x| of a batch is {scale:.3g}: standardise "
            "tabular inputs, e.g. with a StandardScaler in a Pipeline)."
        )

    def snapshot(self):
        """The training state at the end of the last completed epoch.

        Module, optimizer and criterion states, the random generators, the
        strategy's state and the number of completed epochs (the history up
        to them is kept in place): all a fit needs to go on exactly.
        """
        state = {
            "epochs_completed": self.epochs_completed_,
            "module": _cloned(self.module_.state_dict()),
            "optimizer": copy.deepcopy(self.optimizer_.state_dict()),
            "criterion": _cloned(self.criterion_.state_dict()),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "strategy": {} if self.strategy is None else self.strategy.state_dict(),
        }
        if torch.device(self.device).type == "cuda":  # what dropout draws on the GPU
            state["cuda_rng"] = torch.cuda.get_rng_state(torch.device(self.device))
        return state

    def restore(self, state, history=None):
        """Go back to a :meth:`snapshot` (and its history, when given as a list)."""
        self.module_.load_state_dict(state["module"])
        self.optimizer_.load_state_dict(state["optimizer"])
        _load_buffers(self.criterion_, state["criterion"])
        self.generator.set_state(state["generator"])
        if self.strategy is not None:
            self.strategy.load_state_dict(state["strategy"])
        k = state["epochs_completed"]
        if history is not None:
            self.history_ = History(history)
        del self.history[k:]
        self.epochs_completed_ = k
        self.resume_point_ = state

    def save_checkpoint(self):
        """Write the last completed epoch's state to ``checkpoint_path`` (atomically)."""
        payload = {"key": self.checkpoint_key, "state": self.resume_point_,
                   "history": json.dumps(self.history.to_list(), default=_json_default)}
        os.makedirs(os.path.dirname(self.checkpoint_path) or ".", exist_ok=True)
        tmp = f"{self.checkpoint_path}.tmp{os.getpid()}"
        torch.save(payload, tmp)
        os.replace(tmp, self.checkpoint_path)

    def load_checkpoint(self):
        """Restore the state of ``checkpoint_path`` (loaded with ``weights_only=True``).

        Returns
        -------
        bool
            Whether a checkpoint of this fit's key was there.
        """
        if self.checkpoint_path is None or not os.path.exists(self.checkpoint_path):
            return False
        payload = torch.load(self.checkpoint_path, weights_only=True)
        if payload["key"] != self.checkpoint_key:
            return False
        self.restore(payload["state"], history=json.loads(payload["history"]))
        return True

    # ---------------------------------------------------------------- steps
    def get_loss(self, y_pred, y_true, X=None, training=False):
        if not (isinstance(y_true, torch.Tensor) and y_true.device == y_pred.device):
            y_true = _to_device(y_true, y_pred.device)
        weight = batch_sample_weight(X, y_pred.device)
        k = getattr(self.module_, "ensemble_size", None)
        if k is not None and len(y_pred) == k * len(y_true) and k > 1:
            # an ensemble module's members' logits, k rows an example: each
            # member is trained on the example (the mean of their losses)
            y_true = y_true.repeat_interleave(k)
            weight = None if weight is None else weight.repeat_interleave(k)
        return self.criterion_(y_pred, y_true, weight)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        x = self.prepare_input(Xi, training=True)
        epoch = len(self.history) - 1
        with self.autocast():
            if self.strategy is not None and self.strategy.active(epoch):
                y = _to_device(yi, self.device)
                loss, y_pred = self.strategy.training_step(
                    self, x, y, batch_sample_weight(Xi, self.device))
            else:
                y_pred = self.compiled_module()(x, **fit_params)
                loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.backward(loss)
        return {"loss": loss, "y_pred": y_pred}


# prediction passes of at least this many examples fold batch norm first
_FOLD_FROM = 1024


def _freezing():
    """Inductor's ``freezing`` on while a compiled prediction pass (re)compiles."""
    from torch._inductor import config

    return config.patch(freezing=True)


def _defines(callback, hook):
    """Whether ``callback`` does something in ``hook`` (skorch's base method is a no-op)."""
    return getattr(type(callback), hook, None) is not getattr(Callback, hook)


class _Features(torch.nn.Module):
    """A module's ``features`` as the forward pass of a wrapper (for tracing)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module.features(x)


def _has_batch_norm(module):
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())


def _cloned(state):
    return {k: v.detach().clone() if torch.is_tensor(v) else copy.deepcopy(v)
            for k, v in state.items()}


def _load_buffers(module, state):
    """``load_state_dict`` that also fills buffers that are None (weights set later)."""
    for name, value in state.items():
        owner, _, attr = name.rpartition(".")
        sub = module.get_submodule(owner) if owner else module
        if attr in sub._buffers and sub._buffers[attr] is None:
            sub._buffers[attr] = value.clone()
    module.load_state_dict(state, strict=False)
    present = set(module.state_dict())
    for name in present - set(state):
        owner, _, attr = name.rpartition(".")
        sub = module.get_submodule(owner) if owner else module
        if attr in sub._buffers:
            sub._buffers[attr] = None  # e.g. class weights not yet switched on


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"history value {value!r} cannot be saved in a checkpoint")


def _in_memory(X):
    if isinstance(X, Mapping):
        return all(_in_memory(v) for v in X.values())
    return isinstance(X, np.ndarray) or torch.is_tensor(X)


def _to_device(X, device):
    """A batch as a tensor on ``device``; copied without waiting from pinned memory."""
    if torch.is_tensor(X) and X.device.type == "cpu" and torch.device(device).type == "cuda":
        return X.to(device, non_blocking=X.is_pinned())
    return to_tensor(X, device=device)


def batch_sample_weight(X, device):
    """Sample weights carried next to ``X`` (a dict batch), or None."""
    if isinstance(X, Mapping) and "sample_weight" in X:
        return _to_device(X["sample_weight"], device)
    return None
