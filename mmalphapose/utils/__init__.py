"""Utilities: environment, lazy imports, safe checkpoint loading, logging."""
from .checkpoint import enable_safe_checkpoint_loading, safe_torch_load
from .lazy_import import (has_mmcv_ops, has_mmdet, import_mmcv_ops,
                          import_mmdet)
from .scope import build_cross_scope
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'build_cross_scope', 'has_mmcv_ops', 'has_mmdet', 'import_mmcv_ops',
    'import_mmdet', 'safe_torch_load', 'enable_safe_checkpoint_loading'
]
