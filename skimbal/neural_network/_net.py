"""The skorch net that :class:`ImbalancedNetClassifier` builds in ``fit``.

Private: users see the estimator. It adds to ``NeuralNetClassifier`` what the
methods need: per-batch input preparation (uint8 scaling, batched
augmentation in training, per-channel standardisation, channels_last), sample
weights carried next to ``X``, and a criterion called with them.
"""

from collections.abc import Mapping

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data
from skorch.utils import to_tensor


class _ImbalancedNet(NeuralNetClassifier):
    def __init__(self, *args, augmenter=None, input_mean=None, input_std=None,
                 channels_last=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.augmenter = augmenter
        self.input_mean = input_mean
        self.input_std = input_std
        self.channels_last = channels_last

    def initialize_module(self):
        super().initialize_module()
        if self.channels_last:
            self.module_.to(memory_format=torch.channels_last)
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

    def get_loss(self, y_pred, y_true, X=None, training=False):
        sample_weight = None
        if isinstance(X, Mapping) and "sample_weight" in X:
            sample_weight = to_tensor(X["sample_weight"], device=y_pred.device)
        y_true = to_tensor(y_true, device=y_pred.device)
        return self.criterion_(y_pred, y_true, sample_weight)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.module_(self._prepare(Xi, training=True), **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}
