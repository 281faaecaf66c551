"""Mini-batches straight from in-memory arrays: one gather per batch."""

from collections.abc import Mapping

import numpy as np
import torch
from skorch.dataset import get_len


def as_batch_tensor(X):
    """An array (or a dict of arrays) as tensors sharing its memory where it can.

    Parameters
    ----------
    X : array-like, tensor or dict of them
        A batch of inputs. A read-only array (a memory map, for example) is
        copied, since torch does not take read-only memory.

    Returns
    -------
    tensor : torch.Tensor or dict of torch.Tensor
        The same values, in the same structure.

    See Also
    --------
    ArrayBatches : The batches gathered from in-memory arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.data import as_batch_tensor
    >>> X = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> batch = as_batch_tensor(X)
    >>> batch.shape, batch.dtype
    (torch.Size([2, 3]), torch.float32)
    >>> X[0, 0] = 10.0  # shares the array's memory
    >>> float(batch[0, 0])
    10.0
    """
    if isinstance(X, Mapping):
        return {key: as_batch_tensor(value) for key, value in X.items()}
    if torch.is_tensor(X):
        return X
    X = np.ascontiguousarray(X)
    if not X.flags.writeable:  # torch does not take read-only memory
        X = X.copy()
    return torch.from_numpy(X)


def epoch_order(n, shuffle, sampler, generator):
    """One epoch's order of ``n`` examples (None: in order), from ``generator``.

    The draws a ``DataLoader`` with a ``RandomSampler`` makes from torch's
    default generator (its base seed, then the sampler's seed), made from
    ``generator``; a class-aware ``sampler`` draws the epoch instead.

    Parameters
    ----------
    n : int
        Number of examples.
    shuffle : bool
        Draw a random permutation.
    sampler : iterable of int or None
        Draws the epoch's indices instead.
    generator : torch.Generator or None
        The source of the draws (None: torch's default generator).

    Returns
    -------
    order : tensor of int64 or None
        The indices of the epoch's examples in the order they are seen;
        None when they are read in order.

    See Also
    --------
    EpochOrder : The same order as a ``DataLoader`` sampler.

    Examples
    --------
    >>> import torch
    >>> from skimbal.data import epoch_order
    >>> print(epoch_order(5, False, None, None))
    None
    >>> order = epoch_order(5, True, None, torch.Generator().manual_seed(0))
    >>> sorted(order.tolist())
    [0, 1, 2, 3, 4]
    """
    if sampler is None and not shuffle:
        return None
    torch.empty((), dtype=torch.int64).random_(generator=generator)  # DataLoader's base seed
    if sampler is not None:
        return torch.as_tensor(list(iter(sampler)), dtype=torch.int64)
    seed = int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def _shard_of(index, rank, world_size):
    """A process's share of one batch's indices: those at ``rank::world_size``.

    Parameters
    ----------
    index : slice, tensor of int64 or list of int
        The batch's indices (a slice: a run of consecutive ones).
    rank, world_size : int
        The process and the number of processes.

    Returns
    -------
    index : slice, tensor of int64 or list of int
    """
    if isinstance(index, slice):
        return slice(index.start + rank, index.stop, world_size)
    return index[rank::world_size]


def _take(data, index):
    if isinstance(data, Mapping):
        return {key: _take(value, index) for key, value in data.items()}
    if data is None:
        return None
    if isinstance(index, slice):
        return data[index]
    return data.index_select(0, index)


class ArrayBatches:
    """Iterable over ``(X_batch, y_batch)`` gathered from whole tensors.

    It replaces a ``DataLoader`` with per-item ``__getitem__`` and collate
    for data that is already in memory: each batch is one ``index_select``
    (a slice, in order, when not shuffling). Iterating again starts a new
    epoch.

    Parameters
    ----------
    X : tensor or dict of tensors
        Inputs (a dict carries per-example values next to them, e.g.
        ``{"X": X, "sample_weight": w}``).
    y : tensor or None
        Targets.
    batch_size : int
        Examples per batch.
    shuffle : bool, default=False
        Draw a new random order every epoch.
    sampler : iterable of int, default=None
        Draws the epoch's indices instead (a class-aware sampler).
    drop_last : bool, default=False
        Drop a last, incomplete batch.
    generator : torch.Generator, default=None
        Source of the shuffling (and of the sampler's draws, which read its
        own ``generator`` attribute).
    shard : tuple of (int, int), default=None
        ``(rank, world_size)``: yield only this process's share of each batch
        (its examples ``rank::world_size``), for data-parallel training in
        which every process draws the same epoch order.

    Notes
    -----
    A shuffled epoch draws from ``generator`` what PyTorch's ``DataLoader``
    with a ``RandomSampler`` draws from torch's default generator (the
    loader's base seed, then the sampler's seed), so the order is the one a
    ``DataLoader`` gives from the same generator state.

    Attributes
    ----------
    n : int
        Number of examples in ``X``.

    See Also
    --------
    dataset_batches : The same batches from a torch Dataset.

    Examples
    --------
    >>> import torch
    >>> from skimbal.data import ArrayBatches
    >>> batches = ArrayBatches(torch.arange(10.0)[:, None], torch.arange(10), batch_size=4)
    >>> [yb.tolist() for xb, yb in batches]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> len(batches)
    3
    """

    def __init__(self, X, y, *, batch_size, shuffle=False, sampler=None, drop_last=False,
                 generator=None, shard=None):
        self.X = X
        self.y = y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.sampler = sampler
        self.drop_last = drop_last
        self.generator = generator
        self.shard = shard
        self.n = get_len(X)

    def _order(self):
        return epoch_order(self.n, self.shuffle, self.sampler, self.generator)

    def __len__(self):
        n = self.n if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        order = self._order()
        total = self.n if order is None else len(order)
        for start in range(0, total, self.batch_size):
            stop = min(start + self.batch_size, total)
            if self.drop_last and stop - start < self.batch_size:
                break
            index = slice(start, stop) if order is None else order[start:stop]
            if self.shard is not None:
                index = _shard_of(index, *self.shard)
            yield _take(self.X, index), _take(self.y, index)
