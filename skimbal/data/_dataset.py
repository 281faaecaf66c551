"""Map-style torch Datasets as estimator input: read item by item, batched by a DataLoader.

A ``Dataset`` (an ``ImageFolder``, a ``TensorDataset``, skorch's
``SliceDataset``, a user's own) is wrapped in :class:`DatasetInput`, a view
that behaves like the array ``fit`` would otherwise get where the estimator
needs one (its length, shape, dtype, subsets by index for the validation and
development splits and for cross-validation) without loading the data. The
training and prediction passes read it through a ``DataLoader``
(:func:`dataset_batches`), whose epoch order makes the same draws from the
fit's generator as the in-memory path, so the same images as an array and as a
Dataset train the same network.
"""

from collections.abc import Mapping

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Sampler

from ._arrays import _shard_of, epoch_order

# the loader defaults: main-process loading (a 2-core CPU gains nothing from
# workers on in-memory items), pinned memory when training on CUDA
LOADER_DEFAULTS = {"num_workers": 0, "pin_memory": "auto", "persistent_workers": "auto",
                   "prefetch_factor": None}
_CHECKED_LABELS = 32
_STATS_BYTES = 64 * 2**20


def is_dataset(X):
    """Whether ``X`` is read through a ``DataLoader`` rather than as an array.

    Parameters
    ----------
    X : object
        A training or prediction input.

    Returns
    -------
    is_dataset : bool
        True for a map-style torch ``Dataset`` (with ``__len__``; an
        ``IterableDataset`` is not), skorch's ``SliceDataset`` or a
        :class:`DatasetInput`.

    See Also
    --------
    DatasetInput : How the estimator wraps such an input.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skimbal.data import is_dataset
    >>> is_dataset(torch.utils.data.TensorDataset(torch.zeros(4, 3)))
    True
    >>> is_dataset(np.zeros((4, 3)))
    False
    """
    if isinstance(X, DatasetInput):
        return True
    from skorch.helper import SliceDataset

    if isinstance(X, SliceDataset):  # skorch's: a Sequence, not a torch Dataset
        return True
    return isinstance(X, torch.utils.data.Dataset) and hasattr(X, "__len__") and not (
        isinstance(X, torch.utils.data.IterableDataset))


def _input_of(item):
    """The input of a dataset item: the item, or the first of an (input, label) pair."""
    if isinstance(item, (tuple, list)):
        return item[0]
    return item


def _as_array(x, position):
    if torch.is_tensor(x):
        return x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (int, float, np.number)):
        return np.asarray(x)
    raise TypeError(
        f"Item {position} of the Dataset is a {type(x).__name__}; skimbal takes items "
        "that are arrays or tensors (or (input, label) pairs of them). Give the Dataset "
        "a transform that returns tensors, such as torchvision's ToTensor() or "
        "PILToTensor()."
    )


class DatasetInput:
    """A map-style Dataset (or a subset of it) as the estimator reads it.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Items are inputs, or ``(input, label)`` pairs (the label is only
        checked against ``y``). Inputs are arrays or tensors: images of shape
        ``(C, H, W)`` or ``(H, W)``, rows of shape ``(n_features,)``.
    indices : array-like of int, default=None
        The items of ``dataset`` this view holds, in order (None: all).

    Attributes
    ----------
    shape : tuple
        ``(len(self),) + `` the shape of an input (a channel axis added to
        ``(H, W)`` images).
    dtype : numpy dtype
        The first input's dtype.

    See Also
    --------
    is_dataset : Which inputs are read this way.
    dataset_batches : The ``DataLoader`` over such a view.

    Examples
    --------
    >>> import torch
    >>> from skimbal.data import DatasetInput
    >>> images = torch.utils.data.TensorDataset(torch.zeros(10, 28, 28), torch.arange(10))
    >>> view = DatasetInput(images, indices=[0, 2, 4])
    >>> len(view), view.shape
    (3, (3, 1, 28, 28))
    >>> view[1:].indices  # a view of a view reads the underlying items
    array([2, 4])
    """

    def __init__(self, dataset, indices=None):
        if isinstance(dataset, DatasetInput):
            base = dataset.indices if dataset.indices is not None else np.arange(len(dataset))
            dataset, indices = dataset.dataset, base if indices is None else base[indices]
        self.dataset = dataset
        self.indices = None if indices is None else np.asarray(indices, dtype=np.int64)
        self._first = None

    def __getstate__(self):
        # the cached first item is not part of what the view is (fit keys hash it)
        return {"dataset": self.dataset, "indices": self.indices}

    def __setstate__(self, state):
        self.__dict__.update(state, _first=None)

    def __len__(self):
        return len(self.dataset) if self.indices is None else len(self.indices)

    def _source(self, i):
        return int(i) if self.indices is None else int(self.indices[i])

    def raw(self, i):
        """Item ``i`` as the Dataset returns it.

        Parameters
        ----------
        i : int
            A position in this view.

        Returns
        -------
        item : object
            The wrapped Dataset's item (an input, or an ``(input, label)``
            pair), untouched.
        """
        return self.dataset[self._source(i)]

    def item(self, i):
        """Input ``i`` as an array of the input's shape (a channel axis added to 2-D images).

        Parameters
        ----------
        i : int
            A position in this view.

        Returns
        -------
        x : ndarray
            The item's input (its label dropped), as a NumPy array.
        """
        x = _as_array(_input_of(self.raw(i)), self._source(i))
        return x[None] if x.ndim == 2 else x

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.item(index)
        return DatasetInput(self, np.arange(len(self))[index])

    def _first_item(self):
        if self._first is None:
            if len(self) == 0:
                raise ValueError("The Dataset is empty.")
            self._first = self.item(0)
        return self._first

    @property
    def shape(self):
        return (len(self),) + tuple(self._first_item().shape)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return self._first_item().dtype

    def __array__(self, dtype=None, copy=None):
        # for the small subsets the estimator needs whole (a probe batch, a
        # development set): the items stacked
        out = np.stack([self.item(i) for i in range(len(self))]) if len(self) else \
            np.empty((0,) + self.shape[1:], self.dtype)
        return out if dtype is None else out.astype(dtype)

    def __repr__(self):
        return f"DatasetInput({type(self.dataset).__name__}, {len(self)} items)"

    def sample(self, n, seed=0):
        """Positions of at most ``n`` items, spread over the view (seeded, sorted).

        Parameters
        ----------
        n : int
            The largest number of positions.
        seed : int, default=0
            Seed of the draw, so the same view gives the same sample.

        Returns
        -------
        positions : ndarray of int
            Every position when the view has at most ``n`` items, otherwise
            ``n`` distinct positions drawn without replacement, sorted.
        """
        if len(self) <= n:
            return np.arange(len(self))
        return np.sort(np.random.RandomState(seed).choice(len(self), n, replace=False))

    def stats_sample(self):
        """Positions of the items image statistics are computed on.

        All of them when their pixels fit in 64 MiB (so a Dataset of images
        gives the statistics the same images as an array give), otherwise a
        seeded sample of that size.

        Returns
        -------
        positions : ndarray of int
            Sorted positions in this view.
        """
        first = self._first_item()
        per_item = max(first.size * first.dtype.itemsize, 1)
        return self.sample(max(_STATS_BYTES // per_item, 1))

    def check_labels(self, y):
        """Raise if the Dataset's own labels (of pair items) disagree with ``y``.

        Up to 32 items, spread over the view, are read and compared.

        Parameters
        ----------
        y : ndarray of shape (n_samples,)
            The labels given to ``fit`` beside the Dataset.

        Raises
        ------
        ValueError
            If an item's own label differs from ``y`` at its position.
        """
        positions = self.sample(_CHECKED_LABELS)
        wrong = []
        for i in positions:
            item = self.raw(i)
            if not isinstance(item, (tuple, list)) or len(item) < 2:
                return  # inputs only: nothing to compare
            label = item[1]
            label = label.item() if torch.is_tensor(label) or isinstance(label, np.generic) \
                else label
            expected = y[i].item() if isinstance(y[i], np.generic) else y[i]
            if label != expected:
                wrong.append((int(i), label, expected))
        if wrong:
            i, label, expected = wrong[0]
            raise ValueError(
                f"The Dataset's labels disagree with y: {len(wrong)} of the "
                f"{len(positions)} items checked differ (item {i}: the Dataset says "
                f"{label!r}, y says {expected!r}). Pass y in the Dataset's order, as "
                "its labels."
            )


class _Coded(torch.utils.data.Dataset):
    """Items ``(input, target)`` (a dict input with its sample weight) for a DataLoader."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        X = self.X["X"] if isinstance(self.X, Mapping) else self.X
        return len(X)

    def __getitem__(self, i):
        if isinstance(self.X, Mapping):
            x = {k: (v.item(i) if isinstance(v, DatasetInput) else v[i])
                 for k, v in self.X.items()}
        else:
            x = self.X.item(i)
        return x, (0 if self.y is None else self.y[i])


class EpochOrder(Sampler):
    """The order of one epoch, drawn as the in-memory path draws it.

    Parameters
    ----------
    n : int
        Number of examples.
    shuffle : bool
        Draw a random permutation.
    sampler : iterable of int or None
        A class-aware sampler that draws the epoch instead.
    generator : torch.Generator or None
        The fit's generator.

    See Also
    --------
    epoch_order : The order as a tensor.

    Examples
    --------
    >>> import torch
    >>> from skimbal.data import EpochOrder
    >>> list(EpochOrder(4, shuffle=False, sampler=None, generator=None))
    [0, 1, 2, 3]
    >>> a = list(EpochOrder(4, True, None, torch.Generator().manual_seed(0)))
    >>> b = list(EpochOrder(4, True, None, torch.Generator().manual_seed(0)))
    >>> a == b and sorted(a) == [0, 1, 2, 3]
    True
    """

    def __init__(self, n, shuffle, sampler, generator):
        self.n, self.shuffle, self.sampler, self.generator = n, shuffle, sampler, generator

    def __len__(self):
        return self.n if self.sampler is None else len(self.sampler)

    def __iter__(self):
        order = epoch_order(self.n, self.shuffle, self.sampler, self.generator)
        return iter(range(self.n) if order is None else order.tolist())


class _ShardedBatches(Sampler):
    """This process's share (``rank::world_size``) of each batch of ``batches``."""

    def __init__(self, batches, rank, world_size):
        self.batches, self.rank, self.world_size = batches, rank, world_size

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for batch in self.batches:
            yield _shard_of(batch, self.rank, self.world_size)


def contains_dataset(X):
    """Whether ``X`` (or the ``"X"`` of a dict) is a :class:`DatasetInput`.

    Parameters
    ----------
    X : object
        An input as the estimator passes it to skorch: an array, a dict of
        arrays or a :class:`DatasetInput`.

    Returns
    -------
    contains : bool
        True when the input (or its ``"X"`` entry) is a :class:`DatasetInput`.

    See Also
    --------
    is_dataset : Whether a user's input is a Dataset.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.data import contains_dataset
    >>> contains_dataset({"X": np.zeros((2, 3)), "sample_weight": np.ones(2)})
    False
    """
    if isinstance(X, Mapping):
        return isinstance(X.get("X"), DatasetInput)
    return isinstance(X, DatasetInput)


def dataset_batches(X, y, *, batch_size, shuffle=False, sampler=None, drop_last=False,
                    generator=None, loader_params=None, device="cpu", shard=None):
    """A ``DataLoader`` over a :class:`DatasetInput` (or a dict holding one).

    The epoch's order comes from :class:`EpochOrder` (the fit's generator, as
    the in-memory path); the workers' own seeds from a generator seeded with
    the fit generator's initial seed, so they repeat too.

    Parameters
    ----------
    X : DatasetInput or dict
        The inputs (a dict carries ``sample_weight`` next to them).
    y : array-like or None
        Targets (class codes), None for prediction.
    batch_size, shuffle, sampler, drop_last, generator
        As in :class:`~skimbal.data.ArrayBatches`.
    loader_params : dict, default=None
        ``num_workers``, ``pin_memory``, ``persistent_workers``,
        ``prefetch_factor`` (``"auto"``: pinned memory on CUDA, persistent
        workers when there are workers).
    device : str, default="cpu"
        The training device (for ``pin_memory="auto"``).
    shard : tuple of (int, int), default=None
        ``(rank, world_size)``: load only this process's share of each batch
        (see :class:`~skimbal.data.ArrayBatches`).

    Returns
    -------
    loader : torch.utils.data.DataLoader
        Batches of ``(X_batch, y_batch)`` tensors (``y_batch`` is None for
        prediction).

    See Also
    --------
    ArrayBatches : The in-memory path, with the same epoch order.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skimbal.data import DatasetInput, dataset_batches
    >>> images = torch.utils.data.TensorDataset(torch.zeros(10, 1, 8, 8))
    >>> loader = dataset_batches(DatasetInput(images), np.arange(10) % 2, batch_size=4)
    >>> [tuple(xb.shape) for xb, yb in loader]
    [(4, 1, 8, 8), (4, 1, 8, 8), (2, 1, 8, 8)]
    """
    params = {**LOADER_DEFAULTS, **(loader_params or {})}
    workers = int(params["num_workers"])
    pin = params["pin_memory"]
    if pin == "auto":
        pin = torch.device(device).type == "cuda"
    persistent = params["persistent_workers"]
    if persistent == "auto":
        persistent = workers > 0
    extra = {} if workers == 0 or params["prefetch_factor"] is None else {
        "prefetch_factor": params["prefetch_factor"]}
    dataset = _Coded(X, y)
    seed = 0 if generator is None else generator.initial_seed()
    order = EpochOrder(len(dataset), shuffle, sampler, generator)
    batching = {"batch_size": batch_size, "sampler": order, "drop_last": drop_last}
    if shard is not None:
        batching = {"batch_sampler": _ShardedBatches(
            BatchSampler(order, batch_size, drop_last), *shard)}
    return DataLoader(
        dataset, **batching, num_workers=workers, pin_memory=bool(pin),
        persistent_workers=bool(persistent) and workers > 0,
        generator=torch.Generator().manual_seed(seed % 2**63), **extra,
    )
