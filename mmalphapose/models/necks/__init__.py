"""Necks (MODELS)."""
from .duc import DUC, StagedDUC

__all__ = ['DUC', 'StagedDUC']
