"""Datasets, metainfo and data transforms."""
from .datasets import *  # noqa: F401,F403
from .datasets import __all__ as _dataset_names
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transform_names

__all__ = list(_dataset_names) + list(_transform_names)
