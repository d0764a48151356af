"""CSPTinyNet: the CSP-style backbone of the bundled NanoDet-m person detector.

The bundled detector ``checkpoints/nanodet.onnx`` (NanoDet-m, COCO-trained,
Apache-2.0) is built from 3x3 conv + LeakyReLU(0.1) units (batch norm folded
into the conv biases) in cross-stage-partial blocks::

    stem:   conv 3->32 /2, maxpool 3x3 /2, conv 32->32            (stride 4)
    stage:  input x (C ch); repeat n times: a = conv(C->C/2),
            b = conv(a -> C/2), y = cat(b, a) (C ch);
            out = cat(conv(y: C->C), x)                           (2C ch)
    stages (C, n) = (32, 1), (64, 2), (128, 2), (256, 3), each but the
    first after a conv 2C->2C /2                                  (stride 32)

:class:`CSPTinyNet` is that network in PyTorch. With ``pretrained_onnx`` its
25 convolutions are initialised from the detector's weights (read with
:func:`mmalphapose.utils.onnx_proto.conv_weights`, no ``onnx`` package), so
a pose student starts from features that already know people, the way
AlphaPose starts from ImageNet weights. Input: BGR, NanoDet's mean/std (see
:data:`NANODET_MEAN`, :data:`NANODET_STD`).
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from mmalphapose.registry import MODELS

NANODET_MEAN = (103.53, 116.28, 123.675)  # BGR
NANODET_STD = (57.375, 57.12, 58.395)
ARCH = ((32, 1), (64, 2), (128, 2), (256, 3))


class ConvLReLU(nn.Sequential):
    """3x3 conv (with bias: BN folded) + LeakyReLU(0.1)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=True), nn.LeakyReLU(0.1, inplace=True))


class CSPStage(nn.Module):
    """``n`` split-concat units on ``C`` channels, a fusing conv, and the
    concatenation with the stage input (``2C`` channels out)."""

    def __init__(self, channels: int, num_units: int) -> None:
        super().__init__()
        half = channels // 2
        self.units = nn.ModuleList(
            nn.ModuleList([ConvLReLU(channels, half),
                           ConvLReLU(half, half)]) for _ in range(num_units))
        self.fuse = ConvLReLU(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for first, second in self.units:
            a = first(y)
            y = torch.cat([second(a), a], 1)
        return torch.cat([self.fuse(y), x], 1)


@MODELS.register_module()
class CSPTinyNet(BaseModule):
    """NanoDet-m's CSP backbone (see module doc).

    Args:
        out_indices: stages whose outputs are returned (0..3 -> strides
            4, 8, 16, 32 with 64, 128, 256, 512 channels).
        pretrained_onnx: an ONNX file of the NanoDet-m detector whose first
            25 convolutions initialise this network (relative paths resolve
            against the repository root), or None for random weights.
        frozen_stages: stem + this many stages keep their weights (-1: none).
    """

    def __init__(self,
                 out_indices: Sequence[int] = (3, ),
                 pretrained_onnx: Optional[str] = None,
                 frozen_stages: int = -1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.out_indices = tuple(out_indices)
        if not all(0 <= i < len(ARCH) for i in self.out_indices):
            raise ValueError(f'CSPTinyNet: out_indices {out_indices} must be in 0..3')
        self.pretrained_onnx = pretrained_onnx
        self.frozen_stages = frozen_stages
        self.stem = nn.ModuleList([ConvLReLU(3, 32, 2), nn.MaxPool2d(3, 2, 1), ConvLReLU(32, 32)])
        self.downs = nn.ModuleList()
        self.stages = nn.ModuleList()
        for i, (c, n) in enumerate(ARCH):
            self.downs.append(nn.Identity() if i == 0 else ConvLReLU(c, c, 2))
            self.stages.append(CSPStage(c, n))
        self.out_channels = [2 * c for c, _ in ARCH]

    def convs(self) -> List[nn.Conv2d]:
        """The convolutions in the order of the ONNX graph."""
        out = [self.stem[0][0], self.stem[2][0]]
        for down, stage in zip(self.downs, self.stages):
            if not isinstance(down, nn.Identity):
                out.append(down[0])
            for first, second in stage.units:
                out += [first[0], second[0]]
            out.append(stage.fuse[0])
        return out

    def load_onnx_weights(self, path: str) -> None:
        """Copy the detector's conv weights in; shapes are checked one by one."""
        from mmalphapose.utils.onnx_proto import conv_weights
        from ..utils.onnx_init import copy_conv_weights, resolve_onnx
        path = resolve_onnx(path, 'CSPTinyNet: pretrained_onnx')
        weights = conv_weights(path)
        convs = self.convs()
        if len(weights) < len(convs):
            raise ValueError(f'CSPTinyNet: "{path}" has {len(weights)} convolutions, '
                             f'expected at least {len(convs)}')
        copy_conv_weights(convs, weights, 'CSPTinyNet', path, 'NanoDet-m CSP')

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained_onnx:
            self.load_onnx_weights(self.pretrained_onnx)
        self._freeze()

    def _freeze(self) -> None:
        if self.frozen_stages < 0:
            return
        mods = [self.stem
                ] + [m for i in range(self.frozen_stages) for m in (self.downs[i], self.stages[i])]
        for m in mods:
            for p in m.parameters():
                p.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        for m in self.stem:
            x = m(x)
        outs = []
        for i, (down, stage) in enumerate(zip(self.downs, self.stages)):
            x = stage(down(x))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
