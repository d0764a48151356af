"""SE-ResNet of AlphaPose's FastPose (layers/SE_Resnet.py), with optional
DCN v1 in stages 2-4 and the pixel-unshuffle variant (ShuffleResnet).

Module names follow torchvision's ResNet (``conv1``, ``bn1``,
``layer{1..4}.{i}.conv1`` ...), so ImageNet weights load by name
(``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')``),
and AlphaPose checkpoints map with a plain ``preact.`` -> ``backbone.`` rename.
"""
from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmalphapose.registry import MODELS
from ..layers import DeformConv2d


class SELayer(nn.Module):
    """Squeeze-excitation with no channel reduction (AlphaPose uses
    reduction=1): GAP -> Linear(C, C) -> ReLU -> Linear(C, C) -> Sigmoid."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channels, channels), nn.ReLU(inplace=True), nn.Linear(channels, channels),
            nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        n, c = x.shape[:2]
        w = self.fc(self.avg_pool(x).view(n, c)).view(n, c, 1, 1)
        return x * w


class DCNConv(nn.Module):
    """DeformConv v1 3x3 with its offset conv (18 * deform_groups channels,
    same stride). mmcv's compiled op when it imports, else the pure-PyTorch
    fallback (:class:`mmalphapose.models.layers.DeformConv2d`; same weights)."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 deform_groups: int = 1) -> None:
        super().__init__()
        self.conv = DeformConv2d(
            in_channels,
            out_channels,
            3,
            stride=stride,
            padding=1,
            deform_groups=deform_groups,
            bias=False)
        self.offset = nn.Conv2d(in_channels, 18 * deform_groups, 3, stride=stride, padding=1)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x, self.offset(x))


def _conv3x3(in_channels: int, out_channels: int, stride: int, unshuffle: bool) -> nn.Module:
    if unshuffle and stride == 2:
        # ShuffleResnet: PixelUnshuffle(2) then a stride-1 conv from 4C to C
        return nn.Sequential(
            nn.PixelUnshuffle(2),
            nn.Conv2d(4 * in_channels, out_channels, 3, padding=1, bias=False))
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convs; SE on the residual branch when ``with_se``."""
    expansion = 1

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 stride: int = 1,
                 downsample: Optional[nn.Module] = None,
                 with_se: bool = False,
                 dcn: Optional[dict] = None,
                 unshuffle: bool = False) -> None:
        super().__init__()
        if dcn is not None:
            raise ValueError('DCN is only supported with Bottleneck blocks '
                             '(depth 50/101/152), as in AlphaPose')
        self.conv1 = _conv3x3(inplanes, planes, stride, unshuffle)
        self.bn1 = nn.BatchNorm2d(planes, momentum=0.1)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, momentum=0.1)
        self.se = SELayer(planes) if with_se else None
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.se is not None:
            out = self.se(out)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 (stride here, v1.5) -> 1x1; SE before the residual add."""
    expansion = 4

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 stride: int = 1,
                 downsample: Optional[nn.Module] = None,
                 with_se: bool = False,
                 dcn: Optional[dict] = None,
                 unshuffle: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes, momentum=0.1)
        self.with_dcn = dcn is not None
        if self.with_dcn:
            if dcn.get('modulated', False):
                raise NotImplementedError('modulated DCN (v2) is not used by any AlphaPose config')
            dcn_conv = DCNConv(planes, planes, stride, dcn.get('deform_groups', 1))
            self.conv2 = dcn_conv.conv
            self.conv2_offset = dcn_conv.offset
        else:
            self.conv2 = _conv3x3(planes, planes, stride, unshuffle)
        self.bn2 = nn.BatchNorm2d(planes, momentum=0.1)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4, momentum=0.1)
        self.relu = nn.ReLU(inplace=True)
        self.se = SELayer(planes * 4) if with_se else None
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        if self.with_dcn:
            out = self.conv2(out, self.conv2_offset(out))
        else:
            out = self.conv2(out)
        out = self.relu(self.bn2(out))
        out = self.bn3(self.conv3(out))
        if self.se is not None:
            out = self.se(out)
        return self.relu(out + identity)


@MODELS.register_module()
class SEResNet(BaseModule):
    """AlphaPose's SE-ResNet backbone.

    Args:
        depth: 18, 34 (BasicBlock), 50, 101 or 152 (Bottleneck).
        out_indices: stages to output (0..3); AlphaPose uses the last (3):
            (N, 2048, H/32, W/32) for Bottleneck depths.
        dcn: e.g. ``dict(deform_groups=1)`` to use DeformConv v1 (mmcv's op, or
            the pure-PyTorch fallback on the core profile)
            in the 3x3 conv of every Bottleneck of the stages flagged in
            ``stage_with_dcn`` (AlphaPose: stages 2-4).
        use_se: SE in the first block of each stage (the one with a
            downsample branch). AlphaPose's SE-ResNet: True.
        unshuffle: replace stride-2 3x3 convs by PixelUnshuffle(2) + a
            stride-1 conv (AlphaPose's ShuffleResnet).
        frozen_stages / norm_eval: as in MMPose's ResNet.
    """
    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self,
                 depth: int = 50,
                 out_indices: Sequence[int] = (3, ),
                 dcn: Optional[dict] = None,
                 stage_with_dcn: Sequence[bool] = (False, True, True, True),
                 use_se: bool = True,
                 unshuffle: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for SEResNet, choose from '
                           f'{sorted(self.arch_settings)}')
        if any(i not in range(4) for i in out_indices):
            raise ValueError(f'out_indices must be in 0..3, got {out_indices}')
        self.depth = depth
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        block, layers = self.arch_settings[depth]
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64, momentum=0.1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = 64
        self.out_channels = []
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            stage_dcn = dcn if (dcn is not None and stage_with_dcn[i]) else None
            layer = self._make_layer(block, planes, n, 1 if i == 0 else 2, stage_dcn, use_se,
                                     unshuffle)
            self.add_module(f'layer{i + 1}', layer)
            self.out_channels.append(planes * block.expansion)
        self._freeze_stages()

    def _make_layer(self, block, planes: int, blocks: int, stride: int, dcn: Optional[dict],
                    use_se: bool, unshuffle: bool) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion, momentum=0.1))
        layers = [
            block(
                self.inplanes,
                planes,
                stride,
                downsample,
                with_se=use_se and downsample is not None,
                dcn=dcn,
                unshuffle=unshuffle)
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, dcn=dcn))
        return nn.Sequential(*layers)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        mods = [self.conv1, self.bn1
                ] + [getattr(self, f'layer{i}') for i in range(1, self.frozen_stages + 1)]
        for m in mods:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i in range(4):
            x = getattr(self, f'layer{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'SEResNet':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        return self


@MODELS.register_module()
class ShuffleResNet(SEResNet):
    """SE-ResNet with PixelUnshuffle down-sampling (AlphaPose's
    ShuffleResnet, the "ResNet50 - unshuffle" of FastPose_DUC)."""

    def __init__(self, depth: int = 50, **kwargs) -> None:
        kwargs.setdefault('unshuffle', True)
        super().__init__(depth=depth, **kwargs)
