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


def as_keypoint_triplets(value: Any, where: str, num_keypoints: Optional[int] = None) -> np.ndarray:
    """A flat ``[x, y, v] * K`` keypoint list (JSON) as a (K, 3) float64 array.

    Args:
        value: the list as read from JSON.
        where: the file and record, named in the error
            (``'gt.json: annotation 12'``).
        num_keypoints: the K the record must have (None: any).

    Raises:
        ValueError: not a list of numbers, ``null`` / NaN / inf values, a
            length that is not a multiple of 3, or not ``num_keypoints``
            keypoints.
    """
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise ValueError(f'{where}: "keypoints" must be a list of numbers, got '
                         f'{type(value).__name__}')
    flat = np.asarray(value, dtype=object).reshape(-1)
    if any(v is None for v in flat):
        raise ValueError(f'{where}: "keypoints" holds null values')
    try:
        arr = flat.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{where}: "keypoints" holds values that are not numbers') from None
    if not np.isfinite(arr).all():
        raise ValueError(f'{where}: "keypoints" holds NaN/inf values')
    if arr.size == 0 or arr.size % 3:
        raise ValueError(f'{where}: "keypoints" holds {arr.size} numbers, not x, y, score '
                         'per keypoint')
    kp = arr.reshape(-1, 3)
    if num_keypoints is not None and len(kp) != num_keypoints:
        raise ValueError(f'{where}: {len(kp)} keypoints, expected {num_keypoints}')
    return kp


__all__ = ['to_numpy', 'as_rows', 'as_keypoint_triplets']
