"""Optimiser wrappers (registered in OPTIM_WRAPPERS) and the choice of the
mixed-precision one for ``--amp``."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .mixed_precision import amp_optim_wrapper, cpu_bf16_support

__all__ = ['AutocastOptimWrapper', 'amp_optim_wrapper', 'cpu_bf16_support']
