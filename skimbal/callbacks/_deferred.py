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
    """

    def __init__(self, sampler):
        self.sampler = sampler

    def on_epoch_begin(self, net, **kwargs):
        self.sampler.set_epoch(len(net.history) - 1)
