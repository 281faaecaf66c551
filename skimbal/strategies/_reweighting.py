"""Meta-learned example weights from a one-step look-ahead on a balanced
development set: Jamal et al. (CVPR 2020), L2RW (Ren et al., ICML 2018) and
Meta-Weight-Net (Shu et al., NeurIPS 2019).

All three ask the same question of a training batch: if the model took one
SGD step on the batch with weights ``a``, how would the development loss
change with each ``a_i``? With ``theta' = theta - lr * sum_i a_i grad l_i``,

    d L_dev(theta') / d a_i = -lr * grad L_dev(theta') . grad l_i(theta),

so the answer needs the development gradient at the looked-ahead parameters
and one Jacobian-vector product of the per-example losses, computed here in
forward mode (dual numbers through ``torch.func.functional_call``). This
is the exact gradient that the reference scripts obtain by differentiating
through a copied model's update with ``create_graph=True``, without copying
the model or taking second derivatives.
"""

import copy
import warnings

import numpy as np
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from ..sampling import compute_class_weight
from ..utils import as_python
from ._base import TrainingStrategy


def lookahead_weight_grad(module, per_sample_loss, x, y, a, x_dev, y_dev, lr,
                          losses=None, rng_state=None):
    """Gradient of the development loss after one look-ahead step, per weight.

    Parameters
    ----------
    module : nn.Module
        The network, in the mode (train or eval) of the look-ahead.
    per_sample_loss : callable
        ``per_sample_loss(logits, y)`` returns the unreduced training loss.
    x, y : tensors
        The training batch (prepared inputs, class codes).
    a : tensor of shape (n,)
        Example weights of the look-ahead step (no gradient is taken through
        them).
    x_dev, y_dev : tensors
        The development batch; its loss is the mean cross-entropy.
    lr : float
        Learning rate of the look-ahead step.
    losses : tensor of shape (n,), default=None
        ``per_sample_loss(module(x), y)`` if already computed with its graph;
        it is kept (``retain_graph``) for the caller's own backward pass.
    rng_state : tensor, default=None
        Torch CPU RNG state from before ``losses`` was computed, so that the
        forward-mode pass draws the same dropout masks.

    Returns
    -------
    grad : tensor of shape (n,)
        ``d L_dev(theta - lr * grad sum_i a_i l_i(theta)) / d a_i``.
    dev_loss : float
        Development loss at the looked-ahead parameters.

    Notes
    -----
    Batch-norm running statistics are not changed: the look-ahead passes use
    copies of the module's buffers. Random layers (dropout) draw the same
    masks in the forward-mode pass as in the first pass.

    See Also
    --------
    L2RWReweighter : A re-weighter built on it.
    MetaClassReweighter : Another.

    Examples
    --------
    >>> import torch
    >>> import torch.nn.functional as F
    >>> from skimbal.strategies import lookahead_weight_grad
    >>> _ = torch.manual_seed(0)
    >>> module = torch.nn.Linear(3, 2)
    >>> x, y = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])
    >>> def loss(logits, target):
    ...     return F.cross_entropy(logits, target, reduction="none")
    >>> grad, dev_loss = lookahead_weight_grad(module, loss, x, y, torch.zeros(4), x, y, lr=0.1)
    >>> grad.shape, isinstance(dev_loss, float)
    (torch.Size([4]), True)
    """
    names = [n for n, p in module.named_parameters() if p.requires_grad]
    params = [p for p in module.parameters() if p.requires_grad]
    buffers = dict(module.named_buffers())
    if rng_state is None:
        rng_state = torch.get_rng_state()
    if losses is None:
        losses = per_sample_loss(module(x), y)
    a = a.detach().to(losses.dtype)
    if bool((a != 0).any()):
        grads = torch.autograd.grad((a * losses).sum(), params, retain_graph=True)
        ahead = [(p - lr * g).detach() for p, g in zip(params, grads)]
    else:
        ahead = [p.detach() for p in params]
    ahead = [p.requires_grad_() for p in ahead]
    dev_logits = functional_call(
        module, ({**dict(zip(names, ahead)), **_copied(buffers)}), (x_dev,))
    dev_loss = F.cross_entropy(dev_logits, y_dev)
    v = torch.autograd.grad(dev_loss, ahead)

    current = torch.get_rng_state()
    torch.set_rng_state(rng_state)
    with fwAD.dual_level(), warnings.catch_warnings():
        # torch loads its forward-AD decompositions with torch.jit.script, which
        # warns of its own deprecation (torch-internal, nothing to act on).
        warnings.filterwarnings("ignore", message=".*torch.jit.script", category=FutureWarning)
        duals = {n: fwAD.make_dual(p.detach(), t) for n, p, t in zip(names, params, v)}
        out = functional_call(module, ({**duals, **_copied(buffers)}), (x,))
        directional = fwAD.unpack_dual(per_sample_loss(out, y)).tangent
    torch.set_rng_state(current)
    return -lr * directional.detach(), float(dev_loss.detach())


def _copied(buffers):
    return {name: b.clone() for name, b in buffers.items()}


class _ExampleReweighter(TrainingStrategy):
    """Common part: the balanced development set, the stage, the batches.

    Parameters
    ----------
    dev_size : int, default=10
        Development examples per class, carved from the training data of
        each fit by :meth:`prepare_data` (``meta_dev_size`` of the
        estimator).
    start_epoch : int, default=0
        First (0-based) epoch of the meta-weighted stage.
    dev_batch_size : int, default=128
        Development examples per look-ahead.
    """

    requires_per_sample_loss = True

    def __init__(self, dev_size=10, start_epoch=0, dev_batch_size=128):
        self.dev_size = dev_size
        self.start_epoch = start_epoch
        self.dev_batch_size = dev_batch_size

    def prepare_data(self, X, y, sample_weight, *, classes, random_state):
        """Carve a balanced development set of ``dev_size`` examples per class.

        The development set (``X_dev_``, ``y_dev_``) is removed from the
        training data that is returned.
        """
        counts = np.bincount(y, minlength=len(classes))
        short = np.flatnonzero(counts <= self.dev_size)
        if len(short):
            c = short[0]
            raise ValueError(
                f"{type(self).__name__} holds out dev_size={self.dev_size} examples of "
                "each class as its balanced development set (meta_dev_size of "
                "ImbalancedNetClassifier) and needs at least one more to train on, but "
                f"class {as_python(classes[c])!r} has {counts[c]} training examples. "
                f"Lower it (below {counts.min()})."
            )
        rng = np.random.RandomState(random_state)
        dev = np.concatenate([
            rng.choice(np.flatnonzero(y == c), self.dev_size, replace=False)
            for c in range(len(counts))
        ])
        keep = np.setdiff1d(np.arange(len(y)), dev)
        # the development set in memory (a few examples per class, also of a Dataset)
        self.X_dev_, self.y_dev_ = np.asarray(X[dev]), y[dev]
        w = None if sample_weight is None else sample_weight[keep]
        return X[keep], y[keep], w

    def active(self, epoch):
        """Whether epoch (0-based) is in the meta-weighted stage."""
        return epoch >= self.start_epoch

    def dev_batch(self, net):
        """A random development batch, prepared (and augmented) as training data."""
        n = len(self.y_dev_)
        index = torch.randperm(n, generator=net.generator)[: min(self.dev_batch_size, n)]
        index = index.numpy()
        x = net.prepare_input(self.X_dev_[index], training=True)
        y = torch.as_tensor(self.y_dev_[index], device=x.device)
        return x, y

    def training_step(self, net, x, y, sample_weight=None):
        """The batch's loss with meta-learned weights (to backward), and its logits."""
        criterion = net.criterion_
        module = net.module_
        lr = net.optimizer_.param_groups[0]["lr"]
        self._rng_state = torch.get_rng_state()
        logits = module(x)
        losses = criterion.per_sample_loss(logits, y)
        x_dev, y_dev = self.dev_batch(net)
        weights = self.weights(criterion, module, losses, x, y, x_dev, y_dev, lr,
                               sample_weight)
        self.last_weights_ = weights.detach()
        return self.combine(losses, weights), logits

    @staticmethod
    def _scaled(a, sample_weight):
        return a if sample_weight is None else a * sample_weight.to(a.dtype)


class MetaClassReweighter(_ExampleReweighter):
    """Jamal et al. (2020): class weights plus learned per-example corrections.

    The weight of example ``i`` is ``w_{y_i} + eps_i``: ``w`` are class
    weights (the effective number of samples by default) and ``eps`` starts
    at 0 for each batch and takes one gradient step of size ``eps_lr``
    against the development loss after a look-ahead SGD step on the summed
    weighted loss at the current learning rate. The real step minimises
    ``mean_i (w_{y_i} + eps_i) l_i``. Weights are not clipped (as in the
    reference code), so they can be negative. ``reweight="meta"`` builds it.

    Parameters
    ----------
    class_weight : {"balanced", "effective_number"}, dict, array-like or None, \
default=None
        ``w``, as :func:`skimbal.sampling.compute_class_weight` computes it
        from the training counts, or given per class; ``None`` is the
        effective number of samples (``beta``).
    dev_size : int, default=10
        Development examples per class.
    start_epoch : int, default=0
        First (0-based) epoch of the meta-weighted stage (the estimator's
        default is the deferral epoch, 160 of 200 as in the reference).
    dev_batch_size : int, default=128
        Development examples per look-ahead.
    eps_lr : float, default=0.01
        Step size of ``eps`` (hard-coded 0.01 in the reference).
    beta : float, default=0.9999
        ``beta`` of the effective number, when ``class_weight`` is None.

    Attributes
    ----------
    class_weight_ : ndarray of shape (n_classes,)
        The class weights used.
    X_dev_, y_dev_ : ndarray
        The development set carved from the training data.
    last_weights_ : tensor
        The example weights of the last training step.

    See Also
    --------
    L2RWReweighter : Weights from the look-ahead gradient alone.
    MetaWeightNetReweighter : Weights as a learned function of the loss.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.strategies import MetaClassReweighter
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", strategy=MetaClassReweighter(dev_size=5),
    ...                               max_epochs=2, random_state=0).fit(X.astype(np.float32), y)
    >>> net.strategy_.X_dev_.shape  # 5 development examples per class
    (10, 8)
    >>> [round(float(w), 2) for w in net.strategy_.class_weight_]  # effective number
    [0.17, 1.83]
    """

    def __init__(self, class_weight=None, dev_size=10, start_epoch=0, dev_batch_size=128,
                 eps_lr=0.01, beta=0.9999):
        super().__init__(dev_size, start_epoch, dev_batch_size)
        self.class_weight = class_weight
        self.eps_lr = eps_lr
        self.beta = beta

    def initialize(self, net):
        """The class weights, from ``class_weight`` and the training counts.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained (its ``class_counts`` are read).
        """
        spec = "effective_number" if self.class_weight is None else self.class_weight
        weight = spec
        if isinstance(spec, (str, dict)):
            weight = compute_class_weight(spec, net.class_counts, classes=net.class_labels,
                                          beta=self.beta)
        self.class_weight_ = np.asarray(weight, dtype=np.float32)

    def weights(self, criterion, module, losses, x, y, x_dev, y_dev, lr, sample_weight):
        w = torch.as_tensor(self.class_weight_, device=losses.device)[y]
        a = self._scaled(w, sample_weight)
        grad, self.last_dev_loss_ = lookahead_weight_grad(
            module, criterion.per_sample_loss, x, y, a, x_dev, y_dev, lr, losses=losses,
            rng_state=self._rng_state)
        return a - self.eps_lr * grad

    @staticmethod
    def combine(losses, weights):
        return (weights * losses).mean()


class L2RWReweighter(_ExampleReweighter):
    """Learning to reweight examples (Ren et al. 2018).

    Each batch's weights are ``max(-d L_dev / d eps_i, 0)`` at ``eps = 0``
    after a look-ahead step with unit learning rate, normalised to sum to 1
    (all zero: the batch is skipped). The real step minimises
    ``sum_i w_i l_i``. ``reweight="l2rw"`` builds it.

    Parameters
    ----------
    dev_size : int, default=10
        Development examples per class.
    start_epoch : int, default=0
        First (0-based) epoch of the meta-weighted stage.
    dev_batch_size : int, default=128
        Development examples per look-ahead.

    Attributes
    ----------
    X_dev_, y_dev_ : ndarray
        The development set carved from the training data.

    See Also
    --------
    MetaClassReweighter : Class weights plus learned corrections.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.strategies import L2RWReweighter
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", strategy=L2RWReweighter(dev_size=5),
    ...                               max_epochs=2, random_state=0).fit(X.astype(np.float32), y)
    >>> net.strategy_.y_dev_.tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """

    def weights(self, criterion, module, losses, x, y, x_dev, y_dev, lr, sample_weight):
        zero = torch.zeros_like(losses)
        grad, self.last_dev_loss_ = lookahead_weight_grad(
            module, criterion.per_sample_loss, x, y, zero, x_dev, y_dev, 1.0, losses=losses,
            rng_state=self._rng_state)
        w = self._scaled(torch.clamp(-grad, min=0), sample_weight)
        total = w.sum()
        return w / total if total > 0 else w

    @staticmethod
    def combine(losses, weights):
        return (weights * losses).sum()


class WeightNet(nn.Module):
    """Meta-Weight-Net's weighting function: loss -> weight in (0, 1).

    An MLP ``1 -> hidden -> ReLU -> 1`` with a sigmoid, as ``VNet`` in the
    reference code.

    Parameters
    ----------
    hidden : int, default=100
        Hidden units.

    Attributes
    ----------
    net : torch.nn.Sequential
        The 1-``hidden``-1 network from an example's loss to its weight (before the sigmoid).

    See Also
    --------
    MetaWeightNetReweighter : The strategy that trains it.

    Examples
    --------
    >>> import torch
    >>> from skimbal.strategies import WeightNet
    >>> weights = WeightNet(hidden=10)(torch.tensor([[0.1], [2.0]]))
    >>> weights.shape, bool(((weights > 0) & (weights < 1)).all())
    (torch.Size([2]), True)
    """

    def __init__(self, hidden=100):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, losses):
        return torch.sigmoid(self.net(losses.view(-1, 1))).view(-1)


class MetaWeightNetReweighter(_ExampleReweighter):
    """Meta-Weight-Net (Shu et al. 2019): weights as a learned function of the loss.

    Each step: weights ``V(l_i)`` normalised to sum to 1; a look-ahead step
    with them at the current learning rate; one SGD step of the weight net
    (learning rate ``net_lr``, momentum 0.9, Nesterov, weight decay 5e-4, as
    in the reference) on the development loss; the real step on
    ``sum_i V(l_i) l_i`` with the updated, normalised weights.
    ``reweight="meta_weight_net"`` builds it.

    Parameters
    ----------
    dev_size : int, default=10
        Development examples per class.
    start_epoch : int, default=0
        First (0-based) epoch of the meta-weighted stage.
    dev_batch_size : int, default=128
        Development examples per look-ahead.
    net_lr : float, default=1e-5
        Learning rate of the weight net.
    hidden : int, default=100
        Hidden units of the weight net.

    Attributes
    ----------
    weight_net_ : WeightNet
        The weighting function, created (from torch's seeded generator) when
        training starts.
    optimizer_ : torch.optim.SGD
        Its optimizer.

    See Also
    --------
    WeightNet : The weighting function.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.strategies import MetaWeightNetReweighter
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> net = ImbalancedNetClassifier(module="mlp", strategy=MetaWeightNetReweighter(dev_size=5),
    ...                               max_epochs=2, random_state=0).fit(X.astype(np.float32), y)
    >>> type(net.strategy_.weight_net_).__name__
    'WeightNet'
    """

    def __init__(self, dev_size=10, start_epoch=0, dev_batch_size=128, net_lr=1e-5,
                 hidden=100):
        super().__init__(dev_size, start_epoch, dev_batch_size)
        self.net_lr = net_lr
        self.hidden = hidden

    def initialize(self, net):
        """A fresh weight net and its optimizer.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        """
        self.weight_net_ = WeightNet(self.hidden)
        self.optimizer_ = torch.optim.SGD(self.weight_net_.parameters(), lr=self.net_lr,
                                          momentum=0.9, nesterov=True, weight_decay=5e-4)

    def state_dict(self):
        """The weight net and its optimizer.

        Returns
        -------
        state : dict
            ``weight_net`` and ``optimizer`` state dicts (copies).
        """
        return {"weight_net": {k: v.detach().clone()
                               for k, v in self.weight_net_.state_dict().items()},
                "optimizer": copy.deepcopy(self.optimizer_.state_dict())}

    def load_state_dict(self, state):
        """Restore the weight net and its optimizer.

        Parameters
        ----------
        state : dict
            What :meth:`state_dict` returned.
        """
        self.weight_net_.load_state_dict(state["weight_net"])
        self.optimizer_.load_state_dict(state["optimizer"])

    def _normalised(self, losses, sample_weight):
        w = self._scaled(self.weight_net_(losses.detach().view(-1, 1)), sample_weight)
        total = w.sum()
        return w / total if bool(total != 0) else w

    def weights(self, criterion, module, losses, x, y, x_dev, y_dev, lr, sample_weight):
        self.weight_net_.to(losses.device)
        a = self._normalised(losses, sample_weight)
        grad, self.last_dev_loss_ = lookahead_weight_grad(
            module, criterion.per_sample_loss, x, y, a, x_dev, y_dev, lr, losses=losses,
            rng_state=self._rng_state)
        self.optimizer_.zero_grad()
        (grad.detach() * a).sum().backward(inputs=list(self.weight_net_.parameters()))
        self.optimizer_.step()
        with torch.no_grad():
            return self._normalised(losses, sample_weight)

    @staticmethod
    def combine(losses, weights):
        return (weights * losses).sum()
