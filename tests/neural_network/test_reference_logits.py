"""Every built-in setting computes what it computed before the methods became plug-ins.

The logits were recorded by ``reference_logits.py`` (see its docstring); on
the machine that recorded them they are reproduced bit for bit. The
tolerance only absorbs another CPU's floating-point kernels.
"""

import numpy as np
import pytest
import torch

from .reference_logits import PATH, SETTINGS, logits


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_same_logits_as_recorded(name, one_thread):
    reference = np.load(PATH)[name]
    np.testing.assert_allclose(logits(name), reference, rtol=0, atol=1e-4)
