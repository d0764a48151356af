"""OnnxConv: an init_cfg that copies an ONNX conv into a layer (built here
with no default scope, so named with the ``mmalphapose.`` prefix)."""
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModule
from torch import nn

from mmalphapose.models.utils import onnx_conv

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
ONNX = osp.join(ROOT, 'checkpoints', 'movenet-thunder.onnx')
NODE = '/kpt_heatmap_0/conv2d'


class Tiny(BaseModule):

    def __init__(self, out_channels=26, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.final_layer = nn.Conv2d(96, out_channels, 1)
        nn.init.zeros_(self.final_layer.weight)
        nn.init.constant_(self.final_layer.bias, -4.0)


def test_copies_the_first_channels_and_keeps_the_rest():
    m = Tiny(init_cfg=dict(type='mmalphapose.OnnxConv', onnx=ONNX, node=NODE, layer='final_layer'))
    m.init_weights()
    w, b = onnx_conv(ONNX, NODE)
    assert w.shape == (17, 96, 1, 1)
    torch.testing.assert_close(m.final_layer.weight[:17].data, w)
    torch.testing.assert_close(m.final_layer.bias[:17].data, b)
    assert (m.final_layer.weight[17:] == 0).all() and (m.final_layer.bias[17:] == -4).all()


def test_out_indices_place_the_channels():
    idx = list(range(9, 26))
    m = Tiny(
        init_cfg=dict(
            type='mmalphapose.OnnxConv', onnx=ONNX, node=NODE, layer='final_layer',
            out_indices=idx))
    m.init_weights()
    w, _ = onnx_conv(ONNX, NODE)
    torch.testing.assert_close(m.final_layer.weight[9:].data, w)
    assert (m.final_layer.weight[:9] == 0).all()


def test_clear_errors():
    with pytest.raises(ValueError, match='need exactly one'):
        onnx_conv(ONNX, 'no-such-node')
    with pytest.raises(ValueError, match='need exactly one'):
        onnx_conv(ONNX, 'Conv')  # matches many nodes
    small = Tiny(
        out_channels=8,
        init_cfg=dict(type='mmalphapose.OnnxConv', onnx=ONNX, node=NODE, layer='final_layer'))
    with pytest.raises(ValueError, match='do not fit'):
        small.init_weights()
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        Tiny(
            init_cfg=dict(
                type='mmalphapose.OnnxConv', onnx='missing.onnx', node=NODE,
                layer='final_layer')).init_weights()
    with pytest.raises(TypeError, match='not a Conv2d'):
        Tiny(init_cfg=dict(type='mmalphapose.OnnxConv', onnx=ONNX, node=NODE,
                           layer='')).init_weights()


def test_bare_name_in_our_default_scope_and_registered_once():
    from mmengine.registry import WEIGHT_INITIALIZERS as ROOT
    from mmengine.registry import DefaultScope

    from mmalphapose.registry import WEIGHT_INITIALIZERS
    assert 'OnnxConv' in WEIGHT_INITIALIZERS.module_dict
    assert 'OnnxConv' not in ROOT.module_dict  # one registration
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        m = Tiny(init_cfg=dict(type='OnnxConv', onnx=ONNX, node=NODE, layer='final_layer'))
        m.init_weights()
    w, _ = onnx_conv(ONNX, NODE)
    torch.testing.assert_close(m.final_layer.weight[:17].data, w)
