"""Class-aware sampling (Kang et al., ICLR 2020) as a torch ``Sampler``."""

import numpy as np
import torch
from torch.utils.data import Sampler

from ..utils import Registry

_SAMPLINGS = Registry("sampling scheme")


def register_sampling(name, probabilities=None, *, schedule=False):
    """Register a class-aware sampling scheme, so that ``sampler=name`` uses it.

    Usable as a decorator. A scheme is a function
    ``probabilities(class_counts, progress)`` returning the probability of
    drawing each class (an example is then drawn uniformly within its class);
    ``progress`` is the fraction of training done, in [0, 1].

    Parameters
    ----------
    name : str
        The name users pass as ``sampler=``.
    probabilities : callable, default=None
        The scheme (omit it to use ``register_sampling`` as a decorator).
    schedule : bool, default=False
        Whether the scheme changes over training (uses ``progress``), so
        that it cannot also be deferred with ``schedule='drs'``.

    Returns
    -------
    probabilities or decorator

    See Also
    --------
    unregister_sampling : Remove a registered scheme.
    sampling_probabilities : A scheme's class probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.sampling import register_sampling, sampling_probabilities
    >>> from skimbal.sampling import unregister_sampling
    >>> @register_sampling("rarest_only_demo")
    ... def rarest_only(class_counts, progress):
    ...     p = np.zeros(len(class_counts))
    ...     p[np.argmin(class_counts)] = 1.0
    ...     return p
    >>> sampling_probabilities([5, 1], "rarest_only_demo").tolist()
    [0.0, 1.0]
    >>> unregister_sampling("rarest_only_demo")
    """
    return _SAMPLINGS.register(name, probabilities, schedule=schedule)


def unregister_sampling(name):
    """Remove a registered sampling scheme.

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
    register_sampling : Add a name.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.sampling import list_samplings, register_sampling, unregister_sampling
    >>> _ = register_sampling("uniform_demo", lambda counts, progress: np.ones(len(counts)))
    >>> "uniform_demo" in list_samplings()
    True
    >>> unregister_sampling("uniform_demo")
    >>> "uniform_demo" in list_samplings()
    False
    """
    _SAMPLINGS.unregister(name)


def list_samplings():
    """Registered sampling scheme names, sorted.

    Returns
    -------
    names : list of str

    See Also
    --------
    register_sampling : Register a sampling scheme.

    Examples
    --------
    >>> from skimbal.sampling import list_samplings
    >>> list_samplings()
    ['class_balanced', 'instance', 'progressive', 'sqrt']
    """
    return _SAMPLINGS.names()


def sampling_names_constraint():
    """Parameter-validation constraint accepting the registered sampling names.

    Returns
    -------
    constraint : StrOptions
        A scikit-learn ``StrOptions`` constraint for
        ``_parameter_constraints``. It reads the registry when checked, so a
        name registered later is accepted too.

    See Also
    --------
    register_sampling : Add a name.
    list_samplings : The registered names.

    Examples
    --------
    >>> from skimbal.sampling import sampling_names_constraint
    >>> constraint = sampling_names_constraint()
    >>> constraint.is_satisfied_by("class_balanced")
    True
    >>> constraint.is_satisfied_by("no_such_sampling")
    False
    """
    return _SAMPLINGS.constraint()


def is_scheduled_sampling(name):
    """Whether the registered scheme ``name`` changes over training itself.

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    scheduled : bool
        True when the scheme's probabilities depend on training progress
        (``"progressive"``), so it needs ``max_epochs``.

    See Also
    --------
    register_sampling : Where a scheme says so (``schedule=True``).

    Examples
    --------
    >>> from skimbal.sampling import is_scheduled_sampling
    >>> is_scheduled_sampling("progressive"), is_scheduled_sampling("class_balanced")
    (True, False)
    """
    return _SAMPLINGS.info(name)["schedule"]


def _power_law(exponent):
    def probabilities(class_counts, progress):
        counts = np.asarray(class_counts, dtype=np.float64)
        present = counts > 0
        safe = np.where(present, counts, 1.0)
        weights = np.where(present, safe ** exponent, 0.0)
        return weights / weights.sum()

    return probabilities


register_sampling("instance", _power_law(1.0))
register_sampling("sqrt", _power_law(0.5))
register_sampling("class_balanced", _power_law(0.0))


@register_sampling("progressive", schedule=True)
def _progressive(class_counts, progress):
    t = float(np.clip(0.0 if progress is None else progress, 0.0, 1.0))
    return (1 - t) * sampling_probabilities(class_counts, "instance") + t * (
        sampling_probabilities(class_counts, "class_balanced")
    )


def sampling_probabilities(class_counts, strategy, *, progress=None):
    """Probability of drawing each *class*: ``p_j = n_j^q / sum_k n_k^q``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class (classes with none get probability 0).
    strategy : str
        A registered scheme (:func:`list_samplings`). The built-ins:
        ``"instance"``, ``"sqrt"``, ``"class_balanced"`` are ``q = 1, 1/2,
        0``; ``"progressive"`` interpolates from instance- to class-balanced:
        ``(1 - t) p^IB + t p^CB`` with ``t = progress``.
    progress : float, default=None
        Fraction of training done, in [0, 1]; used by ``"progressive"``
        (0 when omitted).

    Returns
    -------
    probabilities : ndarray of shape (n_classes,)

    See Also
    --------
    ImbalancedSampler : The sampler that draws by them.

    Examples
    --------
    >>> from skimbal.sampling import sampling_probabilities
    >>> sampling_probabilities([9, 1], "sqrt").tolist()
    [0.75, 0.25]
    """
    if strategy not in _SAMPLINGS:
        raise ValueError(
            f"Unknown sampling strategy {strategy!r}; the registered schemes are "
            f"{list_samplings()}."
        )
    return np.asarray(_SAMPLINGS.get(strategy)(class_counts, progress), dtype=np.float64)


class ImbalancedSampler(Sampler):
    """Draws ``len(labels)`` indices per epoch with class-dependent rates.

    A class is drawn with probability :func:`sampling_probabilities`, then an
    example uniformly within it (i.i.d., with replacement). Before
    ``start_epoch`` the sampler is an ordinary random permutation (plain
    instance-balanced shuffling), which gives deferred re-sampling (DRS).
    The current epoch is set with :meth:`set_epoch`, like
    ``DistributedSampler``; :class:`~skimbal.callbacks.SamplerEpoch` does that
    during training.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Integer class codes ``0..n_classes-1`` of the training examples.
    strategy : str, default="class_balanced"
        A registered sampling scheme (:func:`list_samplings`).
    n_classes : int, default=None
        Number of classes (inferred from ``labels`` if None).
    start_epoch : int, default=0
        First epoch (0-based) that uses ``strategy``.
    max_epochs : int, default=None
        Length of training, needed by ``"progressive"``.
    generator : torch.Generator, default=None
        Source of the draws (torch's default generator when None); the
        estimator sets the generator of its fit here.

    Attributes
    ----------
    class_counts : ndarray of shape (n_classes,)
        Examples per class in ``labels``.
    epoch : int
        The epoch whose draws the next iteration makes (set by ``set_epoch``).

    See Also
    --------
    ResamplingSampler : An imbalanced-learn sampler as a torch sampler.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skimbal.sampling import ImbalancedSampler
    >>> labels = np.array([0] * 90 + [1] * 10)
    >>> sampler = ImbalancedSampler(labels, generator=torch.Generator().manual_seed(0))
    >>> sampler.example_probabilities()[[0, -1]].round(4).tolist()
    [0.0056, 0.05]
    >>> epoch = list(sampler)
    >>> len(epoch), bool(30 < (labels[epoch] == 1).sum() < 70)
    (100, True)
    """

    def __init__(
        self,
        labels,
        strategy="class_balanced",
        *,
        n_classes=None,
        start_epoch=0,
        max_epochs=None,
        generator=None,
    ):
        self.labels = np.asarray(labels, dtype=np.int64)
        self.strategy = strategy
        if n_classes is None:
            n_classes = self.labels.max() + 1
        self.n_classes = int(n_classes)
        self.start_epoch = int(start_epoch)
        self.max_epochs = max_epochs
        self.generator = generator
        if strategy not in _SAMPLINGS:
            raise ValueError(
                f"Unknown sampling strategy {strategy!r}; the registered schemes are "
                f"{list_samplings()}."
            )
        if is_scheduled_sampling(strategy) and not max_epochs:
            raise ValueError(f"strategy={strategy!r} needs max_epochs.")
        self.class_counts = np.bincount(self.labels, minlength=self.n_classes)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Set the current (0-based) epoch.

        Parameters
        ----------
        epoch : int
            The epoch about to be drawn; epochs before ``start_epoch`` are a
            plain random permutation.
        """
        self.epoch = int(epoch)

    def example_probabilities(self):
        """Probability of each example being drawn at the current epoch.

        Returns
        -------
        p : ndarray of shape (n_samples,)
            Sums to one: the class's sampling probability shared equally by
            its examples (uniform before ``start_epoch``).
        """
        if self.epoch < self.start_epoch:
            return np.full(len(self.labels), 1.0 / len(self.labels))
        progress = None
        if self.max_epochs:
            progress = self.epoch / max(self.max_epochs - 1, 1)
        p_class = sampling_probabilities(self.class_counts, self.strategy, progress=progress)
        return p_class[self.labels] / self.class_counts[self.labels]

    def __len__(self):
        return len(self.labels)

    def __iter__(self):
        n = len(self.labels)
        if self.epoch < self.start_epoch:
            return iter(torch.randperm(n, generator=self.generator).tolist())
        p = torch.as_tensor(self.example_probabilities(), dtype=torch.float64)
        return iter(torch.multinomial(p, n, replacement=True, generator=self.generator).tolist())


class ResamplingSampler(Sampler):
    """An imbalanced-learn sampler as a torch ``Sampler``: a fresh resample each epoch.

    imbalanced-learn's samplers validate 2-D data and return resampled
    arrays, so they cannot resample images or stream a ``Dataset``. The ones
    that select existing examples (every under-sampler, and
    ``RandomOverSampler``) report the indices they chose as
    ``sample_indices_``; this sampler fits a clone of one each epoch, with a
    seed drawn from the fit's generator, and yields those indices in a random
    order. The epoch's length is the resample's (under-sampling shortens an
    epoch, over-sampling lengthens it). Before ``start_epoch`` the epoch is a
    plain random permutation of all examples (deferred re-sampling, DRS).

    Samplers that synthesise new examples (SMOTE and its relatives) have no
    indices to give; they are refused with an error that says so.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Integer class codes of the training examples.
    resampler : imbalanced-learn sampler
        An object with ``fit_resample`` that sets ``sample_indices_`` (e.g.
        ``RandomUnderSampler()``, ``RandomOverSampler()``, ``NearMiss()``).
        It is cloned; its ``random_state``, if it has one, is set anew for
        every epoch.
    features : array-like of shape (n_samples, ...), default=None
        What the sampler sees of each example, flattened to one row each
        (samplers that measure distances, such as ``NearMiss``, need it);
        None: a column of indices, enough for the random samplers.
    start_epoch : int, default=0
        First epoch (0-based) that resamples.
    batch_size : int, default=None
        The training batch size: an epoch whose last batch would hold a single
        example drops it (batch normalisation cannot normalise one example).
    generator : torch.Generator, default=None
        Source of the draws (torch's default generator when None); the
        estimator sets the generator of its fit here.

    Attributes
    ----------
    epoch : int
        The epoch whose resample the next iteration draws (set by ``set_epoch``).

    See Also
    --------
    ImbalancedSampler : Class-aware sampling schemes.
    check_resampler : Which imbalanced-learn samplers it takes.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.under_sampling import RandomUnderSampler
    >>> from skimbal.sampling import ResamplingSampler
    >>> labels = np.array([0] * 8 + [1] * 2)
    >>> sampler = ResamplingSampler(labels, RandomUnderSampler())
    >>> epoch = list(sampler)
    >>> len(epoch), np.bincount(labels[epoch]).tolist()
    (4, [2, 2])
    """

    def __init__(self, labels, resampler, *, features=None, start_epoch=0, batch_size=None,
                 generator=None):
        self.labels = np.asarray(labels, dtype=np.int64)
        self.resampler = resampler
        self.features = features
        self.start_epoch = int(start_epoch)
        self.batch_size = batch_size
        self.generator = generator
        check_resampler(resampler)
        self.epoch = 0
        self._pending = None

    def set_epoch(self, epoch):
        """Set the current (0-based) epoch.

        Parameters
        ----------
        epoch : int
            The epoch about to be drawn; epochs before ``start_epoch`` are a
            plain random permutation.
        """
        self.epoch = int(epoch)
        self._pending = None

    def resample(self, seed):
        """The indices a clone of the sampler with ``random_state=seed`` selects.

        Parameters
        ----------
        seed : int
            The clone's ``random_state`` (when the sampler has one).

        Returns
        -------
        indices : ndarray of int64
            The selected examples' positions (the sampler's
            ``sample_indices_``).

        Raises
        ------
        ValueError
            If the sampler synthesises examples (it sets no
            ``sample_indices_``).
        """
        from sklearn.base import clone

        resampler = clone(self.resampler)
        if "random_state" in resampler.get_params():
            resampler.set_params(random_state=seed)
        if self.features is None:
            X = np.arange(len(self.labels), dtype=np.float64).reshape(-1, 1)
        else:
            features = np.asarray(self.features)
            X = features.reshape(len(features), -1)
        resampler.fit_resample(X, self.labels)
        indices = getattr(resampler, "sample_indices_", None)
        if indices is None:
            raise ValueError(_synthesising_message(self.resampler))
        return np.asarray(indices, dtype=np.int64)

    def _draw(self):
        n = len(self.labels)
        if self.epoch < self.start_epoch:
            return torch.randperm(n, generator=self.generator)
        seed = int(torch.randint(np.iinfo(np.int32).max, (1,), generator=self.generator))
        indices = torch.as_tensor(self.resample(seed))
        order = indices[torch.randperm(len(indices), generator=self.generator)]
        if self.batch_size and len(order) % self.batch_size == 1 and len(order) > 1:
            order = order[:-1]
        return order

    def __len__(self):
        if self._pending is None:
            self._pending = self._draw()
        return len(self._pending)

    def __iter__(self):
        order = self._pending if self._pending is not None else self._draw()
        self._pending = None  # the next epoch draws anew, even without set_epoch
        return iter(order.tolist())


def is_resampler(obj):
    """Whether ``obj`` is an imbalanced-learn-style sampler (has ``fit_resample``).

    Parameters
    ----------
    obj : object
        A value of the estimator's ``sampler`` parameter.

    Returns
    -------
    is_resampler : bool
        True for an object with ``fit_resample`` (a registered scheme's name
        is not).

    See Also
    --------
    check_resampler : Whether such a sampler can choose a batch's examples.

    Examples
    --------
    >>> from imblearn.over_sampling import RandomOverSampler
    >>> from skimbal.sampling import is_resampler
    >>> is_resampler(RandomOverSampler()), is_resampler("class_balanced")
    (True, False)
    """
    return not isinstance(obj, str) and hasattr(obj, "fit_resample")


def check_resampler(resampler):
    """Raise unless ``resampler`` can choose the examples of a batch.

    A sampler must have ``fit_resample`` and select existing examples; the
    ones that synthesise examples (imbalanced-learn's SMOTE family, which
    subclass its ``BaseOverSampler`` but not ``RandomOverSampler``) are
    refused here, before any training; others are checked when they first
    resample (no ``sample_indices_``).

    Parameters
    ----------
    resampler : object
        The sampler to check.

    Raises
    ------
    TypeError
        If ``resampler`` has no ``fit_resample``.
    ValueError
        If it synthesises examples (the SMOTE family).

    See Also
    --------
    ResamplingSampler : The torch sampler built from an accepted one.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE, RandomOverSampler
    >>> from skimbal.sampling import check_resampler
    >>> check_resampler(RandomOverSampler())
    >>> check_resampler(SMOTE())
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    if not is_resampler(resampler):
        raise TypeError(
            f"{resampler!r} is not an imbalanced-learn sampler (it has no fit_resample)."
        )
    try:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.over_sampling.base import BaseOverSampler
    except ImportError:  # pragma: no cover - imbalanced-learn is a dependency
        return
    if isinstance(resampler, BaseOverSampler) and not isinstance(
            resampler, RandomOverSampler):
        raise ValueError(_synthesising_message(resampler))


def _synthesising_message(resampler):
    name = type(resampler).__name__
    return (
        f"sampler={name}() synthesises new examples (it reports no sample_indices_), so "
        "it cannot choose the examples of a training batch. Use a sampler that selects "
        "examples (RandomOverSampler, RandomUnderSampler, NearMiss, ...) or "
        "sampler='class_balanced'; to train on synthetic examples, put the sampler in an "
        "imbalanced-learn pipeline before the network (tabular data)."
    )
