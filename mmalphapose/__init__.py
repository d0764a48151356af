"""mmalphapose: AlphaPose (TPAMI 2022) as an OpenMMLab-style toolbox.

Importing the package never needs mmcv's compiled ops nor mmdet; those are
imported lazily by the few modules that use them (DCN layers, mmdet detectors).
"""
from .utils.checkpoint import enable_safe_checkpoint_loading
from .utils.version_check import check_versions
from .version import __version__, version_info

check_versions()
enable_safe_checkpoint_loading()

__all__ = ['__version__', 'version_info']
