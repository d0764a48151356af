"""Necks (MODELS)."""
from .duc_upsampler import DUC, StagedDUC

__all__ = ['DUC', 'StagedDUC']
