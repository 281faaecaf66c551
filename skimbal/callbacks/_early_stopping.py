"""Early stopping that never cuts a training schedule short."""

import numpy as np
from skorch.callbacks import Callback


class ScheduledEarlyStopping(Callback):
    """Stop when a validation score stops improving, but only after the schedule.

    The literature's recipes place their learning-rate decays and deferred
    switches (re-weighting, re-sampling, feature weakening's end, meta
    re-weighting's start) at fractions of ``max_epochs``. Stopping before the
    last of them would skip the stage that makes the method, so the
    patience counts only from ``first_epoch``, the epoch of the last switch:
    from then on, training stops after ``patience`` epochs without an
    improvement of ``monitor``, and the network goes back to the weights of
    its best epoch since ``first_epoch``.

    Parameters
    ----------
    first_epoch : int
        First (0-based) epoch that may count as the best and start the
        patience.
    patience : int, default=10
        Epochs without improvement before stopping.
    monitor : str, default="valid_bacc"
        History key of the score (higher is better).
    tol : float, default=0.0
        Improvement needed to count as one.

    Attributes
    ----------
    best_score_ : float
        The best score since ``first_epoch``.
    best_epoch_ : int
        Its (1-based) epoch.

    Notes
    -----
    It stops through the estimator's net (``request_stop``):
    ``ImbalancedNetClassifier(early_stopping=True)`` adds it, with
    ``first_epoch`` the schedule's last switch.

    See Also
    --------
    WarmupMultiStep : The schedule whose last switch it waits for.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=60, early_stopping=True,
    ...                               n_iter_no_change=3, random_state=0)
    >>> _ = net.fit(X.astype(np.float32), y)
    >>> stopper = dict(net.net_.callbacks_)["early_stopping"]
    >>> type(stopper).__name__, len(net.net_.history) < 60
    ('ScheduledEarlyStopping', True)
    """

    def __init__(self, first_epoch, patience=10, monitor="valid_bacc", tol=0.0):
        self.first_epoch = first_epoch
        self.patience = patience
        self.monitor = monitor
        self.tol = tol

    def initialize(self):
        self.best_score_ = -np.inf
        self.best_epoch_ = None
        self.best_state_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch - 1 < self.first_epoch:
            return
        score = net.history[-1, self.monitor]
        if score > self.best_score_ + self.tol:
            self.best_score_, self.best_epoch_ = float(score), epoch
            self.best_state_ = {k: v.detach().clone()
                                for k, v in net.module_.state_dict().items()}
        elif epoch - self.best_epoch_ >= self.patience:
            net.request_stop()

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
