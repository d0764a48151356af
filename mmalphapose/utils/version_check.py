"""Soft version checks: warn, never assert, about versions outside the tested range.

Not run at import: :func:`check_versions` is called by ``tools/train.py``,
``tools/test.py`` and :func:`mmalphapose.utils.register_all_modules` (so by
``mmalphapose.apis.init_model`` too), once per process.
"""
import warnings
from importlib import metadata

# package -> (minimum, first untested version). Ranges measured in docs/install.md.
TESTED_RANGES = {
    'mmengine': ('0.10.0', '0.11.0'),
    'mmcv': ('2.0.0', '2.2.0'),
    'mmcv-lite': ('2.0.0', '2.2.0'),
    'mmdet': ('3.0.0', '3.4.0'),
    'numpy': ('1.26.0', '2.0.0'),
}


def _vtuple(v: str) -> tuple:
    out = []
    for part in v.split('.')[:3]:
        digits = ''.join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def installed_version(package: str):
    """Return the installed version string of ``package`` or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


_CHECKED = False


def check_versions(force: bool = False) -> None:
    """Warn when an installed dependency is outside the tested range.

    Args:
        force: check again even when this process already checked once.
    """
    global _CHECKED
    if _CHECKED and not force:
        return
    _CHECKED = True
    for pkg, (low, high) in TESTED_RANGES.items():
        ver = installed_version(pkg)
        if ver is None:
            continue
        if not (_vtuple(low) <= _vtuple(ver) < _vtuple(high)):
            warnings.warn(
                f'mmalphapose was tested with {pkg}>={low},<{high}; found {ver}. '
                'It may still work; see requirements/ for the measured set.',
                stacklevel=2)
