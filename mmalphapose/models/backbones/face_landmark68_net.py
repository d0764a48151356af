"""face-api's 68-point face landmark network in PyTorch, built from its TF.js
weights manifest.

The network (face-api.js ``FaceLandmark68Net``, MIT; the weights ship as
``face_landmark_68_model-weights_manifest.json`` + ``.bin``, uint8-quantised):

* input: a square RGB face crop resized to 112x112, ``(x - mean_rgb) / 255``
  with ``mean_rgb = (122.782, 117.001, 104.298)``;
* four dense blocks ``dense0..dense3`` (32, 64, 128, 256 channels). Each has
  four convolutions: ``conv0`` (stride 2; a plain 3x3 conv in ``dense0``, a
  depthwise-separable one elsewhere) and ``conv1..conv3`` (stride 1,
  depthwise-separable), all 'same'-padded the TensorFlow way (stride 2 pads
  the bottom / right only) with a bias after the pointwise conv. The outputs
  are summed densely::

      o1 = relu(conv0(x)); o2 = conv1(o1); o3 = conv2(relu(o1 + o2))
      o4 = conv3(relu(o1 + o2 + o3)); out = relu(o1 + o2 + o3 + o4)

* 7x7 average pool (112 / 16 = 7, so global), then ``fc`` 256 -> 136 =
  68 x (x, y) normalised to the crop (0..1), iBUG-68 order.

The layer list (blocks, their channels, which conv is plain or separable, the
fc size) is read from the manifest itself; :func:`read_tfjs_weights` undoes
the quantisation (``q * scale + min`` per tensor).
"""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmalphapose.registry import MODELS

FACE_API_MEAN_RGB = (122.782, 117.001, 104.298)
_NAME = re.compile(r'^dense(\d+)/conv(\d+)/(filters|bias|depthwise_filter|pointwise_filter)$')


def tf_same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """Pad (N,C,H,W) as TensorFlow's 'same' does: total ``max((ceil(in/s) -
    1) * s + k - in, 0)``, the smaller half before, the larger after."""
    pads = []
    for size in (x.shape[-1], x.shape[-2]):  # F.pad order: W then H
        size = int(size)  # the export's crop size is fixed: constant pads, folded into the conv
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads) if any(pads) else x


class _Conv(nn.Module):
    """A 3x3 conv with bias (plain, or depthwise then pointwise), TF 'same'."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, separable: bool) -> None:
        super().__init__()
        self.stride = stride
        self.separable = separable
        if separable:
            self.depthwise = nn.Conv2d(
                in_channels, in_channels, 3, stride, groups=in_channels, bias=False)
            self.pointwise = nn.Conv2d(in_channels, out_channels, 1)
        else:
            self.conv = nn.Conv2d(in_channels, out_channels, 3, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = tf_same_pad(x, 3, self.stride)
        if self.separable:
            return self.pointwise(self.depthwise(x))
        return self.conv(x)


class DenseBlock4(nn.Module):
    """face-api's dense block of four convs (see the module docstring)."""

    def __init__(self, in_channels: int, out_channels: int, first_separable: bool = True) -> None:
        super().__init__()
        self.convs = nn.ModuleList([_Conv(in_channels, out_channels, 2, first_separable)] +
                                   [_Conv(out_channels, out_channels, 1, True) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o1 = F.relu(self.convs[0](x))
        o2 = self.convs[1](o1)
        o3 = self.convs[2](F.relu(o1 + o2))
        o4 = self.convs[3](F.relu(o1 + o2 + o3))
        return F.relu(o1 + o2 + o3 + o4)


def parse_face_api_layers(
        shapes: Dict[str, Sequence[int]]) -> Tuple[List[Tuple[int, int, bool]], Tuple[int, int]]:
    """The layer list of a face-api landmark manifest.

    Args:
        shapes: tensor name -> shape, in manifest order.

    Returns:
        blocks as ``(in_channels, out_channels, conv0_is_separable)`` in order,
        and the fc ``(in_features, out_features)``.

    Raises:
        ValueError: when the names / shapes do not form dense blocks of four
            3x3 convs followed by ``fc/weights`` + ``fc/bias``.
    """
    blocks: Dict[int, Dict[int, Dict[str, tuple]]] = {}
    for name, shape in shapes.items():
        m = _NAME.match(name)
        if m:
            blocks.setdefault(int(m[1]), {}).setdefault(int(m[2]), {})[m[3]] = tuple(shape)
        elif not name.startswith('fc/'):
            raise ValueError(f'face-api manifest: unexpected tensor "{name}"')
    if 'fc/weights' not in shapes or 'fc/bias' not in shapes:
        raise ValueError('face-api manifest: "fc/weights" / "fc/bias" missing')
    if sorted(blocks) != list(range(len(blocks))) or not blocks:
        raise ValueError(f'face-api manifest: dense blocks {sorted(blocks)} are not 0..n-1')
    layers = []
    prev = 3
    for b in range(len(blocks)):
        convs = blocks[b]
        if sorted(convs) != [0, 1, 2, 3]:
            raise ValueError(f'face-api manifest: dense{b} has convs {sorted(convs)}, '
                             'expected 0..3')
        c0 = convs[0]
        separable = 'depthwise_filter' in c0
        if separable:
            cin, cout = c0['depthwise_filter'][2], c0['pointwise_filter'][3]
        elif 'filters' in c0:
            cin, cout = c0['filters'][2], c0['filters'][3]
        else:
            raise ValueError(f'face-api manifest: dense{b}/conv0 has neither filters nor '
                             'depthwise_filter')
        if cin != prev:
            raise ValueError(f'face-api manifest: dense{b} takes {cin} channels, '
                             f'the previous layer gives {prev}')
        for j in (1, 2, 3):
            c = convs[j]
            if (c.get('depthwise_filter') != (3, 3, cout, 1)
                    or c.get('pointwise_filter') != (1, 1, cout, cout)
                    or c.get('bias') != (cout, )):
                raise ValueError(f'face-api manifest: dense{b}/conv{j} shapes {c} do not '
                                 f'fit a {cout}-channel separable 3x3 conv')
        layers.append((cin, cout, separable))
        prev = cout
    fc = tuple(shapes['fc/weights'])
    if len(fc) != 2 or fc[0] != prev or tuple(shapes['fc/bias']) != (fc[1], ):
        raise ValueError(f'face-api manifest: fc/weights {fc} does not follow the '
                         f'{prev}-channel blocks')
    return layers, (int(fc[0]), int(fc[1]))


@MODELS.register_module()
class FaceLandmark68Net(nn.Module):
    """face-api's 68-point face landmark regressor.

    Args:
        weights: the TF.js weights manifest
            (``face_landmark_68_model-weights_manifest.json``, its ``.bin``
            beside it); package paths such as ``checkpoints/face-api/...``
            resolve with :func:`~mmalphapose.utils.resources.resolve_resource`.
            The layers are built from it. ``None`` builds the published layout
            (channels 32, 64, 128, 256; 68 points) with random weights.
        input_size: side of the square input (112 for the published weights).

    Shapes: ``forward((N,3,S,S) RGB 0..255) -> (N,68,2)`` (x, y) in 0..1 of
    the crop.
    """

    def __init__(self, weights: Optional[str] = None, input_size: int = 112) -> None:
        super().__init__()
        self.input_size = int(input_size)
        tensors = None
        if weights is not None:
            from mmalphapose.utils.resources import resolve_resource
            from ..utils.tfjs_weights import read_tfjs_weights
            path = resolve_resource(weights, 'face-api weights manifest')
            tensors = read_tfjs_weights(path)
            layers, fc = parse_face_api_layers({k: v.shape for k, v in tensors.items()})
        else:
            chans = (32, 64, 128, 256)
            layers = [(c_in, c, i > 0) for i, (c_in, c) in enumerate(zip((3, ) + chans, chans))]
            fc = (256, 136)
        if fc[1] % 2:
            raise ValueError(f'FaceLandmark68Net: fc gives {fc[1]} values, not (x, y) pairs')
        self.num_points = fc[1] // 2
        self.blocks = nn.ModuleList([DenseBlock4(i, o, s) for i, o, s in layers])
        self.fc = nn.Linear(*fc)
        self.register_buffer(
            'mean_rgb', torch.tensor(FACE_API_MEAN_RGB).view(1, 3, 1, 1), persistent=False)
        if tensors is not None:
            self.load_state_dict(tfjs_to_state_dict(tensors))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N,3,S,S) RGB 0..255 -> (N,68,2) normalised (x, y)."""
        x = (x - self.mean_rgb) / 255.0
        for block in self.blocks:
            x = block(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x).view(-1, self.num_points, 2)


def tfjs_to_state_dict(tensors: Dict[str, np.ndarray]) -> 'OrderedDict[str, torch.Tensor]':
    """Map face-api TF.js tensors (HWIO filters, ``[in, out]`` fc) to the
    :class:`FaceLandmark68Net` state dict (OIHW, ``[out, in]``)."""
    sd: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for name, arr in tensors.items():
        t = torch.from_numpy(np.ascontiguousarray(arr, np.float32))
        if name == 'fc/weights':
            sd['fc.weight'] = t.t().contiguous()
            continue
        if name == 'fc/bias':
            sd['fc.bias'] = t
            continue
        m = _NAME.match(name)
        if m is None:
            raise ValueError(f'face-api weights: unexpected tensor "{name}"')
        pre = f'blocks.{int(m[1])}.convs.{int(m[2])}'
        kind = m[3]
        if kind == 'filters':  # HWIO -> OIHW
            sd[f'{pre}.conv.weight'] = t.permute(3, 2, 0, 1).contiguous()
        elif kind == 'depthwise_filter':  # (H,W,C,1) -> (C,1,H,W)
            sd[f'{pre}.depthwise.weight'] = t.permute(2, 3, 0, 1).contiguous()
        elif kind == 'pointwise_filter':  # (1,1,I,O) -> (O,I,1,1)
            sd[f'{pre}.pointwise.weight'] = t.permute(3, 2, 0, 1).contiguous()
        else:  # bias: of the pointwise conv, or of the plain conv
            plain = f'dense{m[1]}/conv{m[2]}/filters' in tensors
            sd[f'{pre}.{"conv" if plain else "pointwise"}.bias'] = t
    return sd


def face_landmark68_onnx(net: FaceLandmark68Net, cache_dir: Optional[str] = None) -> str:
    """The ONNX export of ``net`` (batch axis free, input (N,3,S,S) RGB 0..255
    -> (N,68,2)), made at first use into the ONNX cache (``cache_dir``,
    default ``$MMALPHAPOSE_ONNX_CACHE`` or ``~/.cache/mmalphapose/onnx``, as
    the pose networks' exports) under a name from the SHA-256 of its weights,
    torch version, opset and graph passes (``utils.onnx.EXPORT_PASSES``:
    its zero pads folded into the convs); written atomically with its size /
    SHA-256 beside it, and exported again when that does not match (a truncated
    file). Nothing is downloaded: the export is of the bundled weights.

    Returns:
        the ``.onnx`` path.
    """
    from mmalphapose.utils.io import atomic_save
    from mmalphapose.utils.onnx import (EXPORT_PASSES, OPSET, apply_export_passes, cached_export,
                                        weights_digest)
    key = weights_digest(
        net, f'FaceLandmark68Net|{torch.__version__}|{OPSET}|{net.input_size}|{EXPORT_PASSES}')
    dummy = torch.zeros(1, 3, net.input_size, net.input_size)

    def save(tmp: str) -> None:
        import warnings
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter('ignore')
            torch.onnx.export(
                net.eval(), (dummy, ),
                tmp,
                dynamo=False,
                input_names=['input'],
                output_names=['points'],
                dynamic_axes={
                    'input': {
                        0: 'batch'
                    },
                    'points': {
                        0: 'batch'
                    }
                },
                opset_version=OPSET)
        apply_export_passes(tmp)

    return cached_export(f'face_landmark68_{key[:32]}.onnx', lambda path: atomic_save(path, save),
                         cache_dir)
