"""Utilities: environment, lazy imports, safe checkpoint loading, logging.

Importing this package has no side effects (it imports torch, through
``checkpoint``); the process-wide switches are explicit calls:
:func:`register_all_modules`, :func:`enable_safe_checkpoint_loading` and
:func:`check_versions`.
"""
from .array_conversion import as_rows, to_numpy
from .checkpoint import (check_state_dict, enable_safe_checkpoint_loading, safe_torch_load,
                         student_state)
from .errors import CheckpointError, InputError, ModelFileError, UnsafeCheckpointError, run_cli
from .lazy_import import has_mmcv_ops, has_mmdet, import_mmcv_ops, import_mmdet
from .scope import build_cross_scope
from .setup_env import register_all_modules
from .version_check import check_versions

__all__ = [
    'register_all_modules', 'build_cross_scope', 'has_mmcv_ops', 'has_mmdet', 'import_mmcv_ops',
    'import_mmdet', 'safe_torch_load', 'enable_safe_checkpoint_loading', 'check_versions',
    'to_numpy', 'as_rows', 'check_state_dict', 'InputError', 'ModelFileError', 'CheckpointError',
    'UnsafeCheckpointError', 'run_cli', 'student_state'
]
