"""Safe checkpoint loading with torch >= 2.6 (``weights_only=True``).

mmengine's Runner checkpoints hold a few non-tensor objects (its
``HistoryBuffer``, numpy arrays and scalars in the message hub). Instead of
switching the safety off for the whole process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``),
we allow-list exactly those types and keep ``weights_only=True``.
A file that still needs arbitrary pickles can be loaded only with the explicit
``trusted=True`` switch (or ``MMALPHAPOSE_TRUSTED_CHECKPOINTS=1``).

Two levels, and importing this module changes nothing:

* :func:`safe_torch_load` allow-lists the types only for the duration of its
  own ``torch.load`` call (``torch.serialization.safe_globals``).
* :func:`enable_safe_checkpoint_loading` is the explicit, idempotent,
  process-wide switch: it adds the types to torch's allow-list, routes
  mmengine's local checkpoint loader (``load_checkpoint``, ``Runner.resume``,
  ``load_from``) through :func:`safe_torch_load` and makes the
  ``HistoryBuffer`` objects the Runner saves loadable with ``weights_only``.
  It is called by ``tools/train.py``, ``tools/test.py``,
  :func:`mmalphapose.utils.register_all_modules` (hence by
  ``mmalphapose.apis.init_model``) and the mmdet detector wrapper.
"""
import contextlib
import os
import re
from typing import Any, ContextManager, Dict, List, Optional

import numpy as np
import torch

from .errors import CheckpointError, UnsafeCheckpointError

_ENABLED = False


def _safe_types() -> list:
    types = [np.ndarray, np.dtype, np.core.multiarray._reconstruct, np.core.multiarray.scalar]
    # numpy >= 1.25 has one dtype class per scalar type, pickled by class.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for name in dir(dtypes):
            obj = getattr(dtypes, name)
            if isinstance(obj, type) and name.endswith('DType'):
                types.append(obj)
    for name in ('float64', 'float32', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8',
                 'bool_'):
        types.append(getattr(np, name))
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
        types.append(HistoryBuffer)
    except ImportError:  # pragma: no cover
        pass
    return types


def enable_safe_checkpoint_loading() -> None:
    """Let mmengine save and load Runner checkpoints with ``weights_only=True``.

    Process-wide and idempotent (a second call does nothing): adds the types
    mmengine writes (numpy arrays / scalars / dtypes, ``HistoryBuffer``) to
    torch's safe globals, registers :func:`safe_torch_load` as mmengine's
    loader for local files (``CheckpointLoader`` scheme ``''``) and stops
    ``HistoryBuffer`` from pickling its statistics functions. Never called at
    import time; see the module docstring for who calls it.
    """
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


def safe_checkpoint_loading_enabled() -> bool:
    """Whether :func:`enable_safe_checkpoint_loading` ran in this process."""
    return _ENABLED


def _allow_listed() -> ContextManager:
    """Allow-list :func:`_safe_types` for one ``torch.load`` call only."""
    if hasattr(torch.serialization, 'safe_globals'):  # torch >= 2.5
        return torch.serialization.safe_globals(_safe_types())
    if hasattr(torch.serialization, 'add_safe_globals'):  # pragma: no cover
        torch.serialization.add_safe_globals(_safe_types())
    return contextlib.nullcontext()  # pragma: no cover


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


def safe_torch_load(filename: str,
                    map_location: Optional[Any] = 'cpu',
                    trusted: Optional[bool] = None) -> Any:
    """``torch.load`` with ``weights_only=True``; a clear error when the file
    needs more than tensors and the allow-listed types.

    Args:
        filename: path of the checkpoint.
        map_location: as in ``torch.load``.
        trusted: load with ``weights_only=False``. Only for files you trust;
            defaults to the ``MMALPHAPOSE_TRUSTED_CHECKPOINTS`` env variable.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: not a checkpoint, or a corrupt / truncated one.
        UnsafeCheckpointError: the file holds code (names the refused global);
            only this message mentions trusted loading.
    """
    if trusted is None:
        trusted = os.environ.get('MMALPHAPOSE_TRUSTED_CHECKPOINTS', '0') == '1'
    if isinstance(filename, (str, os.PathLike)):
        from .errors import require_file
        require_file(filename, 'checkpoint')
    if trusted:
        try:
            obj = torch.load(filename, map_location=map_location, weights_only=False)
        except Exception as exc:
            raise CheckpointError(_corrupt_message(filename, exc)) from exc
        return check_finite(obj, filename)
    try:
        with _allow_listed():
            obj = torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError ...
        wanted = refused_global(exc)
        if wanted is None:
            raise CheckpointError(_corrupt_message(filename, exc)) from exc
        raise UnsafeCheckpointError(
            f'checkpoint "{filename}" holds code (it asks for the Python global '
            f'"{wanted}") and was refused; load it only if you trust its source '
            '(trusted=True or MMALPHAPOSE_TRUSTED_CHECKPOINTS=1)') from exc
    return check_finite(obj, filename)


def non_finite_tensors(obj: Any, prefix: str = '') -> List[str]:
    """Names (dotted paths) of the floating-point tensors in a checkpoint
    object (nested dicts / lists) that hold NaN or inf."""
    bad: List[str] = []
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point() or obj.is_complex():
            if obj.numel() and not bool(torch.isfinite(obj).all()):
                bad.append(prefix or '<tensor>')
    elif isinstance(obj, dict):
        for key, value in obj.items():
            bad += non_finite_tensors(value, f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            bad += non_finite_tensors(value, f'{prefix}[{i}]')
    return bad


def check_finite(obj: Any, filename: Any) -> Any:
    """``obj`` (a loaded checkpoint) when its weights are all finite.

    Only the model weights (``state_dict`` / ``model`` / the top level) are
    checked; optimizer state is not.

    Raises:
        CheckpointError: naming the tensors that hold NaN/inf (a model that
            would silently find nobody).
    """
    weights = obj
    if isinstance(obj, dict):
        weights = obj.get('state_dict', obj.get('model', obj))
        if weights is obj:
            weights = {k: v for k, v in obj.items() if k not in ('optimizer', 'message_hub')}
    bad = non_finite_tensors(weights)
    if bad:
        shown = ', '.join(bad[:5]) + (f' and {len(bad) - 5} more' if len(bad) > 5 else '')
        raise CheckpointError(f'checkpoint "{filename}" has NaN/inf weights in {len(bad)} '
                              f'tensor(s): {shown} (a diverged training run?)')
    return obj


def refused_global(exc: BaseException) -> Optional[str]:
    """The global a ``weights_only`` load refused (``'os.system'``), or None
    when ``exc`` is another failure (not a checkpoint, corrupt file)."""
    text = str(exc)
    for pattern in (r'Unsupported global: GLOBAL ([\w.]+)', r'GLOBAL ([\w.]+) was not an allowed',
                    r'Unsupported class ([\w.]+)'):
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None  # e.g. "Unsupported operand": the bytes are no pickle at all


def _corrupt_message(filename, exc: BaseException) -> str:
    from .errors import one_line
    text = str(exc)
    if 'WeightsUnpickler error:' in text:  # keep torch's cause, not its advice
        cause = text.split('WeightsUnpickler error:', 1)[1].strip().splitlines()
        detail = cause[0] if cause else 'unreadable pickle'
    else:
        detail = f'{type(exc).__name__}: {one_line(exc)}'
    return (f'checkpoint "{filename}" is not a PyTorch checkpoint or is corrupt/truncated '
            f'({detail})')


def _num_keypoints(model: torch.nn.Module) -> Optional[int]:
    """K of a top-down model: its dataset metainfo, else its head's channels."""
    meta = getattr(model, 'dataset_meta', None) or {}
    if meta.get('num_keypoints'):
        return int(meta['num_keypoints'])
    head = getattr(model, 'head', None)
    for attr in ('num_keypoints', 'out_channels'):
        if isinstance(getattr(head, attr, None), int):
            return int(getattr(head, attr))
    return None


def _listing(keys: list, limit: int = 5) -> str:
    more = f', ... ({len(keys) - limit} more)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def student_state(state: Dict[str, Any]) -> Dict[str, Any]:
    """The student's weights of a distiller state dict (``student.*`` keys,
    prefix removed); any other state dict unchanged."""
    if not any(str(k).startswith('student.') for k in state):
        return state
    return {k[len('student.'):]: v for k, v in state.items() if str(k).startswith('student.')}


def check_state_dict(model: torch.nn.Module, state: Dict[str, Any], checkpoint: str,
                     config_name: str) -> Dict[str, Any]:
    """Refuse a checkpoint that does not fit ``model`` with one clear error.

    Keys are compared after removing a ``module.`` prefix (DataParallel).
    ``num_batches_tracked`` buffers may be missing (older checkpoints).

    Args:
        model: the built model.
        state: the checkpoint's state dict (name -> tensor).
        checkpoint: its path, for the message.
        config_name: the config the model was built from, for the message.

    Returns:
        ``state`` with the ``module.`` prefixes removed.

    Raises:
        ValueError: naming the checkpoint, the config and the missing,
            unexpected and mis-shaped keys (with both shapes) when any model
            key is missing or has another shape; when the mismatch is the
            keypoint count, the message says so.
    """
    if not isinstance(state, dict):
        raise ValueError(f'checkpoint "{checkpoint}" holds no state dict (got '
                         f'{type(state).__name__})')
    state = {(k[7:] if str(k).startswith('module.') else str(k)): v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in state if k not in own]
    shaped = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state.items()
              if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    if not missing and not shaped:
        return state
    k_model = _num_keypoints(model)
    for key, ck_shape, own_shape in shaped:
        if k_model and own_shape and own_shape[0] == k_model and ck_shape \
                and ck_shape[0] != k_model and not missing:
            raise ValueError(
                f'Checkpoint "{checkpoint}" predicts {ck_shape[0]} keypoints (parameter '
                f'"{key}" has shape {ck_shape}) but the config "{config_name}" builds a '
                f'model with {k_model} keypoints (shape {own_shape}). Use the config '
                'that matches the checkpoint.')
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing key(s): {_listing(missing)}')
    if unexpected:
        parts.append(f'{len(unexpected)} unexpected key(s): {_listing(unexpected)}')
    if shaped:
        parts.append(f'{len(shaped)} mis-shaped key(s): ' +
                     _listing([f'{k} checkpoint {a} vs model {b}' for k, a, b in shaped]))
    raise ValueError(f'Checkpoint "{checkpoint}" does not fit the model of config '
                     f'"{config_name}" (another architecture?): ' + '; '.join(parts) +
                     '. Use the config that matches the checkpoint.')
