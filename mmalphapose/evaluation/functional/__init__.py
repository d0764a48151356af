"""Evaluation helpers."""
from .keypoint_convert import KeypointConverter, rescore_instances

__all__ = ['KeypointConverter', 'rescore_instances']
