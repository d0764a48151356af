"""Pose estimators (MODELS)."""
from .topdown import TopdownPoseEstimator

__all__ = ['TopdownPoseEstimator']
