"""CSPTinyNet: a PyTorch port of the bundled NanoDet-m backbone.

With the ONNX weights loaded, backbone + a test-side port of NanoDet's FPN and
heads reproduce the detector's onnxruntime outputs, which checks the layer
order, the weights and the concatenation order at once."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmalphapose.models.backbones import CSPTinyNet
from mmalphapose.models.backbones.csp_tiny import NANODET_MEAN, NANODET_STD
from mmalphapose.utils.onnx_proto import conv_weights, read_onnx_graph

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
ONNX = osp.join(ROOT, 'checkpoints', 'nanodet.onnx')


def _nanodet_rest(feats, convs):
    """NanoDet-m's PAN (1x1 lateral convs, bilinear up/down, adds) and its three
    shared-style heads (3x3 conv + LeakyReLU, 1x1 conv to 80 + 44), written
    from the ONNX graph."""
    c3, c4, c5 = feats
    it = iter(convs)

    def conv(x, act=False, pad=0):
        w, b = next(it)
        y = F.conv2d(x, torch.from_numpy(w), torch.from_numpy(b), padding=pad)
        return F.leaky_relu(y, 0.1) if act else y

    up = dict(scale_factor=2.0, mode='bilinear', align_corners=False)
    down = dict(scale_factor=0.5, mode='bilinear', align_corners=False)
    p5 = conv(c5)
    p4 = conv(c4) + F.interpolate(p5, **up)
    p3 = conv(c3) + F.interpolate(p4, **up)
    p4 = p4 + F.interpolate(p3, **down)
    p5 = p5 + F.interpolate(p4, **down)
    outs = []
    for p in (p5, p4, p3):  # graph order of the heads
        y = conv(conv(p, act=True, pad=1))
        cls, box = y[:, :80].sigmoid(), y[:, 80:]
        outs += [cls.flatten(2).transpose(1, 2), box.flatten(2).transpose(1, 2)]
    return outs


def test_reader_finds_all_convs():
    nodes, inits = read_onnx_graph(ONNX)
    assert sum(n.op_type == 'Conv' for n in nodes) == 34
    w = conv_weights(ONNX)
    assert w[0][0].shape == (32, 3, 3, 3) and w[0][1].shape == (32, )
    assert w[0][0].dtype == np.float32 and np.abs(w[0][0]).sum() > 0


def test_matches_the_onnx_detector():
    import cv2
    import onnxruntime as ort
    net = CSPTinyNet(out_indices=(1, 2, 3), pretrained_onnx=ONNX)
    net.init_weights()
    net.eval()
    assert len(net.convs()) == 25
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    img = cv2.resize(img, (416, 416)).astype(np.float32)
    x = ((img - NANODET_MEAN) / NANODET_STD).transpose(2, 0, 1)[None].astype(np.float32)
    with torch.no_grad():
        feats = net(torch.from_numpy(x))
        assert [f.shape[1] for f in feats] == [128, 256, 512]
        ours = _nanodet_rest(feats, conv_weights(ONNX)[len(net.convs()):])
    sess = ort.InferenceSession(ONNX, providers=['CPUExecutionProvider'])
    ref = sess.run(None, {sess.get_inputs()[0].name: x})
    ref_sorted = sorted(ref, key=lambda a: (a.shape[1], a.shape[2]))
    ours_sorted = sorted([o.numpy() for o in ours], key=lambda a: (a.shape[1], a.shape[2]))
    for a, b in zip(ours_sorted, ref_sorted):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=2e-3, rtol=1e-3)


def test_random_init_differs_and_shapes():
    net = CSPTinyNet(out_indices=(0, 3))
    net.init_weights()
    out = net(torch.zeros(2, 3, 160, 128))
    assert [tuple(o.shape) for o in out] == [(2, 64, 40, 32), (2, 512, 5, 4)]


def test_frozen_stages_and_errors(tmp_path):
    net = CSPTinyNet(frozen_stages=1)
    net.init_weights()
    assert not any(p.requires_grad for p in net.stem.parameters())
    assert not any(p.requires_grad for p in net.stages[0].parameters())
    assert all(p.requires_grad for p in net.stages[1].parameters())
    with pytest.raises(ValueError, match='out_indices'):
        CSPTinyNet(out_indices=(4, ))
    with pytest.raises(FileNotFoundError, match='pretrained_onnx'):
        CSPTinyNet(pretrained_onnx=str(tmp_path / 'none.onnx')).init_weights()
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'\x00\x01 not onnx')
    with pytest.raises(ValueError, match='bad.onnx'):
        CSPTinyNet(pretrained_onnx=str(bad)).init_weights()


def test_other_onnx_model_is_refused():
    """MoveNet's convolutions do not fit: a clear error, nothing half-loaded."""
    movenet = osp.join(ROOT, 'checkpoints', 'movenet-thunder.onnx')
    with pytest.raises(ValueError, match='not a NanoDet-m CSP model'):
        CSPTinyNet(pretrained_onnx=movenet).init_weights()
