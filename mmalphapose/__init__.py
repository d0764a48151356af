"""mmalphapose: AlphaPose (TPAMI 2022) as an OpenMMLab-style toolbox.

``import mmalphapose`` has no side effects and imports neither torch nor
mmengine: it only defines the version and, on first access, the names of
:data:`_LAZY` (PEP 562). Registries fill themselves through their
``locations`` (``mmalphapose/registry.py``) or
:func:`mmalphapose.utils.register_all_modules`; the process-wide safe
checkpoint loading is the explicit
:func:`mmalphapose.utils.enable_safe_checkpoint_loading`; the dependency
version check is :func:`mmalphapose.utils.check_versions`.
"""
import importlib
from typing import Any

from .version import __version__, version_info

# public name -> module that defines it, imported on first attribute access
_LAZY = {'AlphaPose': 'mmalphapose.apis'}

__all__ = ['__version__', 'version_info', *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the objects of :data:`_LAZY` when first used."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f'module "mmalphapose" has no attribute "{name}"')


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))
