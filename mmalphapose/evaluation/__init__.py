"""Evaluation: metrics and helpers."""
from .functional import KeypointConverter, rescore_instances  # noqa: F401
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metric_names

__all__ = ['KeypointConverter', 'rescore_instances'] + list(_metric_names)
