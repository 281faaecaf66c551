"""Warnings and errors of skimbal."""

__all__ = ["DivergenceError", "FitInterruptedWarning"]


class DivergenceError(FloatingPointError):
    """The training loss or the network's outputs became NaN or infinite.

    Raised by ``fit`` (so that ``GridSearchCV`` records the candidate's
    ``error_score`` instead of ranking a diverged network) and at prediction.

    See Also
    --------
    skimbal.ImbalancedNetClassifier : The estimator that raises it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.exceptions import DivergenceError
    >>> X, y = make_classification(200, n_features=8, random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", lr=1e12, max_epochs=3, random_state=0)
    >>> try:
    ...     net.fit(X.astype(np.float32) * 1e6, y)
    ... except DivergenceError as error:
    ...     print(str(error)[:47])
    The training loss became nan in epoch 1 (batch
    """


class FitInterruptedWarning(UserWarning):
    """A fit stopped before ``max_epochs`` (e.g. Ctrl-C); ``warm_start=True`` continues it.

    See Also
    --------
    skimbal.ImbalancedNetClassifier : Its ``warm_start`` and ``checkpoint_dir``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skorch.callbacks import Callback
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.exceptions import FitInterruptedWarning
    >>> class CtrlC(Callback):  # a Ctrl-C at the end of the second epoch
    ...     def on_epoch_end(self, net, **kwargs):
    ...         if len(net.history) == 2:
    ...             raise KeyboardInterrupt
    >>> X, y = make_classification(200, n_features=8, random_state=0)
    >>> X = X.astype(np.float32)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=5, callbacks=[CtrlC()],
    ...                               random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = net.fit(X, y)
    >>> [str(w.message)[:43] for w in caught if w.category is FitInterruptedWarning]
    ['The fit was interrupted after 1 of max_epoc']
    >>> len(net.set_params(warm_start=True, callbacks=None).fit(X, y).net_.history)
    5
    """
