"""Deferred re-weighting (DRW) and the epoch hook of class-aware samplers."""

from skorch.callbacks import Callback


class DeferredReweighting(Callback):
    """Switch the criterion's class weights on at a given epoch (DRW).

    Before ``start_epoch`` (0-based) training is unweighted; from it on the
    criterion uses ``weight``. LDAM-DRW switches at epoch 160 of 200, together
    with the first learning-rate decay.

    Parameters
    ----------
    weight : array-like of shape (n_classes,)
        Class weights to use from ``start_epoch`` on.
    start_epoch : int
        First (0-based) epoch with the weights.

    Notes
    -----
    The weights are set on the criterion in place (``set_class_weight``);
    calling ``net.set_params`` mid-training would re-initialise the optimizer.
    ``ImbalancedNetClassifier(schedule="drw")`` adds this callback itself.

    See Also
    --------
    SamplerEpoch : The deferred sampler's counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.datasets import make_classification
    >>> from skorch import NeuralNetClassifier
    >>> X, y = make_classification(200, n_features=8, weights=[0.8, 0.2], random_state=0)
    >>> X = X.astype(np.float32)
    >>> from skimbal.callbacks import DeferredReweighting
    >>> from skimbal.losses import CrossEntropyLoss
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Linear(8, 2), criterion=CrossEntropyLoss, max_epochs=3, lr=0.1,
    ...     train_split=None, verbose=0,
    ...     callbacks=[DeferredReweighting([1.0, 4.0], start_epoch=2)]).fit(X, y)
    >>> net.criterion_.weight.tolist()  # set from the third epoch on
    [1.0, 4.0]
    """

    def __init__(self, weight, start_epoch):
        self.weight = weight
        self.start_epoch = start_epoch

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # the net's own hook already added this epoch
        net.criterion_.set_class_weight(self.weight if epoch >= self.start_epoch else None)


class SamplerEpoch(Callback):
    """Tell a sampler with ``set_epoch`` which (0-based) epoch is starting.

    Parameters
    ----------
    sampler : object with ``set_epoch(int)``
        The training sampler, e.g. :class:`~skimbal.sampling.ImbalancedSampler`.

    See Also
    --------
    DeferredReweighting : The deferred class weights' counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.datasets import make_classification
    >>> from skorch import NeuralNetClassifier
    >>> X, y = make_classification(200, n_features=8, weights=[0.8, 0.2], random_state=0)
    >>> X = X.astype(np.float32)
    >>> from skimbal.callbacks import SamplerEpoch
    >>> from skimbal.sampling import ImbalancedSampler
    >>> sampler = ImbalancedSampler(y, start_epoch=1)  # deferred re-sampling
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Linear(8, 2), criterion=torch.nn.CrossEntropyLoss, max_epochs=3, lr=0.1,
    ...     train_split=None, verbose=0, iterator_train__sampler=sampler,
    ...     callbacks=[SamplerEpoch(sampler)]).fit(X, y)
    >>> sampler.epoch  # the last (0-based) epoch drawn
    2
    """

    def __init__(self, sampler):
        self.sampler = sampler

    def on_epoch_begin(self, net, **kwargs):
        self.sampler.set_epoch(len(net.history) - 1)
