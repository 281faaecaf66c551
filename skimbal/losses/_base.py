"""The loss protocol, the registry of loss names, and cross-entropy.

A skimbal loss is an ``nn.Module`` called as ``loss(logits, y, sample_weight)``
that also gives the unreduced ``per_sample_loss(logits, y)``. The estimator
builds one for each fit, from the class counts of the data being fitted, as
``cls(class_counts, weight=class_weights, **hyper_parameters)``; that is the
constructor shape every loss here has.
"""

import contextlib
import contextvars
import inspect

import torch
import torch.nn.functional as F
from torch import nn

from ..utils import Registry, check_class_counts

_LOSSES = Registry("loss")


def register_loss(name, cls=None):
    """Register a loss class under ``name``, so that ``loss=name`` builds it.

    Usable as a decorator. The class must subclass :class:`ImbalancedLoss`;
    its hyper-parameters reach the estimator through ``loss_params``.

    Parameters
    ----------
    name : str
        The name users pass as ``loss=``.
    cls : type, default=None
        The loss class (omit it to use ``register_loss`` as a decorator).

    Returns
    -------
    cls or decorator

    Raises
    ------
    ValueError
        If the name is taken.
    TypeError
        If ``cls`` is not a subclass of :class:`ImbalancedLoss`.

    See Also
    --------
    unregister_loss : Remove a registered loss.
    ImbalancedLoss : The base class of a loss.

    Examples
    --------
    >>> import torch.nn.functional as F
    >>> from skimbal.losses import ImbalancedLoss, list_losses, register_loss, unregister_loss
    >>> @register_loss("squared_hinge_demo")
    ... class SquaredHinge(ImbalancedLoss):
    ...     def per_sample_loss(self, logits, target):
    ...         margin = logits.gather(1, target[:, None]) - logits
    ...         return F.relu(1 - margin).pow(2).sum(1) - 1
    >>> "squared_hinge_demo" in list_losses()
    True
    >>> unregister_loss("squared_hinge_demo")
    """

    def add(target):
        if not (isinstance(target, type) and issubclass(target, ImbalancedLoss)):
            raise TypeError(
                f"register_loss({name!r}) takes a subclass of skimbal.losses."
                f"ImbalancedLoss; got {target!r}. A plain torch criterion can be "
                "passed as loss= directly."
            )
        return _LOSSES.register(name, target)

    return add if cls is None else add(cls)


def unregister_loss(name):
    """Remove a registered loss name.

    Parameters
    ----------
    name : str
        A registered name.

    Raises
    ------
    ValueError
        If ``name`` is not registered.

    See Also
    --------
    register_loss : Add a name.

    Examples
    --------
    >>> from skimbal.losses import (CrossEntropyLoss, list_losses, register_loss,
    ...                             unregister_loss)
    >>> _ = register_loss("my_ce", CrossEntropyLoss)
    >>> "my_ce" in list_losses()
    True
    >>> unregister_loss("my_ce")
    >>> "my_ce" in list_losses()
    False
    """
    _LOSSES.unregister(name)


def get_loss(name):
    """The loss class registered under ``name``.

    Parameters
    ----------
    name : str
        A registered name (see :func:`list_losses`).

    Returns
    -------
    cls : type
        A subclass of :class:`ImbalancedLoss`.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the registered names.

    See Also
    --------
    list_losses : The registered names.
    register_loss : Register a loss.

    Examples
    --------
    >>> from skimbal.losses import get_loss
    >>> get_loss("focal").__name__
    'FocalLoss'
    """
    return _LOSSES.get(name)


def list_losses():
    """Registered loss names, sorted.

    Returns
    -------
    names : list of str

    See Also
    --------
    register_loss : Register a loss.
    get_loss : The loss class of a name.

    Examples
    --------
    >>> from skimbal.losses import list_losses
    >>> "ldam" in list_losses()
    True
    """
    return _LOSSES.names()


def loss_names_constraint():
    """Parameter-validation constraint accepting the registered loss names.

    Returns
    -------
    constraint : StrOptions
        A scikit-learn ``StrOptions`` constraint for
        ``_parameter_constraints``. It reads the registry when checked, so a
        name registered later is accepted too.

    See Also
    --------
    register_loss : Add a name.
    list_losss : The registered names.

    Examples
    --------
    >>> from skimbal.losses import loss_names_constraint
    >>> constraint = loss_names_constraint()
    >>> constraint.is_satisfied_by("ldam")
    True
    >>> constraint.is_satisfied_by("no_such_loss")
    False
    """
    return _LOSSES.constraint()


class ImbalancedLoss(nn.Module):
    """Base class of skimbal's losses: the protocol a custom loss follows.

    A subclass overrides :meth:`per_sample_loss` (or only
    :meth:`training_logits`, the logits the loss sees during training) and
    inherits the rest:

    - **class counts** arrive in the constructor, ``class_counts``, counted
      on the data of each fit (so per cross-validation fold), and are kept
      as the buffer ``self.class_counts`` (a float tensor);
    - **class weights** arrive as ``weight=`` and may be replaced during
      training through :meth:`set_class_weight` (deferred re-weighting does
      that at its switch epoch);
    - **per-example weights** (``fit``'s ``sample_weight``) arrive in
      ``forward(logits, y, sample_weight)``;
    - the **per-example loss** :meth:`per_sample_loss` is what the training
      strategies (meta re-weighting, label-mixing feature weakening) combine
      with their own weights, and :meth:`reduce` is the weighted mean.

    Hyper-parameters are keyword arguments of the constructor, stored under
    their own names, as in scikit-learn estimators, so that
    :meth:`get_params` returns them. An instance may then be passed as
    ``loss=`` like a template: every fit builds
    ``type(loss)(class_counts, weight=w, **loss.get_params())``. A loss that
    needs its own head (LDAM's cosine head) returns it from
    :meth:`make_head`.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Training examples per class. ``None`` gives a template, which is
        enough for losses that do not use counts.
    weight : array-like of shape (n_classes,), default=None
        Class weights ``w_c``.

    Notes
    -----
    The reduction is a weighted mean with PyTorch's semantics: with example
    weights ``v_i = w_{y_i} * s_i`` (class weight times sample weight) the loss
    is ``sum_i v_i * l_i / sum_i v_i``. With no weights it is the plain mean.
    This is what ``torch.nn.functional.cross_entropy(weight=w)`` does and what
    the LDAM-DRW reference code inherits; TensorFlow's class-balanced code
    divides by the number of examples instead (a different effective learning
    rate).

    Attributes
    ----------
    class_counts : torch.Tensor of shape (n_classes,)
        The class counts of the fit (a buffer: it follows the module to its
        device).
    weight : torch.Tensor of shape (n_classes,) or None
        The class weights (a buffer); deferred re-weighting replaces it
        through ``set_class_weight``.

    See Also
    --------
    register_loss : Make a subclass a ``loss`` name.
    TorchCriterion : A plain torch criterion behind the same protocol.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import ImbalancedLoss
    >>> class ScaledCE(ImbalancedLoss):
    ...     def __init__(self, class_counts=None, *, weight=None, scale=2.0):
    ...         super().__init__(class_counts, weight=weight)
    ...         self.scale = scale
    ...     def training_logits(self, logits, target):
    ...         return logits * self.scale
    >>> loss = ScaledCE([10, 1], scale=3.0)
    >>> loss.get_params()
    {'scale': 3.0}
    >>> float(loss(torch.zeros(2, 2), torch.tensor([0, 1])))  # log 2
    0.693...
    """

    requires_counts = False

    def __init__(self, class_counts=None, *, weight=None):
        super().__init__()
        if class_counts is None:
            counts = None
        else:
            counts = torch.as_tensor(
                check_class_counts(class_counts, what=type(self).__name__),
                dtype=torch.float32,
            )
        self.register_buffer("class_counts", counts)
        weight = None if weight is None else torch.as_tensor(weight).float()
        self.register_buffer("weight", weight)

    # ----------------------------------------------------------- params
    @classmethod
    def _param_names(cls):
        names = []
        for name, p in inspect.signature(cls.__init__).parameters.items():
            if name in ("self", "class_counts", "weight"):
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            names.append(name)
        return names

    def get_params(self, deep=False):
        """Hyper-parameters: the constructor's keywords besides counts and weights.

        Parameters
        ----------
        deep : bool, default=False
            Unused; accepted for scikit-learn's ``clone``.

        Returns
        -------
        params : dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyper-parameters of a template (``loss__gamma`` in a grid search).

        A fit rebuilds the loss from :meth:`get_params`, so quantities that
        a constructor derives from them are recomputed there.

        Parameters
        ----------
        **params
            Hyper-parameters by name.

        Returns
        -------
        self : ImbalancedLoss
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())

    # ------------------------------------------------------------ hooks
    def make_head(self, in_features, n_classes):
        """The classifier head this loss needs, or None to keep the module's.

        Parameters
        ----------
        in_features : int
            Size of the penultimate features.
        n_classes : int
            Number of classes.

        Returns
        -------
        head : nn.Module or None
            A head replacing the network's last linear layer (LDAM's cosine
            head), or None.
        """
        return None

    def set_class_weight(self, weight):
        """Replace the class weights (``None`` removes them).

        Parameters
        ----------
        weight : array-like of shape (n_classes,) or None
            One weight per class, or None for none.
        """
        if weight is not None:
            device = next((b.device for b in self.buffers()), None)
            weight = torch.as_tensor(weight, dtype=torch.float32, device=device)
        self.weight = weight

    def _counts_buffer(self, name):
        """A buffer derived from the class counts; a clear error for a template."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(
                f"{type(self).__name__} needs class_counts; this instance was built "
                "without them (as a template: the estimator builds the loss with the "
                "counts of each fit)."
            )
        return value

    # ------------------------------------------------------------- loss
    def training_logits(self, logits, target):
        """Logits as the loss sees them in training (identity here).

        Parameters
        ----------
        logits : tensor of shape (n, n_classes)
            The network's raw logits for a batch.
        target : tensor of shape (n,), int64
            Class codes ``0..n_classes-1`` of the batch.

        Returns
        -------
        logits : tensor of shape (n, n_classes)
            The logits the training loss is computed on (with margins,
            temperatures or priors, for the losses that add them).
        """
        return logits

    def per_sample_loss(self, logits, target):
        """Unreduced loss of each example (cross-entropy of the training logits).

        Parameters
        ----------
        logits : tensor of shape (n, n_classes)
            The network's raw logits for a batch.
        target : tensor of shape (n,), int64
            Class codes ``0..n_classes-1`` of the batch.

        Returns
        -------
        loss : tensor of shape (n,)
            One loss per example, not yet weighted.
        """
        return F.cross_entropy(
            self.training_logits(logits, target), target, reduction="none"
        )

    def forward(self, logits, target, sample_weight=None):
        if (sample_weight is None and self.weight is None and _PROCESS_MEAN.get() is None
                and type(self).per_sample_loss is ImbalancedLoss.per_sample_loss):
            # the unweighted mean of cross-entropies in one kernel: the same value
            # and gradient as reduce(per_sample_loss(...)), a pass over the batch fewer
            return F.cross_entropy(self.training_logits(logits, target), target)
        return self.reduce(self.per_sample_loss(logits, target), target, sample_weight)

    def reduce(self, loss, target, sample_weight=None):
        """Weighted mean of per-example losses (class times sample weights).

        Parameters
        ----------
        loss : tensor of shape (n,)
            Per-example losses (:meth:`per_sample_loss`).
        target : tensor of shape (n,), int64
            Class codes ``0..n_classes-1`` of the batch.
        sample_weight : tensor of shape (n,), default=None
            Per-example weights (meta-learned or the user's), times the
            class weights.

        Returns
        -------
        loss : tensor of shape ()
            The weighted mean (normalised by the sum of the weights, as
            ``torch.nn.functional.cross_entropy`` does).
        """
        weights = None
        if self.weight is not None:
            weights = self.weight[target]
        if sample_weight is not None:
            sample_weight = sample_weight.to(loss.dtype)
            weights = sample_weight if weights is None else weights * sample_weight
        mean = _PROCESS_MEAN.get()
        if weights is None:
            if mean is None:
                return loss.mean()
            total, norm = loss.sum(), loss.new_tensor(float(loss.shape[0]))
        else:
            total, norm = (weights * loss).sum(), weights.sum()
        if mean is not None:
            # this process's share of the global batch's weighted mean: the
            # processes' average of these is that mean, and so is their
            # average gradient
            norm = mean(norm.detach())
        return total / norm.clamp_min(1e-12)


# In data-parallel training: a function giving a tensor's mean over the processes
_PROCESS_MEAN = contextvars.ContextVar("skimbal_process_mean", default=None)


@contextlib.contextmanager
def global_batch_mean(process_mean):
    """Reduce losses as each process's share of one global batch's mean.

    For data-parallel training (``accelerate=True`` on the estimator sets
    it). Within the context, :meth:`ImbalancedLoss.reduce` divides each
    process's weighted sum of losses by the mean over the processes of their
    normalisers (number of examples, or sum of class and sample weights),
    so that the average of the processes' losses, and of their gradients,
    is the weighted mean over the whole global batch, however its examples
    and weights are shared out.

    Parameters
    ----------
    process_mean : callable
        ``process_mean(tensor)``: the tensor's mean over the processes (a
        collective every process calls), e.g.
        ``lambda t: accelerator.reduce(t, reduction="mean")``.

    Yields
    ------
    None

    See Also
    --------
    ImbalancedLoss : The losses whose reduction it serves.

    Examples
    --------
    Two processes, simulated: one holds two examples of weight 1, the other
    one of weight 2. Their shares average to the global weighted mean.

    >>> import torch
    >>> from skimbal.losses import CrossEntropyLoss, global_batch_mean
    >>> loss = CrossEntropyLoss([1, 1])
    >>> # both normalisers are 2 (two examples; one of weight 2): their mean is 2
    >>> with global_batch_mean(lambda norm: torch.tensor(2.0)):
    ...     a = loss.reduce(torch.tensor([1.0, 2.0]), torch.tensor([0, 0]))
    ...     b = loss.reduce(torch.tensor([4.0]), torch.tensor([1]),
    ...                     sample_weight=torch.tensor([2.0]))
    >>> float((a + b) / 2)  # (1 + 2 + 2 * 4) / (1 + 1 + 2)
    2.75
    """
    token = _PROCESS_MEAN.set(process_mean)
    try:
        yield
    finally:
        _PROCESS_MEAN.reset(token)


class TorchCriterion(ImbalancedLoss):
    """A plain torch criterion ``criterion(logits, y)`` behind the loss protocol.

    The estimator wraps any loss that is not an :class:`ImbalancedLoss`
    (``torch.nn.CrossEntropyLoss()``, a function) in this class. Such a
    criterion gets the clean logits and the class codes and nothing else: no
    class counts, no class weights (``class_weight``, ``schedule='drw'``),
    no per-example weights (``sample_weight``) and no per-example loss (meta
    re-weighting, ``mfw_keep_label=False``); the estimator refuses those
    combinations in ``fit``. Subclass :class:`ImbalancedLoss` to get them.

    Parameters
    ----------
    criterion : callable
        Called as ``criterion(logits, y)``, returning a scalar tensor.

    See Also
    --------
    ImbalancedLoss : The protocol of skimbal's own losses.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import TorchCriterion
    >>> loss = TorchCriterion(torch.nn.CrossEntropyLoss())
    >>> float(loss(torch.zeros(2, 2), torch.tensor([0, 1])))
    0.693...
    """

    def __init__(self, criterion):
        super().__init__()
        self.criterion = criterion

    def forward(self, logits, target, sample_weight=None):
        if sample_weight is not None or self.weight is not None:
            raise ValueError(
                f"{self._name()} is a plain torch criterion: it takes no class or "
                "sample weights. Subclass skimbal.losses.ImbalancedLoss to get them."
            )
        return self.criterion(logits, target)

    def per_sample_loss(self, logits, target):
        raise ValueError(
            f"{self._name()} is a plain torch criterion and gives no per-example loss. "
            "Subclass skimbal.losses.ImbalancedLoss and implement per_sample_loss."
        )

    def _name(self):
        return getattr(type(self.criterion), "__name__", repr(self.criterion)) \
            if isinstance(self.criterion, nn.Module) else \
            getattr(self.criterion, "__name__", repr(self.criterion))


@register_loss("ce")
class CrossEntropyLoss(ImbalancedLoss):
    """Softmax cross-entropy (ERM), optionally class- and sample-weighted.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,), default=None
        Unused by the loss itself; accepted for a uniform interface.
    weight : array-like of shape (n_classes,), default=None
        Class weights (see :class:`ImbalancedLoss` for the reduction).

    See Also
    --------
    ImbalancedLoss : The loss protocol it follows.

    Examples
    --------
    >>> import torch
    >>> from skimbal.losses import CrossEntropyLoss
    >>> float(CrossEntropyLoss()(torch.zeros(1, 2), torch.tensor([0])))
    0.693...
    """
