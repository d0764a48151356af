"""MoveNetFPN: the MobileNetV2 + FPN feature extractor of MoveNet Thunder.

The bundled teacher ``checkpoints/movenet-thunder.onnx`` (MoveNet SinglePose
Thunder v4, Google, Apache-2.0) is a CenterNet whose feature extractor is a
MobileNetV2 of width 1.75 (batch norm folded into the conv biases, ReLU6)
with a three-level FPN on top::

    stem:   conv 3->56 /2, ReLU6                                   (stride 2)
    blocks: inverted residuals (expand t, out c, repeats n, stride s)
            (1,32,1,1) (6,40,2,2) (6,56,3,2) (6,112,4,2) (6,168,3,1)
            (6,280,3,2) (6,560,1,1), then conv 560->1280, ReLU6   (stride 32)
    FPN:    1x1(1280->64), up x2 + 1x1(112->64), sep(64->32), ReLU (stride 16)
            up x2 + 1x1(56->32), sep(32->24), ReLU                 (stride 8)
            up x2 + 1x1(40->24), sep(24->24), ReLU                 (stride 4)

("sep" = depthwise 3x3 without bias + pointwise 1x1; "up" = bilinear,
half-pixel centres; stride-2 convs pad TensorFlow-style, bottom/right only.)
Each CenterNet head then applies sep(24->96), ReLU and a 1x1 conv; the
keypoint-heatmap head's first two layers are available here as
``branch='kpt_heatmap'``.

:class:`MoveNetFPN` is that network in PyTorch; with ``pretrained_onnx`` all
its convolutions are initialised from the ONNX file (read with
:func:`mmalphapose.models.utils.onnx_init.conv_nodes`, ``onnx.load``).
A student built on it starts from the teacher's own body features, as
distilled students are often initialised from their teacher's layers, and
learns the keypoints MoveNet lacks (head, neck, hip, feet; face and hands for
Halpe-136) from the other teachers. Input: RGB, ``x / 127.5 - 1``
(:data:`MOVENET_MEAN`, :data:`MOVENET_STD`).
"""
import copy
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from mmalphapose.registry import MODELS

MOVENET_MEAN = (127.5, 127.5, 127.5)  # RGB
MOVENET_STD = (127.5, 127.5, 127.5)
# (expand ratio, out channels, repeats, stride) of MobileNetV2 at width 1.75
ARCH = ((1, 32, 1, 1), (6, 40, 2, 2), (6, 56, 3, 2), (6, 112, 4, 2), (6, 168, 3, 1), (6, 280, 3, 2),
        (6, 560, 1, 1))
# ARCH stages whose last block feeds the FPN laterals (strides 4, 8, 16)
LATERAL_STAGES = (1, 2, 3)
BRANCHES = ('kpt_regress', 'kpt_offset', 'kpt_heatmap', 'center')
NUM_MOVENET_KEYPOINTS = 17  # COCO-17, the keypoints of MoveNet's heads
# the modules above the MobileNetV2 stages: last conv, FPN, branch (a part path copies them)
UPPER_MODULES = ('last', 'top', 'laterals', 'smooth', 'head_stem')


class SamePadConv(nn.Conv2d):
    """A conv padded like TensorFlow's ``SAME``: stride-2 3x3 convs pad only
    the bottom and right (the ONNX pads are [0, 0, 1, 1])."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride[0] == 2 and self.kernel_size[0] == 3:
            x = F.pad(x, (0, 1, 0, 1))
        return super().forward(x)


def conv(cin: int,
         cout: int,
         k: int = 1,
         stride: int = 1,
         groups: int = 1,
         bias: bool = True) -> nn.Conv2d:
    pad = k // 2 if stride == 1 else 0
    return SamePadConv(cin, cout, k, stride, pad, groups=groups, bias=bias)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: [1x1 expand, ReLU6], dw 3x3, ReLU6, 1x1 project."""

    def __init__(self, cin: int, cout: int, expand: int, stride: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = conv(cin, mid) if expand != 1 else None
        self.depthwise = conv(mid, mid, 3, stride, groups=mid)
        self.project = conv(mid, cout)
        self.residual = stride == 1 and cin == cout

    def convs(self) -> List[nn.Conv2d]:
        head = [self.expand] if self.expand is not None else []
        return head + [self.depthwise, self.project]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self.expand(x)) if self.expand is not None else x
        y = self.project(F.relu6(self.depthwise(y)))
        return x + y if self.residual else y


class SepConv(nn.Module):
    """Depthwise 3x3 (no bias) + pointwise 1x1 (bias), then ReLU."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = conv(cin, cin, 3, groups=cin, bias=False)
        self.pointwise = conv(cin, cout)

    def convs(self) -> List[nn.Conv2d]:
        return [self.depthwise, self.pointwise]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.pointwise(self.depthwise(x)))


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)


@MODELS.register_module()
class MoveNetFPN(BaseModule):
    """MoveNet Thunder's MobileNetV2-1.75 + FPN (see module doc).

    Args:
        pretrained_onnx: a MoveNet Thunder ONNX file whose convolutions
            initialise this network (relative paths resolve against the
            repository root), or None for random weights.
        branch: None to return the 24-channel stride-4 FPN map, or one of
            :data:`BRANCHES` to return that CenterNet head's 96-channel
            features (its sep conv + ReLU, without the final 1x1 conv).
        frozen_stages: the stem and this many MobileNetV2 stages keep their
            weights (-1: none; 7: the whole MobileNetV2, FPN still trains).
        offset_branch: also run MoveNet's keypoint-offset head (sep conv
            24->96, ReLU, 1x1 conv -> 34 channels: (dy, dx) per COCO-17
            keypoint in heatmap pixels, the sub-pixel offsets MoveNet adds to
            its heatmap peaks) on the same FPN map; ``forward`` then returns
            ``(features, offsets (N,34,H/4,W/4))``. The offset head is kept as
            read; its offsets fit only MoveNet's own FPN, so freeze that too
            (``frozen_fpn``).
        centre_branches: with ``offset_branch``, also run MoveNet's person-
            centre head (1 channel, sigmoid) and keypoint-regression head (34
            channels: (dy, dx) of each COCO-17 keypoint from the centre cell,
            in heatmap cells), kept as read like the offsets; the second
            output is then ``(N,69,H/4,W/4)``: offsets (34), centre (1),
            regression (34), the maps MoveNet's own decoding reads
            (:func:`~mmalphapose.models.heads.heatmap_head.movenet_peaks`).
        frozen_fpn: the last conv, the FPN and the branch keep their weights
            as well (requires_grad off: a zero learning rate is not enough,
            schedulers with a minimum learning rate move them).
    """

    def __init__(self,
                 pretrained_onnx: Optional[str] = None,
                 branch: Optional[str] = 'kpt_heatmap',
                 frozen_stages: int = -1,
                 offset_branch: bool = False,
                 frozen_fpn: bool = False,
                 centre_branches: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if centre_branches and not offset_branch:
            raise ValueError('MoveNetFPN: centre_branches needs offset_branch (MoveNet\'s '
                             'decoding reads the offsets at the peaks it finds)')
        if branch is not None and branch not in BRANCHES:
            raise ValueError(f'MoveNetFPN: branch "{branch}" must be None or one of '
                             f'{BRANCHES}')
        if not -1 <= frozen_stages <= len(ARCH):
            raise ValueError(f'MoveNetFPN: frozen_stages {frozen_stages} must be in '
                             f'-1..{len(ARCH)}')
        self.pretrained_onnx = pretrained_onnx
        self.branch = branch
        self.frozen_stages = frozen_stages
        self.stem = conv(3, 56, 3, 2)
        self.stages = nn.ModuleList()
        c = 56
        for t, cout, n, s in ARCH:
            blocks = []
            for i in range(n):
                blocks.append(InvertedResidual(c, cout, t, s if i == 0 else 1))
                c = cout
            self.stages.append(nn.Sequential(*blocks))
        self.last = conv(c, 1280)
        # FPN, top-down: (lateral conv, sep conv after the sum)
        self.top = conv(1280, 64)
        self.laterals = nn.ModuleList([conv(112, 64), conv(56, 32), conv(40, 24)])
        self.smooth = nn.ModuleList([SepConv(64, 32), SepConv(32, 24), SepConv(24, 24)])
        self.head_stem = SepConv(24, 96) if branch else None
        self.out_channels = 96 if branch else 24
        self.offset_branch = bool(offset_branch)
        self.frozen_fpn = bool(frozen_fpn)
        if self.offset_branch:
            self.offset_stem = SepConv(24, 96)
            self.offset_layer = conv(96, 2 * NUM_MOVENET_KEYPOINTS)
        self.centre_branches = bool(centre_branches)
        if self.centre_branches:
            self.centre_stem = SepConv(24, 96)
            self.centre_layer = conv(96, 1)
            self.regress_stem = SepConv(24, 96)
            self.regress_layer = conv(96, 2 * NUM_MOVENET_KEYPOINTS)

    def convs(self) -> List[nn.Conv2d]:
        """The convolutions in the order of the ONNX graph (the branch last)."""
        out = [self.stem]
        for stage in self.stages:
            for block in stage:
                out += block.convs()
        out += [self.last, self.top]
        for lateral, smooth in zip(self.laterals, self.smooth):
            out += [lateral] + smooth.convs()
        if self.head_stem is not None:
            out += self.head_stem.convs()
        if self.offset_branch:
            out += self.offset_stem.convs() + [self.offset_layer]
        if self.centre_branches:
            out += self.centre_stem.convs() + [self.centre_layer]
            out += self.regress_stem.convs() + [self.regress_layer]
        return out

    def load_onnx_weights(self, path: str) -> None:
        """Copy MoveNet's conv weights in; shapes are checked one by one."""
        from mmalphapose.utils.resources import resolve_resource
        from ..utils.onnx_init import copy_conv_weights
        path = resolve_resource(path, 'MoveNetFPN: pretrained_onnx')
        weights = movenet_conv_weights(path, self.branch, self.offset_branch, self.centre_branches)
        convs = self.convs()
        if len(weights) != len(convs):
            raise ValueError(f'MoveNetFPN: "{path}" gives {len(weights)} convolutions '
                             f'for branch {self.branch}, expected {len(convs)} '
                             '(not a MoveNet Thunder model?)')
        copy_conv_weights(convs, weights, 'MoveNetFPN', path, 'MoveNet Thunder')

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained_onnx:
            self.load_onnx_weights(self.pretrained_onnx)
        self._freeze()

    def _freeze(self) -> None:
        mods = [] if self.frozen_stages < 0 else [self.stem] + list(
            self.stages[:self.frozen_stages])
        if self.frozen_stages == len(ARCH):
            mods.append(self.last)
        if self.offset_branch:  # MoveNet's own offsets, kept as they are
            mods += [self.offset_stem, self.offset_layer]
        if self.centre_branches:
            mods += [self.centre_stem, self.centre_layer, self.regress_stem, self.regress_layer]
        if self.frozen_fpn:
            mods += [self.last, self.top, self.laterals, self.smooth]
            mods += [self.head_stem] if self.head_stem is not None else []
        for m in mods:
            for p in m.parameters():
                p.requires_grad = False

    def _stage_feats(self, x: torch.Tensor, n: int = len(ARCH)) -> Dict[int, torch.Tensor]:
        """Outputs of the stem (key -1) and MobileNetV2 stages 0..n-1."""
        x = F.relu6(self.stem(x))
        feats: Dict[int, torch.Tensor] = {-1: x}
        for i in range(n):
            x = self.stages[i](x)
            feats[i] = x
        return feats

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(N,3,H,W) -> ``(features, )``, or ``(features, offsets)`` with
        ``offset_branch`` (offsets, centre and regression maps with
        ``centre_branches``)."""
        fpn = _fpn(self, self._stage_feats(x))
        return (_branch(self, fpn), ) + self._movenet_maps(fpn)

    def _movenet_maps(self, fpn: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``()``, or ``(offsets, )`` / ``(offsets + centre + regression, )``
        over the FPN map, as ``offset_branch`` / ``centre_branches`` ask."""
        if not self.offset_branch:
            return ()
        offsets = self.offset_layer(self.offset_stem(fpn))
        if not self.centre_branches:
            return (offsets, )
        centre = self.centre_layer(self.centre_stem(fpn)).sigmoid()
        return (torch.cat([offsets, centre, self.regress_layer(self.regress_stem(fpn))], 1), )


def _fpn(path: nn.Module, feats: Dict[int, torch.Tensor]) -> torch.Tensor:
    """``last`` + FPN of ``path`` (a :class:`MoveNetFPN` or a
    :class:`MoveNetPartFPN` part path) over the stage outputs ``feats``: the
    24-channel stride-4 map."""
    y = path.top(F.relu6(path.last(feats[len(ARCH) - 1])))
    for lateral, smooth, i in zip(path.laterals, path.smooth, LATERAL_STAGES[::-1]):
        y = smooth(_up(y) + lateral(feats[i]))
    return y


def _branch(path: nn.Module, fpn: torch.Tensor) -> torch.Tensor:
    """The branch features of ``path`` over its FPN map (the map itself
    without a branch)."""
    return path.head_stem(fpn) if path.head_stem is not None else fpn


@MODELS.register_module()
class MoveNetPartFPN(MoveNetFPN):
    """:class:`MoveNetFPN` plus a second, separately trained copy of its upper
    part (MobileNetV2 stages ``shared_stages``..6, the last conv, the FPN and
    the branch) for the face and hands of a whole-body model.

    The first path is the body network unchanged (same parameter names, so a
    body model's weights load into it) and is frozen with ``freeze_body``:
    a whole-body model built on it keeps the body model's body keypoints
    exactly while its face and hand points learn in the part path. The stem
    and the first ``shared_stages`` stages run once for both (at 256x192 the
    part path adds 40 % of the multiply-adds with 3 shared stages, 25 % with
    5).

    Args:
        pretrained_onnx, branch: as :class:`MoveNetFPN`; the part path starts
            as a copy of the body path after the ONNX weights are read.
        shared_stages: MobileNetV2 stages both paths share (0-7).
        freeze_body: keep every body-path weight (shared stages included).

    Returns ``(body (N,C,H/4,W/4), part (N,C,H/4,W/4))`` (C = 96 with a
    branch, else 24). Weights of a single-path whole-body model move into the
    part path with :func:`part_path_state_dict`.
    """

    def __init__(self,
                 pretrained_onnx: Optional[str] = None,
                 branch: Optional[str] = 'kpt_heatmap',
                 shared_stages: int = 3,
                 freeze_body: bool = True,
                 offset_branch: bool = False,
                 centre_branches: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        if not 0 <= shared_stages <= len(ARCH):
            raise ValueError(f'MoveNetPartFPN: shared_stages {shared_stages} must be in '
                             f'0..{len(ARCH)}')
        super().__init__(
            pretrained_onnx,
            branch,
            -1,
            offset_branch=offset_branch,
            centre_branches=centre_branches,
            init_cfg=init_cfg)
        self.shared_stages = shared_stages
        self.freeze_body = freeze_body
        part = nn.Module()
        part.stages = nn.ModuleList(copy.deepcopy(s) for s in self.stages[shared_stages:])
        for name in UPPER_MODULES:
            setattr(part, name, copy.deepcopy(getattr(self, name)))
        self.part = part
        self._freeze()

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained_onnx:  # the part path starts from the same weights
            self.part.load_state_dict(part_path_state_dict(self.state_dict(), self.shared_stages))

    def _freeze(self) -> None:
        if not getattr(self, 'freeze_body', False):
            return
        for name, p in self.named_parameters():
            if not name.startswith('part.'):
                p.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(N,3,H,W) -> ``(body, part)``, or ``(body, part, body offsets)``
        with ``offset_branch`` (the body path's MoveNet offsets)."""
        body = self._stage_feats(x, self.shared_stages)
        part = dict(body)
        for i in range(self.shared_stages, len(ARCH)):
            body[i] = self.stages[i](body[i - 1])
            part[i] = self.part.stages[i - self.shared_stages](part[i - 1])
        fpn = _fpn(self, body)
        return (_branch(self, fpn), _branch(self.part, _fpn(self.part, part))) + \
            self._movenet_maps(fpn)


def part_path_state_dict(state: Dict[str, torch.Tensor],
                         shared_stages: int,
                         prefix: str = '') -> Dict[str, torch.Tensor]:
    """The weights of a :class:`MoveNetFPN` (keys ``prefix + 'stages.3...'``,
    ``'last...'``, FPN and branch) renamed for :class:`MoveNetPartFPN`'s part
    path (``stages.0...`` = stage ``shared_stages``; no ``prefix``). Shared
    stages and the stem are left out."""
    out = {}
    for key, val in state.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        head, _, rest = name.partition('.')
        if head == 'stages':
            idx, _, tail = rest.partition('.')
            if int(idx) >= shared_stages:
                out[f'stages.{int(idx) - shared_stages}.{tail}'] = val
        elif head in UPPER_MODULES:
            out[name] = val
    return out


def movenet_conv_weights(path: str,
                         branch: Optional[str] = None,
                         offsets: bool = False,
                         centre: bool = False) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of MoveNet's feature-extractor convs in graph order,
    followed by the first two convs of ``branch`` (matched by node name),
    with ``offsets`` the three convs of the keypoint-offset head and with
    ``centre`` those of the person-centre and keypoint-regression heads."""
    from ..utils.onnx_init import conv_nodes
    trunk, heads = [], {b: [] for b in BRANCHES}
    for n, w, b in conv_nodes(path):
        b = b if b is not None else np.zeros(w.shape[0], w.dtype)
        name = n.output[0] + ' ' + ' '.join(n.input[1:])
        owner = next((h for h in BRANCHES if f'/{h}_0/' in name), None)
        (heads[owner] if owner else trunk).append((w, b))
    out = list(trunk)
    if branch is not None:
        out += heads[branch][:2]
    if offsets:
        out += heads['kpt_offset'][:3]
    if centre:
        out += heads['center'][:3] + heads['kpt_regress'][:3]
    return out
