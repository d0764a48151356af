"""Mixed precision with ``torch.autocast`` on any device, the CPU included."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmalphapose.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An :class:`mmengine.optim.OptimWrapper` whose forward runs under
    ``torch.autocast(device_type, dtype)``.

    mmengine's ``AmpOptimWrapper`` needs a GPU/NPU; on CPUs with bf16 units
    (AVX512-BF16 / AMX) ``dtype='bfloat16'`` speeds training up (measured on
    the 2-core AMX machine for SE-ResNet-18 FastPose and (since removed) CSPTinyNet students:
    1.3-2.1x alone, 1.5-2.9x with :class:`mmalphapose.engine.hooks.ChannelsLastHook`;
    ``benchmarks/train_speed.py`` prints the ratios on your machine).
    bfloat16 has fp32's range, so no loss scaling is needed; parameters and
    optimiser state stay in fp32.

    Args:
        dtype: ``'bfloat16'`` (default) or ``'float16'``.
        device_type: ``'cpu'`` (default), ``'cuda'``, ...
        **kwargs: passed to :class:`OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', device_type: str = 'cpu', **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f'AutocastOptimWrapper: dtype must be bfloat16 or float16, '
                             f'got {dtype!r}')
        self.dtype = getattr(torch, dtype)
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), \
                torch.autocast(device_type=self.device_type, dtype=self.dtype):
            yield
