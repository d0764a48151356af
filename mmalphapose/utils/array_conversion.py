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


def as_rows(value: Any,
            n: int,
            dtype: Optional[Any] = np.float64,
            name: Optional[str] = None) -> np.ndarray:
    """``value`` as an (n, D) array: one row per person, also for ``n == 0``.

    ``np.reshape(n, -1)`` cannot infer D when ``n`` is 0 (a frame with no
    people); this keeps D from the input's trailing axes (``(0, K)`` scores
    stay ``(0, K)``, an empty list gives ``(0, 0)``).

    Args:
        value: a tensor / array-like with ``n * D`` elements.
        n: the number of rows (people).
        dtype: numpy dtype of the result (None keeps the input's).
        name: what ``value`` is, named in the error.

    Returns:
        np.ndarray: (n, D).

    Raises:
        ValueError: the size of ``value`` is not a multiple of ``n`` (or not
            0 when ``n`` is 0).
    """
    arr = to_numpy(value, dtype, name)
    n = int(n)
    if n == 0:
        if arr.size:
            raise ValueError(f'{name or "value"}: {arr.size} values for 0 rows')
        cols = int(np.prod(arr.shape[1:])) if arr.ndim > 1 else 0
        return arr.reshape(0, cols)
    if arr.size % n:
        raise ValueError(f'{name or "value"}: {arr.size} values cannot be split into '
                         f'{n} rows (shape {arr.shape})')
    return arr.reshape(n, -1)


__all__ = ['to_numpy', 'as_rows']
