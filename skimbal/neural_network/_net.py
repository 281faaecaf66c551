"""The skorch net that :class:`ImbalancedNetClassifier` builds in ``fit``.

Private: users see the estimator. It adds to ``NeuralNetClassifier`` what the
methods need: per-batch input preparation (uint8 scaling, batched
augmentation in training, per-channel standardisation, channels_last), sample
weights carried next to ``X``, a criterion called with them, and the training
strategies that change the training step (feature weakening, meta-learned
example weights).
"""

from collections.abc import Mapping

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data
from skorch.utils import to_tensor


class _ImbalancedNet(NeuralNetClassifier):
    def __init__(self, *args, augmenter=None, input_mean=None, input_std=None,
                 channels_last=False, class_labels=None, weakening=None,
                 weakening_stop_epoch=None, reweighter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.augmenter = augmenter
        self.input_mean = input_mean
        self.input_std = input_std
        self.channels_last = channels_last
        self.class_labels = class_labels
        self.weakening = weakening
        self.weakening_stop_epoch = weakening_stop_epoch
        self.reweighter = reweighter

    def initialize_module(self):
        super().initialize_module()
        if self.channels_last:
            self.module_.to(memory_format=torch.channels_last)
        if self.weakening is not None:
            self.weakening_points_ = self.weakening.mixing_points(self.module_)
        return self

    def _prepare(self, x, training):
        """Batch of raw inputs to the tensor the module sees."""
        if isinstance(x, Mapping):
            x = x["X"]
        x = to_tensor(x, device=self.device)
        x = x.float().div_(255) if x.dtype == torch.uint8 else x.float()
        if x.ndim == 4:
            if training and self.augmenter is not None:
                x = self.augmenter(x)
            if self.input_mean is not None:
                mean = torch.as_tensor(self.input_mean, device=x.device).view(1, -1, 1, 1)
                std = torch.as_tensor(self.input_std, device=x.device).view(1, -1, 1, 1)
                x = (x - mean) / std
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
        return x

    def infer(self, x, **fit_params):
        return self.module_(self._prepare(x, training=False), **fit_params)

    def features(self, X):
        """Penultimate features ``module.features(x)`` of ``X``, in evaluation mode."""
        if not callable(getattr(self.module_, "features", None)):
            raise ValueError(
                "transform_to='features' needs a module with a features(x) method; "
                f"{type(self.module_).__name__} has none."
            )
        iterator = self.get_iterator(self.get_dataset(X), training=False)
        self._set_training(False)
        with torch.no_grad():
            out = [self.module_.features(self._prepare(unpack_data(batch)[0], training=False))
                   for batch in iterator]
        return torch.cat(out).float().cpu()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=y_pred.device)
        return self.criterion_(y_pred, y_true, _sample_weight(X, y_pred.device))

    def _weakening_active(self, epoch):
        if self.weakening is None:
            return False
        return self.weakening_stop_epoch is None or epoch < self.weakening_stop_epoch

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        x = self._prepare(Xi, training=True)
        epoch = len(self.history) - 1
        if self.reweighter is not None and self.reweighter.active(epoch):
            y = to_tensor(yi, device=self.device)
            loss, y_pred = self.reweighter.step_loss(self, x, y, _sample_weight(Xi, self.device))
        elif self._weakening_active(epoch):
            y = to_tensor(yi, device=self.device)
            plan = self.weakening.draw(y, self.weakening_points_)
            with self.weakening.applied(self.module_, plan):
                y_pred = self.module_(x, **fit_params)
            loss = self.weakening.loss(self.criterion_, y_pred, y, plan,
                                       _sample_weight(Xi, self.device))
        else:
            y_pred = self.module_(x, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}


def _sample_weight(X, device):
    """Sample weights carried next to ``X`` (a dict batch), or None."""
    if isinstance(X, Mapping) and "sample_weight" in X:
        return to_tensor(X["sample_weight"], device=device)
    return None
