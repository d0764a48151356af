"""Optimiser wrappers (registered in OPTIM_WRAPPERS)."""
from .autocast_optim_wrapper import AutocastOptimWrapper

__all__ = ['AutocastOptimWrapper']
