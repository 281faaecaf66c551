"""The interface every training strategy implements."""


class TrainingStrategy:
    """Base class and interface of training strategies.

    A training strategy changes the training step itself: major feature
    weakening mixes features inside the forward pass, the meta re-weighters
    learn example weights from a look-ahead. The network calls a strategy
    through these methods, in this order:

    1. :meth:`prepare_data`, once in ``fit``, before the network is built,
       with the data that will be trained on (after the validation
       hold-out): it returns the training data, e.g. without a development
       split it keeps for itself.
    2. :meth:`initialize`, once, when training starts: the network's
       module, criterion and optimizer exist.
    3. :meth:`active`, before every training batch, with the 0-based epoch.
    4. :meth:`training_step`, for the batches of active epochs: it returns
       the loss to back-propagate and the batch's logits. The network calls
       ``loss.backward()`` and takes the optimizer step, so gradient
       clipping, learning-rate schedules and callbacks work as for any
       other step. In inactive epochs the network takes its ordinary step.

    What the network offers a strategy is public: ``net.module_``,
    ``net.criterion_`` (a :class:`skimbal.losses.ImbalancedLoss`: called as
    ``criterion(logits, y, sample_weight)``, with ``per_sample_loss`` and
    ``reduce``), ``net.optimizer_``, ``net.prepare_input(X, training)`` (raw
    inputs as ``fit`` got them to the tensor the module takes: scaling,
    augmentation when ``training``, standardisation, memory format),
    ``net.class_counts`` (training examples per class), ``net.max_epochs``
    and ``net.history``. Random draws should use torch's default generator
    (or numpy's ``RandomState`` seeded from ``random_state`` in
    :meth:`prepare_data`), which the estimator seeds from its
    ``random_state``, so a fit repeats.

    The estimator deep-copies a strategy object at the start of each
    ``fit``, so the object a user passes is never changed and can be reused
    across fits, folds and grid-search candidates; the trained copy is
    ``net_.strategy``.

    Attributes
    ----------
    requires_per_sample_loss : bool
        Whether :meth:`training_step` needs ``criterion_.per_sample_loss``
        (a plain torch criterion has none; the estimator refuses the
        combination in ``fit``).

    See Also
    --------
    check_strategy : Check an object against the interface.
    FeatureWeakening : A built-in strategy.

    Examples
    --------
    A strategy that trains on the hardest half of each batch:

    >>> import torch
    >>> from skimbal.strategies import TrainingStrategy
    >>> class HardestHalf(TrainingStrategy):
    ...     requires_per_sample_loss = True
    ...     def training_step(self, net, x, y, sample_weight=None):
    ...         logits = net.module_(x)
    ...         losses = net.criterion_.per_sample_loss(logits, y)
    ...         keep = losses.argsort(descending=True)[: max(1, len(y) // 2)]
    ...         return losses[keep].mean(), logits
    """

    requires_per_sample_loss = False

    def prepare_data(self, X, y, sample_weight, *, classes, random_state):
        """The data to train on; the default keeps all of it.

        Parameters
        ----------
        X : ndarray
            Inputs of the fit, as the network takes them (class codes in
            ``y``).
        y : ndarray of shape (n_samples,), int64
            Class codes ``0..n_classes-1``.
        sample_weight : ndarray of shape (n_samples,) or None
            Per-example weights.
        classes : ndarray of shape (n_classes,)
            The labels of the codes, for messages.
        random_state : int
            Seed drawn from the estimator's ``random_state``.

        Returns
        -------
        X, y, sample_weight
            The training data.
        """
        return X, y, sample_weight

    def initialize(self, net):
        """Set up run-time state when training starts (nothing by default).

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        """

    def active(self, epoch):
        """Whether the strategy takes the training steps of ``epoch`` (always here).

        Parameters
        ----------
        epoch : int
            The 0-based epoch.

        Returns
        -------
        bool
        """
        return True

    def training_step(self, net, x, y, sample_weight=None):
        """The loss of one training batch and its logits.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained (module in training mode).
        x : tensor
            The prepared batch (``net.prepare_input(X, training=True)``).
        y : tensor of shape (n,), int64
            Class codes.
        sample_weight : tensor of shape (n,) or None
            Per-example weights of the batch.

        Returns
        -------
        loss : tensor of shape ()
            The loss to back-propagate.
        logits : tensor of shape (n, n_classes)
            The batch's logits (recorded by skorch's callbacks).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement training_step.")

    def state_dict(self):
        """Run-time state to checkpoint (tensors and plain values; none by default).

        A strategy that learns during training (Meta-Weight-Net's weight net)
        returns it here, so that an interrupted fit resumes exactly.

        Returns
        -------
        state : dict
            Empty by default.
        """
        return {}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned (nothing by default).

        Parameters
        ----------
        state : dict
            A dict :meth:`state_dict` returned.
        """


_INTERFACE = ("prepare_data", "initialize", "active", "training_step")


def check_strategy(strategy):
    """Check that ``strategy`` implements the training-strategy interface.

    Parameters
    ----------
    strategy : object
        A strategy object, as passed to ``ImbalancedNetClassifier(strategy=...)``.

    Returns
    -------
    strategy : object
        The same object.

    Raises
    ------
    TypeError
        If a method of the interface is missing, or ``training_step`` is the
        base class's.

    See Also
    --------
    TrainingStrategy : The interface it checks.

    Examples
    --------
    >>> from skimbal.strategies import check_strategy
    >>> check_strategy(object())
    Traceback (most recent call last):
    ...
    TypeError: strategy=<object object at ...> does not implement the training-strategy ...
    """
    missing = [m for m in _INTERFACE if not callable(getattr(strategy, m, None))]
    step = getattr(type(strategy), "training_step", None)
    if not missing and step is TrainingStrategy.training_step:
        missing = ["training_step"]
    if missing:
        raise TypeError(
            f"strategy={strategy!r} does not implement the training-strategy interface: "
            f"it lacks {missing}. Subclass skimbal.strategies.TrainingStrategy and "
            "implement training_step(net, x, y, sample_weight) -> (loss, logits)."
        )
    return strategy
