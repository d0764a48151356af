"""to_numpy: tensors, arrays and lists to numpy."""
import numpy as np
import pytest
import torch

from mmalphapose.utils import to_numpy


def test_tensors_arrays_lists():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_()
    out = to_numpy(t * 2)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.arange(6).reshape(2, 3) * 2)
    assert to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    assert to_numpy([[1, 2], [3, 4]], np.float64).dtype == np.float64
    assert to_numpy(3.5).shape == ()
    arr = np.zeros(4, np.float32)
    assert to_numpy(arr) is arr  # no copy when nothing changes
    assert to_numpy(arr, np.float32) is arr
    assert to_numpy(torch.tensor([1, 2]), np.int64).tolist() == [1, 2]


def test_error_names_the_value():
    with pytest.raises(
            TypeError, match='instances.keypoints cannot be converted to a '
            'float64 array'):
        to_numpy([[1, 2], [3]], np.float64, name='instances.keypoints')
    with pytest.raises(TypeError, match='value cannot be converted'):
        to_numpy({'a': 1}, np.float32)
