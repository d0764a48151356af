"""Deformable convolution v1 (Dai et al., ICCV 2017) with mmcv's semantics and a
pure-PyTorch fallback, so ``-dcn`` models run without mmcv's compiled ops.

:class:`DeformConv2d` has the arguments, parameters (``weight`` only, no bias) and
offset layout of ``mmcv.ops.DeformConv2d`` (mmcv 2.1.0, ``mmcv/ops/deform_conv.py:228``),
so state dicts are interchangeable. Its forward uses mmcv's compiled op when
``mmcv._ext`` imports, else :func:`deform_conv2d_torch`, which reproduces mmcv's
``deformable_im2col_bilinear`` (``mmcv/ops/csrc/common/pytorch_cpp_helper`` /
``deform_conv_cpu.cpp``): a sample at ``(y, x)`` is 0 unless ``-1 < y < H`` and
``-1 < x < W``; inside, bilinear interpolation where corners outside the image count 0.

:class:`DeformConv2dPack` (mmcv's ``DCN``) predicts its own offsets with a zero-initialised
conv. It is registered as ``DCN`` in mmalphapose's MODELS, and in mmengine's root MODELS
when mmcv's ops are missing, so ``build_conv_layer(dict(type='DCN'), ...)`` finds it from
any scope on the compiler-free core profile.
"""
import functools
from typing import Callable, Optional, Tuple, Union

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.modules.utils import _pair

from mmalphapose.registry import MODELS
from mmalphapose.utils.lazy_import import has_mmcv_ops

IntPair = Union[int, Tuple[int, int]]


@functools.lru_cache(maxsize=1)
def mmcv_deform_conv2d() -> Optional[Callable]:
    """mmcv's ``deform_conv2d`` (the compiled op) or None on the core profile."""
    if not has_mmcv_ops():
        return None
    from mmcv.ops import deform_conv2d
    return deform_conv2d


def _bilinear_corners(py: Tensor, px: Tensor, height: int, width: int):
    """Indices (flattened ``y * W + x``) and weights of the 4 bilinear corners of each
    sampling point, mmcv's order (low-low, low-high, high-low, high-high); weights are 0
    for corners outside the image and for points outside ``(-1, H) x (-1, W)``."""
    y0 = torch.floor(py)
    x0 = torch.floor(px)
    ly, lx = py - y0, px - x0
    hy, hx = 1 - ly, 1 - lx
    inside = (py > -1) & (px > -1) & (py < height) & (px < width)
    y0, x0 = y0.long(), x0.long()
    out = []
    for yy, xx, wgt in ((y0, x0, hy * hx), (y0, x0 + 1, hy * lx), (y0 + 1, x0, ly * hx),
                        (y0 + 1, x0 + 1, ly * lx)):
        valid = inside & (yy >= 0) & (yy < height) & (xx >= 0) & (xx < width)
        idx = yy.clamp(0, height - 1) * width + xx.clamp(0, width - 1)
        out.append((idx, wgt * valid.to(wgt.dtype)))
    return out


def deform_conv2d_torch(x: Tensor,
                        offset: Tensor,
                        weight: Tensor,
                        stride: IntPair = 1,
                        padding: IntPair = 0,
                        dilation: IntPair = 1,
                        groups: int = 1,
                        deform_groups: int = 1) -> Tensor:
    """Deformable convolution v1 in plain PyTorch (differentiable by autograd).

    Args:
        x: (N, C, H, W) input.
        offset: (N, deform_groups * 2 * kh * kw, Ho, Wo), per kernel point ``(dy, dx)``
            as mmcv (``[y0, x0, y1, x1, ...]``, kernel points row-major).
        weight: (C_out, C / groups, kh, kw).
        stride, padding, dilation, groups, deform_groups: as ``nn.Conv2d`` / mmcv.

    Returns:
        (N, C_out, Ho, Wo).
    """
    n, c, h, w = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    ho = (h + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    wo = (w + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    kk = kh * kw
    if c % deform_groups or c_per_group * groups != c or c_out % groups:
        raise ValueError(f'deform_conv2d: {c} input channels do not split into '
                         f'groups={groups} / deform_groups={deform_groups} '
                         f'for a weight of shape {tuple(weight.shape)}')
    if tuple(offset.shape) != (n, deform_groups * 2 * kk, ho, wo):
        raise ValueError(f'deform_conv2d: offset shape {tuple(offset.shape)}, expected '
                         f'{(n, deform_groups * 2 * kk, ho, wo)}')
    x = x.type_as(offset)
    dev, dt = x.device, x.dtype
    # integer base positions of each kernel point at each output pixel, as mmcv:
    # h_in + i * dilation_h (h_in = h_out * stride_h - pad_h), then + offset
    ky = (torch.arange(kh, device=dev) * dh).repeat_interleave(kw)  # (kk,)
    kx = (torch.arange(kw, device=dev) * dw).repeat(kh)
    base_y = ky.view(kk, 1, 1) + (torch.arange(ho, device=dev) * sh - ph).view(1, ho, 1)
    base_x = kx.view(kk, 1, 1) + (torch.arange(wo, device=dev) * sw - pw).view(1, 1, wo)
    off = offset.reshape(n, deform_groups, kk, 2, ho, wo)
    py = base_y.to(dt) + off[:, :, :, 0]  # (N, G, kk, Ho, Wo)
    px = base_x.to(dt) + off[:, :, :, 1]
    length = kk * ho * wo
    feats = x.reshape(n, deform_groups, c // deform_groups, h * w)
    cols = None
    for idx, wgt in _bilinear_corners(py, px, h, w):
        idx = idx.reshape(n, deform_groups, 1, length).expand(-1, -1, c // deform_groups, -1)
        term = wgt.reshape(n, deform_groups, 1, length) * feats.gather(3, idx)
        cols = term if cols is None else cols + term
    # (N, C, kk, Ho*Wo) -> per conv group (N, g, C/g * kk, Ho*Wo), channel-major like weight
    cols = cols.view(n, groups, c_per_group * kk, ho * wo)
    out = torch.matmul(weight.to(dt).reshape(1, groups, c_out // groups, c_per_group * kk), cols)
    return out.view(n, c_out, ho, wo)


@MODELS.register_module()
class DeformConv2d(nn.Module):
    """``mmcv.ops.DeformConv2d`` (same arguments, parameters and offsets), running
    mmcv's compiled op when it imports and :func:`deform_conv2d_torch` otherwise.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups:
            as ``nn.Conv2d``.
        deform_groups: offset groups (the channels split into this many groups,
            each with its own offsets).
        bias: must be False (as mmcv).
        im2col_step: passed to mmcv's op (ignored by the fallback).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: IntPair,
                 stride: IntPair = 1,
                 padding: IntPair = 0,
                 dilation: IntPair = 1,
                 groups: int = 1,
                 deform_groups: int = 1,
                 bias: bool = False,
                 im2col_step: int = 32) -> None:
        super().__init__()
        if bias:
            raise ValueError(f'bias={bias} is not supported in DeformConv2d (as mmcv)')
        if in_channels % groups or out_channels % groups:
            raise ValueError(f'in_channels {in_channels} and out_channels {out_channels} '
                             f'must be divisible by groups {groups}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.deform_groups = deform_groups
        self.im2col_step = im2col_step
        self.transposed = False
        self.output_padding = (0, )
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels // groups, *self.kernel_size))
        nn.init.kaiming_uniform_(self.weight, nonlinearity='relu')

    def forward(self, x: Tensor, offset: Tensor) -> Tensor:
        """x: (N, C_in, H, W); offset: (N, deform_groups * 2 * kh * kw, Ho, Wo)
        -> (N, C_out, Ho, Wo)."""
        mmcv_op = mmcv_deform_conv2d()
        if mmcv_op is None:
            return deform_conv2d_torch(x, offset, self.weight, self.stride, self.padding,
                                       self.dilation, self.groups, self.deform_groups)
        # mmcv's op needs contiguous tensors (channels-last ones are not) and an
        # input at least as large as the kernel (mmcv's DeformConv2d.forward pads it)
        pad_h = max(self.kernel_size[0] - x.size(2), 0)
        pad_w = max(self.kernel_size[1] - x.size(3), 0)
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
            offset = F.pad(offset, (0, pad_w, 0, pad_h))
        out = mmcv_op(x.contiguous(), offset.contiguous(), self.weight.contiguous(),
                      self.stride, self.padding, self.dilation, self.groups, self.deform_groups,
                      False, self.im2col_step)
        return out[:, :, :out.size(2) - pad_h, :out.size(3) - pad_w]

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'stride={self.stride}, padding={self.padding}, dilation={self.dilation}, '
                f'groups={self.groups}, deform_groups={self.deform_groups}, bias=False')


@MODELS.register_module('DCN')
@MODELS.register_module()
class DeformConv2dPack(DeformConv2d):
    """mmcv's ``DeformConv2dPack`` (``DCN``): a :class:`DeformConv2d` whose offsets
    come from a zero-initialised ``conv_offset`` with the same kernel, stride,
    padding and dilation. Takes ``nn.Conv2d``'s arguments; forward (N, C_in, H, W)
    -> (N, C_out, Ho, Wo)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conv_offset = nn.Conv2d(
            self.in_channels,
            self.deform_groups * 2 * self.kernel_size[0] * self.kernel_size[1],
            kernel_size=self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            bias=True)
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return super().forward(x, self.conv_offset(x))


def register_root_dcn() -> bool:
    """Register :class:`DeformConv2dPack` as ``DCN`` in mmengine's root MODELS when
    mmcv's compiled ops are missing (mmcv.ops registers its own there otherwise), so
    ``mmcv.cnn.build_conv_layer(dict(type='DCN'))`` works in any scope. Returns True
    when this registered it."""
    from mmengine.registry import MODELS as ROOT_MODELS
    if has_mmcv_ops() or 'DCN' in ROOT_MODELS.module_dict:
        return False
    ROOT_MODELS.register_module('DCN', module=DeformConv2dPack)
    return True


register_root_dcn()
