"""Linear warm-up then step decay, at fractions of training (LDAM-DRW recipe)."""

from skorch.callbacks import Callback, LRScheduler
from torch.optim.lr_scheduler import LambdaLR


class WarmupMultiStep:
    """Learning-rate factor of each epoch: linear warm-up, then step decay.

    With 0-based epoch ``k`` the factor is ``(k + 1) / W`` during the first
    ``W = round(warmup_frac * max_epochs)`` epochs, then
    ``decay ** (number of milestones m with k >= round(m * max_epochs))``.
    With the defaults and 200 epochs this is the LDAM-DRW script: ``lr * e / 5``
    in (1-based) epochs 1-5, ``lr`` until 160, ``lr * 0.01`` in 161-180 and
    ``lr * 1e-4`` after.

    Parameters
    ----------
    max_epochs : int
        Length of training.
    warmup_frac : float, default=0.025
        Fraction of training spent warming up (5 of 200 epochs).
    milestones : tuple of float, default=(0.8, 0.9)
        Fractions of training at which the rate is multiplied by ``decay``.
    decay : float, default=0.01
        Multiplicative factor at each milestone.

    See Also
    --------
    warmup_multistep_scheduler : The scheduler it builds.
    EpochLR : A per-epoch learning rate of your own.

    Examples
    --------
    >>> from skimbal.callbacks import WarmupMultiStep
    >>> f = WarmupMultiStep(200)
    >>> [f(k) for k in (0, 4, 5, 159, 160, 179, 180)]
    [0.2, 1.0, 1.0, 1.0, 0.01, 0.01, 0.0001]
    """

    def __init__(self, max_epochs, warmup_frac=0.025, milestones=(0.8, 0.9), decay=0.01):
        self.max_epochs = int(max_epochs)
        self.warmup_frac = warmup_frac
        self.milestones = tuple(milestones)
        self.decay = decay

    @property
    def warmup_epochs(self):
        return int(round(self.warmup_frac * self.max_epochs))

    @property
    def milestone_epochs(self):
        return [int(round(m * self.max_epochs)) for m in self.milestones]

    def __call__(self, epoch):
        if epoch < self.warmup_epochs:
            return (epoch + 1) / self.warmup_epochs
        passed = sum(epoch >= m for m in self.milestone_epochs)
        return self.decay**passed


def warmup_multistep_scheduler(max_epochs, warmup_frac=0.025, milestones=(0.8, 0.9), decay=0.01):
    """A skorch ``LRScheduler`` callback stepping :class:`WarmupMultiStep` per epoch.

    Parameters
    ----------
    max_epochs : int
        Length of training.
    warmup_frac : float, default=0.025
        Fraction of training spent warming up.
    milestones : tuple of float, default=(0.8, 0.9)
        Fractions of training at which the rate decays.
    decay : float, default=0.01
        Multiplicative factor at each milestone.

    Returns
    -------
    callback : skorch.callbacks.LRScheduler
        Steps the optimizer's rate at the start of every epoch.

    See Also
    --------
    WarmupMultiStep : The factor of each epoch.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.datasets import make_classification
    >>> from skorch import NeuralNetClassifier
    >>> X, y = make_classification(200, n_features=8, weights=[0.8, 0.2], random_state=0)
    >>> X = X.astype(np.float32)
    >>> from skimbal.callbacks import warmup_multistep_scheduler
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Linear(8, 2), criterion=torch.nn.CrossEntropyLoss, max_epochs=10, lr=0.1,
    ...     train_split=None, verbose=0,
    ...     callbacks=[warmup_multistep_scheduler(10, warmup_frac=0.2)]).fit(X, y)
    >>> [f"{rate:g}" for rate in net.history[:, "event_lr"]]
    ['0.05', '0.1', '0.1', '0.1', '0.1', '0.1', '0.1', '0.1', '0.001', '1e-05']
    """
    factor = WarmupMultiStep(max_epochs, warmup_frac, milestones, decay)
    return LRScheduler(policy=LambdaLR, lr_lambda=factor, step_every="epoch")


class EpochLR(Callback):
    """Set each epoch's learning rate from the epoch's index: ``lr * factor(epoch)``.

    Unlike a torch scheduler stepped once per epoch, it keeps no count of its
    own: the learning rate of epoch ``k`` (0-based, from the net's history)
    is ``initial_lr * factor(k)``, so a fit continued with ``warm_start`` or
    from a checkpoint picks the schedule up where it stopped. The rate of
    every epoch is recorded in the history as ``lr``.

    Parameters
    ----------
    factor : callable
        ``factor(epoch) -> float``, e.g. :class:`WarmupMultiStep`.

    See Also
    --------
    WarmupMultiStep : The default recipe's schedule.

    Examples
    --------
    >>> from skimbal import ImbalancedNetClassifier
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(100, random_state=0)
    >>> clf = ImbalancedNetClassifier(max_epochs=10, random_state=0).fit(X, y)
    >>> clf.net_.history[:, "lr"][-3:]
    [0.1, 0.001, 1e-05]
    """

    def __init__(self, factor):
        self.factor = factor

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # the net's own hook already added this epoch
        scale = self.factor(epoch)
        for group in net.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * scale
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])
