"""Initialise a conv layer from a convolution of an ONNX model.

Used as an ``init_cfg`` entry, e.g. a Halpe-26 heatmap head whose first 17
output channels start as MoveNet's own keypoint-heatmap layer::

    head=dict(type='FastPoseHeatmapHead', in_channels=96, out_channels=26, ...,
              init_cfg=dict(type='OnnxConv', onnx='checkpoints/movenet-thunder.onnx',
                            node='/kpt_heatmap_0/conv2d', layer='final_layer'))

Registered in our ``WEIGHT_INITIALIZERS``: ``type='OnnxConv'`` in the
mmalphapose default scope (our configs), ``type='mmalphapose.OnnxConv'``
from any other scope or none (mmengine's ``init_weights`` builds ``init_cfg``
from its own registry, which reaches ours through the prefix).

The weights are read with ``onnx.load`` (:func:`conv_nodes`). Output channel
``i`` of the ONNX conv goes to channel ``out_indices[i]`` of the layer
(default: the first channels); the other channels keep their initialisation.
"""
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from mmalphapose.registry import WEIGHT_INITIALIZERS
from mmalphapose.utils.resources import resolve_resource


def conv_nodes(path: str) -> List[Tuple[Any, np.ndarray, Optional[np.ndarray]]]:
    """(node, weight OIHW, bias or None) of every Conv node of an ONNX file,
    in graph order; ``node`` is onnx's ``NodeProto`` (``.input``,
    ``.output``). A file ``onnx.load`` cannot parse raises ValueError naming it."""
    import onnx
    from onnx import numpy_helper
    try:
        graph = onnx.load(path).graph
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ValueError(f'"{path}" is not a valid ONNX file ({type(exc).__name__})') from exc
    inits = {t.name: t for t in graph.initializer}

    def array(name: str) -> np.ndarray:
        return numpy_helper.to_array(inits[name]).copy()  # writable, for torch

    return [(n, array(n.input[1]),
             array(n.input[2]) if len(n.input) > 2 and n.input[2] in inits else None)
            for n in graph.node if n.op_type == 'Conv']


def copy_conv_weights(convs: Sequence[nn.Conv2d], weights, owner: str, path: str,
                      model: str) -> None:
    """Copy ONNX (weight, bias) pairs into ``convs`` one by one, checking each
    shape; a mismatch names ``owner``, the conv index, the file and the
    expected ``model`` kind. Layers without a bias take only the weight."""
    with torch.no_grad():
        for i, (conv, (w, b)) in enumerate(zip(convs, weights)):
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise ValueError(f'{owner}: conv {i} of "{path}" has shape '
                                 f'{tuple(w.shape)}, expected {tuple(conv.weight.shape)}'
                                 f' (not a {model} model?)')
            conv.weight.copy_(torch.from_numpy(w))
            if conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(b))


def onnx_conv(path: str, node: str):
    """(weight, bias or None) of the one Conv node whose output name contains
    ``node``; raises ValueError naming the file when there is none or several."""
    hits = [(w, b) for n, w, b in conv_nodes(path) if node in n.output[0]]
    if len(hits) != 1:
        raise ValueError(f'OnnxConv: "{path}" has {len(hits)} Conv nodes whose output '
                         f'contains "{node}" (need exactly one)')
    w, b = hits[0]
    return torch.from_numpy(w), (torch.from_numpy(b) if b is not None else None)


@WEIGHT_INITIALIZERS.register_module(name='OnnxConv')
class OnnxConvInit:
    """Copy an ONNX conv's weights into ``module.<layer>`` (see module doc).

    Args:
        onnx: the ONNX file (relative paths resolve against the repository root).
        node: a substring of the conv node's output name that picks one node.
        layer: dotted attribute path of the ``nn.Conv2d`` inside the module
            the ``init_cfg`` belongs to ('' for the module itself).
        out_indices: target channel of each ONNX output channel.
    """

    def __init__(self,
                 onnx: str,
                 node: str,
                 layer: str = '',
                 out_indices: Optional[Sequence[int]] = None) -> None:
        self.onnx, self.node, self.layer = onnx, node, layer
        self.out_indices = None if out_indices is None else list(out_indices)

    def __call__(self, module: nn.Module) -> None:
        path = resolve_resource(self.onnx, 'OnnxConv: onnx')
        conv = module.get_submodule(self.layer) if self.layer else module
        if not isinstance(conv, nn.Conv2d):
            raise TypeError(f'OnnxConv: "{self.layer}" of {type(module).__name__} is '
                            f'{type(conv).__name__}, not a Conv2d')
        w, b = onnx_conv(path, self.node)
        idx = self.out_indices if self.out_indices is not None else list(range(w.shape[0]))
        if len(idx) != w.shape[0] or max(idx) >= conv.out_channels:
            raise ValueError(f'OnnxConv: {w.shape[0]} channels of "{self.node}" do not fit '
                             f'out_indices {idx} of a {conv.out_channels}-channel layer')
        if tuple(w.shape[1:]) != tuple(conv.weight.shape[1:]):
            raise ValueError(f'OnnxConv: "{self.node}" has kernel {tuple(w.shape[1:])}, '
                             f'the layer {tuple(conv.weight.shape[1:])}')
        with torch.no_grad():
            conv.weight[idx] = w.to(conv.weight.dtype)
            if b is not None and conv.bias is not None:
                conv.bias[idx] = b.to(conv.bias.dtype)
