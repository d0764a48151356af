"""DUC necks: FastPose's PixelShuffle + DUC units, and FastPose_DUC's
staged (4-2-1) up-sampler."""
from typing import Sequence, Tuple, Union

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmalphapose.registry import MODELS
from ..utils import DUCUnit


def _last(feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    return feats[-1] if isinstance(feats, (list, tuple)) else feats


@MODELS.register_module()
class DUC(BaseModule):
    """FastPose's up-sampler: ``PixelShuffle(2)`` then one DUC unit per entry
    of ``channels`` (each: conv3x3 -> BN -> ReLU -> PixelShuffle(2)).

    FastPose, CONV_DIM 128: ``in_channels=2048, channels=(1024, 512)`` ->
    128 x (H/4) x (W/4); CONV_DIM 256: ``channels=(1024, 1024)`` -> 256.
    With SE-ResNet-18 (512 channels): ``in_channels=512, channels=(256, 512)``
    gives 128 channels. ``out_channels`` holds the output width.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 channels: Sequence[int] = (1024, 512),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels % 4:
            raise ValueError(f'in_channels ({in_channels}) must be divisible '
                             'by 4 for PixelShuffle(2)')
        self.shuffle1 = nn.PixelShuffle(2)
        c = in_channels // 4
        for i, ch in enumerate(channels):
            if ch % 4:
                raise ValueError(f'DUC channels must be divisible by 4, got {ch}')
            self.add_module(f'duc{i + 1}', DUCUnit(c, ch))
            c = ch // 4
        self.num_units = len(channels)
        self.out_channels = c

    def forward(self, feats) -> Tuple[Tensor]:
        x = self.shuffle1(_last(feats))
        for i in range(self.num_units):
            x = getattr(self, f'duc{i + 1}')(x)
        return (x, )


@MODELS.register_module()
class StagedDUC(BaseModule):
    """FastPose_DUC's up-sampler: per stage ``PixelShuffle(2)`` (C/4), then
    ``num_convs - 1`` x [conv3x3 C->C, BN, ReLU] and conv3x3 C->out, BN, ReLU.

    AlphaPose "421": ``in_channels=2048, num_convs=(4, 2, 1),
    out_channels=(1024, 512, 256)`` -> 256 x (H/4) x (W/4). Parameters are
    named ``duc{i}.{j}`` as in AlphaPose checkpoints.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_convs: Sequence[int] = (4, 2, 1),
                 out_channels: Sequence[int] = (1024, 512, 256),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(num_convs) != len(out_channels):
            raise ValueError('num_convs and out_channels must have equal length')
        c = in_channels
        for i, (n, out) in enumerate(zip(num_convs, out_channels)):
            if c % 4 or n < 1:
                raise ValueError(f'stage {i + 1}: channels {c} must be divisible '
                                 f'by 4 and num_convs ({n}) >= 1')
            c = c // 4
            mods = [nn.PixelShuffle(2)]
            for j in range(n):
                o = out if j == n - 1 else c
                mods += [
                    nn.Conv2d(c, o, 3, padding=1, bias=False),
                    nn.BatchNorm2d(o, momentum=0.1),
                    nn.ReLU(inplace=True)
                ]
            self.add_module(f'duc{i + 1}', nn.Sequential(*mods))
            c = out
        self.num_stages = len(num_convs)
        self.out_channels = c

    def forward(self, feats) -> Tuple[Tensor]:
        x = _last(feats)
        for i in range(self.num_stages):
            x = getattr(self, f'duc{i + 1}')(x)
        return (x, )
