"""Data-parallel training through Hugging Face Accelerate (skorch's ``AccelerateMixin``).

Private: users set ``accelerate=`` on :class:`ImbalancedNetClassifier` and
start their script with ``accelerate launch`` or ``torchrun``. Every process
builds the same network from the same seed (the main process's, broadcast),
draws the same epoch order and samples from the same generator, and trains on
its share of each global batch (examples ``rank::world_size``); after each
backward pass the gradients are averaged over the processes in one
all-reduce, so the replicas stay identical.

The gradients are averaged after the backward pass rather than by wrapping
the module in ``DistributedDataParallel`` because the methods reach into the
module: major feature weakening mixes the outputs of inner layers, meta
re-weighting differentiates through ``torch.func.functional_call``, the
feature-level tools call ``module.features`` and ``module.classifier``. DDP
synchronises only the gradients of passes through its own ``forward``; an
average after the backward pass covers every method the same way.
"""

import hashlib

import torch
from skorch.callbacks import PrintLog
from skorch.hf import AccelerateMixin

from ..losses import global_batch_mean
from ._net import _ImbalancedNet


class _AcceleratedNet(AccelerateMixin, _ImbalancedNet):
    """``_ImbalancedNet`` trained on all of an ``Accelerator``'s processes.

    Only the pieces of ``AccelerateMixin`` that fit skimbal's training step
    are kept: the accelerator, its print function for the log (one copy, on
    the main process), the barrier at the end of training and the main
    process's ``save_params``. The module and optimizer are not prepared
    (see the module's docstring); ``release`` turns the fitted net into a
    plain, picklable ``_ImbalancedNet``.
    """

    # ------------------------------------------------------------ set-up
    def initialize(self):
        # skimbal's initialisation (not the mixin's copy of skorch's), then the
        # accelerator's part
        _ImbalancedNet.initialize(self)
        self._initialize_accelerator()
        self._validate_params()
        return self

    def _initialize_callbacks(self):
        # the log on the main process only; skorch's PrintLog prints to any sink
        # but ``print`` whatever ``verbose`` says, so quiet fits keep ``print``
        if self.callbacks__print_log__sink == "auto":
            self.callbacks__print_log__sink = self.accelerator.print if self.verbose else print
        return _ImbalancedNet._initialize_callbacks(self)

    def _initialize_accelerator(self):
        """Start every process from the main process's weights (nothing is wrapped)."""
        if self.accelerator.num_processes > 1:
            from accelerate.utils import broadcast

            with torch.no_grad():
                for tensor in self.module_.state_dict().values():
                    tensor.copy_(broadcast(tensor.clone(), from_process=0))
        self._wrapped_with_accelerator = False  # so there is nothing to unwrap
        return self

    def set_generator(self, generator):
        """``generator`` (the same on every process) for the orders and samplers;
        a stream of each process's own for the draws per example (augmentation,
        feature weakening, development batches)."""
        super().set_generator(generator)
        self._shared_generator = generator
        if self.accelerator.num_processes > 1:
            # seeded from the shared generator's state without drawing from it,
            # so the orders are those of a fit on one process
            digest = hashlib.sha256(generator.get_state().numpy().tobytes()).digest()
            self.generator = torch.Generator().manual_seed(
                int.from_bytes(digest[:7], "little") + self.accelerator.process_index)

    def order_generator(self):
        shared = getattr(self, "_shared_generator", None)
        return self.generator if shared is None else shared

    def shard(self):
        world = self.accelerator.num_processes
        return None if world == 1 else (self.accelerator.process_index, world)

    # ------------------------------------------------------------- steps
    def get_iterator(self, dataset, training=False):
        # skimbal's batches, sharded by ``shard``; not accelerate's prepared loader
        return _ImbalancedNet.get_iterator(self, dataset, training=training)

    def train_step(self, batch, **fit_params):
        # skimbal's step: gradients are averaged in _step_optimizer, so the
        # mixin's accumulate context (DDP's no_sync) has nothing to do
        return _ImbalancedNet.train_step(self, batch, **fit_params)

    def train_step_single(self, batch, **fit_params):
        if self.accelerator.num_processes == 1:
            return _ImbalancedNet.train_step_single(self, batch, **fit_params)
        with global_batch_mean(self._process_mean):
            return _ImbalancedNet.train_step_single(self, batch, **fit_params)

    def evaluation_step(self, batch, training=False):
        # every process scores all of a validation or prediction set: nothing to gather
        return _ImbalancedNet.evaluation_step(self, batch, training=training)

    def _step_optimizer(self, step_fn=None):
        def step_and_average():
            loss = step_fn()
            self._average_gradients()
            return loss
        return _ImbalancedNet._step_optimizer(self, step_and_average)

    def _average_gradients(self):
        """Every parameter's gradient averaged over the processes (one all-reduce)."""
        if self.accelerator.num_processes == 1:
            return
        params = [p for _, p in self.get_all_learnable_params()]
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
        flat = self._process_mean(torch.cat([g.reshape(-1) for g in grads]))
        start = 0
        for p, g in zip(params, grads):
            p.grad = flat[start:start + g.numel()].view_as(g).to(g.dtype)
            start += g.numel()

    def _process_mean(self, tensor):
        """``tensor``'s mean over the processes, a new tensor (accelerate reduces a copy)."""
        return self.accelerator.reduce(tensor, reduction="mean")

    def epoch_losses(self, losses):
        """The global batches' losses: the processes' shares averaged."""
        if self.accelerator.num_processes == 1:
            return losses
        return self._process_mean(losses)

    def _defers_loss_reads(self):
        # the batch losses are averaged over the processes once per epoch
        return self.accelerator.num_processes > 1 or super()._defers_loss_reads()

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if training:
            self._average_buffers()

    def _average_buffers(self):
        """Batch-norm running statistics averaged over the processes, so that the
        replicas (and their validation scores) stay identical."""
        if self.accelerator.num_processes == 1:
            return
        with torch.no_grad():
            for tensor in self.module_.buffers():
                if tensor.is_floating_point():
                    tensor.copy_(self._process_mean(tensor))

    def snapshot(self):
        state = super().snapshot()
        shared = getattr(self, "_shared_generator", None)
        if shared is not None and shared is not self.generator:
            state["shared_generator"] = shared.get_state()
        return state

    def restore(self, state, history=None):
        super().restore(state, history=history)
        if "shared_generator" in state and getattr(self, "_shared_generator", None) is not None:
            self._shared_generator.set_state(state["shared_generator"])

    def save_checkpoint(self):
        """The main process writes the checkpoint (every process holds the same state)."""
        if self.accelerator.is_main_process:
            super().save_checkpoint()
        self.accelerator.wait_for_everyone()

    # ---------------------------------------------------------- finished
    def release(self):
        """This net as a plain ``_ImbalancedNet``: no accelerator, picklable.

        Returns
        -------
        net : _ImbalancedNet
            ``self``, its class changed; the trained module, history and
            state are kept.
        """
        for name in ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator",
                     "_shared_generator", "callbacks__print_log__sink"):
            self.__dict__.pop(name, None)
        for _, callback in getattr(self, "callbacks_", []):
            if isinstance(callback, PrintLog):
                callback.sink = print
        self.__class__ = _ImbalancedNet
        return self
