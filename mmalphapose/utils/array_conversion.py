"""One conversion of tensors / arrays / lists to numpy arrays."""
from typing import Any, Optional

import numpy as np


def to_numpy(value: Any, dtype: Optional[Any] = None, name: Optional[str] = None) -> np.ndarray:
    """A torch tensor (any device, with or without grad), numpy array, scalar
    or nested list as a numpy array.

    Torch is never imported here: anything with ``detach`` is treated as a
    tensor. bfloat16 tensors (which numpy cannot hold) become float32.

    Args:
        value: the tensor / array-like.
        dtype: numpy dtype of the result; None keeps the input's.
        name: what ``value`` is (e.g. ``'instances.keypoints'``), named in
            the error when it cannot be converted.

    Returns:
        np.ndarray, without a copy when ``value`` already is an array of
        ``dtype``.

    Raises:
        TypeError: ``value`` cannot be converted to a ``dtype`` array.
    """
    if hasattr(value, 'detach'):
        value = value.detach()
        if str(getattr(value, 'dtype', '')) == 'torch.bfloat16':
            value = value.float()
        value = value.cpu().numpy()
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as err:
        what = name or 'value'
        kind = f'a {np.dtype(dtype).name} array' if dtype is not None else 'an array'
        raise TypeError(f'{what} cannot be converted to {kind}: {err}') from err


__all__ = ['to_numpy']
