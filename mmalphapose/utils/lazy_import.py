"""Lazy access to optional compiled / heavy dependencies with actionable errors."""
import importlib
from types import ModuleType

OPS_HINT = ('mmcv with compiled ops is required for {what}. Install the "full" profile: '
            '`make full` (uses the prebuilt wheel in ../shared/wheels when present), or '
            '`pip install -r requirements/build.txt && pip install --no-build-isolation '
            'mmcv==2.1.0` (a source build takes about 31 minutes on 2 cores). The "core" '
            'profile (mmcv-lite) runs everything else.')
MMDET_HINT = ('mmdet is required for {what}. Install the "full" profile (`make full`, or '
              '`pip install -r requirements/mminstall.txt`). Without mmdet, use the bundled '
              'ONNX person detector (the default) or boxes from a detection JSON.')


def has_mmcv_ops() -> bool:
    """True when ``mmcv._ext`` (mmcv's compiled operators) can be imported."""
    try:
        importlib.import_module('mmcv._ext')
    except Exception:  # ImportError, or a broken build raising OSError
        return False
    return True


def has_mmdet() -> bool:
    """True when mmdet imports."""
    try:
        importlib.import_module('mmdet')
    except Exception:
        return False
    return True


def import_mmcv_ops(what: str = 'this layer') -> ModuleType:
    """Import ``mmcv.ops`` or raise an ImportError saying what to install."""
    if not has_mmcv_ops():
        raise ImportError(OPS_HINT.format(what=what))
    return importlib.import_module('mmcv.ops')


def import_mmdet(what: str = 'mmdet detectors', submodule: str = '') -> ModuleType:
    """Import ``mmdet`` (or ``mmdet.<submodule>``) or raise a clear ImportError."""
    name = 'mmdet' + (f'.{submodule}' if submodule else '')
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(MMDET_HINT.format(what=what) + f' ({exc})') from exc
