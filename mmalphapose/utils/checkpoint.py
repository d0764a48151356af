"""Safe checkpoint loading with torch >= 2.6 (``weights_only=True``).

mmengine's Runner checkpoints hold a few non-tensor objects (its
``HistoryBuffer``, numpy arrays and scalars in the message hub). Instead of
switching the safety off for the whole process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``),
we allow-list exactly those types once and keep ``weights_only=True``.
A file that still needs arbitrary pickles can be loaded only with the explicit
``trusted=True`` switch (or ``MMALPHAPOSE_TRUSTED_CHECKPOINTS=1``).
"""
import os
from typing import Any, Optional

import numpy as np
import torch

_ENABLED = False


def _safe_types() -> list:
    types = [np.ndarray, np.dtype, np.core.multiarray._reconstruct,
             np.core.multiarray.scalar]
    # numpy >= 1.25 has one dtype class per scalar type, pickled by class.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for name in dir(dtypes):
            obj = getattr(dtypes, name)
            if isinstance(obj, type) and name.endswith('DType'):
                types.append(obj)
    for name in ('float64', 'float32', 'float16', 'int64', 'int32', 'int16',
                 'int8', 'uint8', 'bool_'):
        types.append(getattr(np, name))
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
        types.append(HistoryBuffer)
    except ImportError:  # pragma: no cover
        pass
    return types


def enable_safe_checkpoint_loading() -> None:
    """Allow-list the types mmengine writes and route mmengine's local loader
    through :func:`safe_torch_load`. Idempotent."""
    global _ENABLED
    if _ENABLED:
        return
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(_safe_types())
    from mmengine.runner.checkpoint import CheckpointLoader

    def _load_local(filename: str, map_location=None):
        filename = os.path.expanduser(filename)
        if not os.path.isfile(filename):
            raise FileNotFoundError(f'checkpoint file "{filename}" not found')
        return safe_torch_load(filename, map_location=map_location)

    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_local)
    _patch_history_buffer_pickling()
    _ENABLED = True


def _patch_history_buffer_pickling() -> None:
    """Write mmengine ``HistoryBuffer`` without its statistics functions.

    mmengine pickles the class-level ``_statistics_methods`` (plain functions,
    stored as ``getattr(HistoryBuffer, 'min')``), which ``weights_only=True``
    refuses. The functions are class attributes, re-created by
    ``__setstate__`` on load, so leaving them out loses nothing and makes every
    checkpoint our Runner writes loadable with ``weights_only=True``.
    """
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
    except ImportError:  # pragma: no cover
        return

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop('statistics_methods', None)
        return state

    HistoryBuffer.__getstate__ = __getstate__


def safe_torch_load(filename: str, map_location: Optional[Any] = 'cpu',
                    trusted: Optional[bool] = None) -> Any:
    """``torch.load`` with ``weights_only=True``; a clear error when the file
    needs more than tensors and the allow-listed types.

    Args:
        filename: path of the checkpoint.
        map_location: as in ``torch.load``.
        trusted: load with ``weights_only=False``. Only for files you trust;
            defaults to the ``MMALPHAPOSE_TRUSTED_CHECKPOINTS`` env variable.
    """
    if trusted is None:
        trusted = os.environ.get('MMALPHAPOSE_TRUSTED_CHECKPOINTS', '0') == '1'
    if not _ENABLED:
        enable_safe_checkpoint_loading()
    if trusted:
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError
        if 'weights_only' not in str(exc) and 'Unsupported global' not in str(exc):
            raise
        raise RuntimeError(
            f'Checkpoint "{filename}" holds Python objects that are not allowed '
            'with weights_only=True. If you trust its source, load it with '
            'trusted=True or set MMALPHAPOSE_TRUSTED_CHECKPOINTS=1. Details: '
            f'{exc}') from exc
