"""Label helpers."""

import numpy as np
import pytest

from skimbal.utils import as_python, encode_labels


def test_encode_labels_and_unknown_labels():
    assert encode_labels(np.array(["b", "a", "b"]), np.array(["a", "b"])).tolist() == [1, 0, 1]
    assert encode_labels([3, 7], np.array([7, 3])).dtype == np.int64
    with pytest.raises(ValueError, match=r"y has labels \['z'\] that are not among the "
                                         r"classes \['a', 'b'\]"):
        encode_labels(["a", "z"], ["a", "b"])
    with pytest.raises(ValueError, match=r"^seen \[5\] of \[0, 1\]$"):
        encode_labels([5], np.array([0, 1]), message="seen {unknown} of {classes}")


def test_as_python():
    assert type(as_python(np.float32(1.5))) is float and as_python("x") == "x"
