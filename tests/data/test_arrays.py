"""Batches gathered from in-memory arrays."""

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from skimbal.data import ArrayBatches, as_batch_tensor


def test_sequential_batches_are_slices_of_the_arrays():
    X = torch.arange(10).view(10, 1)
    batches = list(ArrayBatches(X, None, batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2] and batches[1][1] is None
    assert torch.equal(torch.cat([b[0] for b in batches]), X)
    assert len(ArrayBatches(X, None, batch_size=4)) == 3
    assert len(ArrayBatches(X, None, batch_size=4, shuffle=True, drop_last=True)) == 2


def test_shuffled_order_is_the_dataloaders_from_the_same_generator_state():
    X, y = torch.arange(23).view(23, 1).float(), torch.arange(23)
    ours = ArrayBatches(X, y, batch_size=5, shuffle=True,
                        generator=torch.Generator().manual_seed(7))
    torch.manual_seed(7)  # a DataLoader draws from the default generator
    theirs = DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True)
    for _ in range(3):  # three epochs
        for (xa, ya), (xb, yb) in zip(ours, theirs, strict=True):
            assert torch.equal(xa, xb) and torch.equal(ya, yb)


def test_dict_inputs_sampler_and_drop_last():
    X = {"X": torch.arange(12).view(12, 1), "sample_weight": torch.arange(12.0)}
    order = [11, 3, 3, 0, 5]
    batches = list(ArrayBatches(X, torch.arange(12), batch_size=2, sampler=order,
                                drop_last=True, generator=torch.Generator()))
    assert len(batches) == 2
    assert batches[0][0]["X"].flatten().tolist() == [11, 3]
    assert batches[1][0]["sample_weight"].tolist() == [3.0, 0.0]
    assert batches[1][1].tolist() == [3, 0]


def test_as_batch_tensor_shares_memory_and_copies_read_only():
    a = np.arange(6, dtype=np.float32)
    assert as_batch_tensor(a).data_ptr() == a.ctypes.data
    a.flags.writeable = False
    t = as_batch_tensor(a)
    assert t.data_ptr() != a.ctypes.data and torch.equal(t, torch.arange(6.0))
