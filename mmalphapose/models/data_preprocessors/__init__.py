"""Data preprocessors (MODELS)."""
from .data_preprocessor import PoseDataPreprocessor

__all__ = ['PoseDataPreprocessor']
