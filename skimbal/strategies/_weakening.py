"""Major feature weakening (MFW), Ye, Zhan & Chao, "Procrustean Training for
Imbalanced Deep Learning", ICCV 2021.

Features of major-class examples are mixed with those of other examples in
the mini-batch, so that the network cannot fit the major classes first. Only
the paper's abstract could be checked, so every open choice is a parameter;
the defaults are the most literal reading of it (see the user guide).
"""

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from ._base import TrainingStrategy

_PENULTIMATE = "penultimate"
_RANDOM = "random"


class FeatureWeakening(TrainingStrategy):
    """Mix major-class features with other examples' features in a batch.

    For an example ``i`` of class ``c`` the plan draws, once per training
    batch: whether it is weakened (Bernoulli with probability ``p_c``), a
    partner ``j != i`` uniformly from the batch, and a weight ``lam`` from
    ``Beta(alpha, alpha)``. At the chosen layer the features become
    ``h_i <- lam * h_i + (1 - lam) * h_j`` for weakened examples; the rest of
    the forward pass runs on the mixed features. A
    :class:`~skimbal.strategies.TrainingStrategy`:
    ``ImbalancedNetClassifier(mfw=True)`` builds it from its ``mfw_*``
    parameters.

    Parameters
    ----------
    layer : str, default="random"
        Where features are mixed: ``"random"`` (one of the module's
        ``mixing_points``, uniformly, per batch, as in manifold mixup),
        ``"penultimate"`` (the input of the module's ``classifier``) or the
        name of a submodule (as ``module.get_submodule`` takes it) whose
        output is mixed.
    alpha : float, default=1.0
        ``lam ~ Beta(alpha, alpha)``.
    strength : float, default=1.0
        Probability that an example of the largest class is weakened.
    power : float, default=1.0
        ``p_c = strength * (n_c / n_max) ** power``: how fast the chance of
        weakening falls with class size (0 weakens all classes equally).
    dominant : bool, default=True
        Use ``max(lam, 1 - lam)``, so the weakened example keeps the larger
        share of its own features.
    keep_label : bool, default=True
        Train a weakened example on its own label (weakening). ``False``
        mixes the labels with the same ``lam`` (manifold mixup restricted to
        major-class examples).
    stop_epoch : int or None, default=None
        First (0-based) epoch without weakening (``None``: weaken throughout).

    Attributes
    ----------
    probabilities_ : ndarray of shape (n_classes,)
        ``p_c`` of each class (set by :meth:`set_class_counts`, which
        :meth:`initialize` calls with the training counts).
    points_ : tuple of str
        The module's mixing points (set by :meth:`initialize`).

    See Also
    --------
    TrainingStrategy : The interface it implements.

    Examples
    --------
    >>> import torch
    >>> from skimbal.strategies import FeatureWeakening
    >>> fw = FeatureWeakening(strength=0.5).set_class_counts([100, 10])
    >>> fw.probabilities_.tolist()
    [0.5, 0.05]
    >>> plan = fw.draw(torch.tensor([0, 0, 1, 1]), ("penultimate",))
    >>> sorted(plan)
    ['index', 'lam', 'layer', 'partner']
    """

    def __init__(self, layer=_RANDOM, alpha=1.0, strength=1.0, power=1.0,
                 dominant=True, keep_label=True, stop_epoch=None):
        self.layer = layer
        self.alpha = alpha
        self.strength = strength
        self.power = power
        self.dominant = dominant
        self.keep_label = keep_label
        self.stop_epoch = stop_epoch

    @property
    def requires_per_sample_loss(self):
        """Mixing labels combines two per-example losses."""
        return not self.keep_label

    # --------------------------------------------------------- strategy
    def set_class_counts(self, class_counts):
        """Set ``probabilities_`` from the training examples per class.

        Parameters
        ----------
        class_counts : array-like of shape (n_classes,)
            Training examples of each class.

        Returns
        -------
        self : FeatureWeakening
        """
        counts = np.asarray(class_counts, dtype=np.float64)
        self.probabilities_ = np.clip(
            self.strength * (counts / counts.max()) ** self.power, 0.0, 1.0)
        return self

    def initialize(self, net):
        """Weakening probabilities from ``net.class_counts``; mixing points of the module.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained (its ``class_counts`` and ``module_``
            are read).
        """
        self.set_class_counts(net.class_counts)
        self.points_ = self.mixing_points(net.module_)

    def active(self, epoch):
        """Whether ``epoch`` (0-based) is before ``stop_epoch``.

        Parameters
        ----------
        epoch : int
            A 0-based epoch.

        Returns
        -------
        active : bool
            True while features are weakened.
        """
        return self.stop_epoch is None or epoch < self.stop_epoch

    def training_step(self, net, x, y, sample_weight=None):
        """The criterion on a forward pass with this batch's features mixed.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained (module in training mode).
        x : tensor
            The prepared batch.
        y : tensor of shape (n,), int64
            Class codes.
        sample_weight : tensor of shape (n,) or None
            Per-example weights of the batch.

        Returns
        -------
        loss : tensor of shape ()
            The loss of the weakened batch (:meth:`loss`).
        logits : tensor of shape (n, n_classes)
            The weakened batch's logits.
        """
        plan = self.draw(y, self.points_, generator=net.generator)
        with self.applied(net.module_, plan):
            logits = net.module_(x)
        return self.loss(net.criterion_, logits, y, plan, sample_weight), logits

    # ------------------------------------------------------------ layers
    def mixing_points(self, module):
        """Names of the layers this weakening may mix at, checked on ``module``.

        Parameters
        ----------
        module : nn.Module
            The network (its ``mixing_points`` attribute, ``classifier`` or
            named submodules, per ``layer``).

        Returns
        -------
        points : tuple of str
            Submodule names, or ``"penultimate"`` for the classifier's input.

        Raises
        ------
        ValueError
            If the module does not expose the mixing point.
        """
        name = type(module).__name__
        if self.layer == _RANDOM:
            points = tuple(getattr(module, "mixing_points", ()) or ())
            if not points:
                raise ValueError(
                    f"mfw=True with mfw_layer='random' needs a module with a "
                    f"`mixing_points` attribute (names of submodules whose outputs "
                    f"may be mixed); {name} has none. Use mfw_layer='penultimate' "
                    "(needs a `classifier` submodule) or a submodule name."
                )
        elif self.layer == _PENULTIMATE:
            if not isinstance(getattr(module, "classifier", None), nn.Module):
                raise ValueError(
                    f"mfw_layer='penultimate' mixes the input of the module's "
                    f"`classifier` submodule; {name} has no such submodule."
                )
            points = (_PENULTIMATE,)
        else:
            points = (self.layer,)
        for point in points:
            if point != _PENULTIMATE:
                try:
                    module.get_submodule(point)
                except AttributeError:
                    raise ValueError(
                        f"mfw_layer: {name} has no submodule {point!r} to mix the "
                        "output of."
                    ) from None
        return points

    # -------------------------------------------------------------- plan
    def draw(self, y, points, generator=None):
        """Draw which examples are weakened, with whom, by how much, and where.

        Parameters
        ----------
        y : tensor of shape (n,)
            Class codes of the batch.
        points : tuple of str
            Candidate layers (from :meth:`mixing_points`).
        generator : torch.Generator, default=None
            Source of the draws (torch's default generator when None; in a
            fit, the fit's generator).

        Returns
        -------
        plan : dict
            ``index`` (weakened examples), ``partner`` (their partners),
            ``lam`` (their own share), ``layer`` (where to mix).
        """
        n = len(y)
        y_cpu = y.detach().to("cpu", torch.long)
        p = torch.as_tensor(self.probabilities_, dtype=torch.float32)[y_cpu]
        mask = torch.rand(n, generator=generator) < p
        if n < 2:
            mask[:] = False
        shift = torch.randint(1, max(n, 2), (n,), generator=generator)
        partner = (torch.arange(n) + shift) % n
        # Beta(alpha, alpha) as the first coordinate of a Dirichlet draw, which is
        # how torch.distributions.Beta samples (that API takes no generator)
        concentration = torch.full((n, 2), float(self.alpha))
        lam = torch._sample_dirichlet(concentration, generator=generator).select(-1, 0)
        if self.dominant:
            lam = torch.maximum(lam, 1 - lam)
        choice = int(torch.randint(len(points), (1,), generator=generator))
        index = mask.nonzero().flatten()
        return {
            "index": index.to(y.device),
            "partner": partner[index].to(y.device),
            "lam": lam[index].to(y.device),
            "layer": points[choice],
        }

    @staticmethod
    def mix(h, plan):
        """Features ``h`` with the plan's examples mixed (out of place).

        Parameters
        ----------
        h : tensor of shape (n, ...)
            A layer's output for the batch.
        plan : dict
            What :meth:`draw` returned.

        Returns
        -------
        h_mixed : tensor of shape (n, ...)
            ``lam * h[i] + (1 - lam) * h[partner]`` for the weakened examples,
            ``h[i]`` for the others.
        """
        index = plan["index"]
        if len(index) == 0:
            return h
        # Whole-batch form (weight 1 and itself as partner for the others): it
        # keeps h's memory format (channels_last), which gather-and-scatter loses.
        n = h.shape[0]
        lam = torch.ones(n, dtype=h.dtype, device=h.device)
        lam[index] = plan["lam"].to(h.dtype)
        partner = torch.arange(n, device=h.device)
        partner[index] = plan["partner"]
        lam = lam.view(-1, *([1] * (h.ndim - 1)))
        # index_select: its backward (index_add) sums in a fixed order, unlike indexing
        return lam * h + (1 - lam) * h.index_select(0, partner)

    @contextmanager
    def applied(self, module, plan):
        """Context in which ``module``'s forward pass mixes features per ``plan``.

        Parameters
        ----------
        module : nn.Module
            The network.
        plan : dict
            What :meth:`draw` returned.

        Yields
        ------
        plan : dict
            The same plan, while the mixing hook is in place.
        """
        if plan["layer"] == _PENULTIMATE:
            # prepend: other hooks (e.g. progress callbacks) see the mixed features
            handle = module.classifier.register_forward_pre_hook(
                lambda _, args: (self.mix(args[0], plan), *args[1:]), prepend=True)
        else:
            handle = module.get_submodule(plan["layer"]).register_forward_hook(
                lambda _, args, out: self.mix(out, plan), prepend=True)
        try:
            yield plan
        finally:
            handle.remove()

    def loss(self, criterion, logits, y, plan, sample_weight=None):
        """Training loss of a weakened batch.

        With ``keep_label=True`` it is the criterion on the batch's own
        labels. Otherwise a weakened example's loss is
        ``lam * l(y_i) + (1 - lam) * l(y_j)``, in the criterion's weighted mean
        with the weights of ``y_i``.

        Parameters
        ----------
        criterion : skimbal.losses.ImbalancedLoss
            The training loss.
        logits : tensor of shape (n, n_classes)
            The weakened batch's logits.
        y : tensor of shape (n,), int64
            Class codes.
        plan : dict
            What :meth:`draw` returned.
        sample_weight : tensor of shape (n,), default=None
            Per-example weights.

        Returns
        -------
        loss : tensor of shape ()
            The batch's loss.
        """
        if self.keep_label or len(plan["index"]) == 0:
            return criterion(logits, y, sample_weight)
        lam = torch.ones(len(y), dtype=logits.dtype, device=logits.device)
        lam[plan["index"]] = plan["lam"].to(logits.dtype)
        y_other = y.clone()
        y_other[plan["index"]] = y[plan["partner"]]
        losses = lam * criterion.per_sample_loss(logits, y) + (1 - lam) * \
            criterion.per_sample_loss(logits, y_other)
        return criterion.reduce(losses, y, sample_weight)

