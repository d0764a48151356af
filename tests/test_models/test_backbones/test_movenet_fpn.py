"""MoveNetFPN: a PyTorch port of MoveNet Thunder's feature extractor.

With the ONNX weights loaded, the port + its four CenterNet branches + a
test-side port of MoveNet's single-pose decoding reproduce the teacher's
onnxruntime keypoints, which checks layer order, padding, upsampling and the
weights at once."""
import os.path as osp

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from mmalphapose.models.backbones import MoveNetFPN
from mmalphapose.models.backbones.movenet_fpn import BRANCHES, movenet_conv_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
ONNX = osp.join(ROOT, 'checkpoints', 'movenet-thunder.onnx')
IMG = osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg')


def _final_convs():
    """The last 1x1 conv of each branch, by name, and the decoder constants."""
    graph = onnx.load(ONNX).graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    final = {}
    for n in graph.node:
        for b in BRANCHES:
            if n.op_type == 'Conv' and f'/{b}_0/conv2d' in n.output[0]:
                final[b] = (torch.from_numpy(inits[n.input[1]].copy()),
                            torch.from_numpy(inits[n.input[2]].copy()))
    center_weight = inits['ConstantFolding/StatefulPartitionedCall/truediv_2_recip:0'].copy()
    return final, torch.from_numpy(center_weight[..., 0])


def _decode(outs, final, center_weight):
    """MoveNet SinglePose decoding, written from the ONNX graph: the centre
    (sigmoid centre map x a fixed centre prior), the regressed keypoints at
    it, then per keypoint the heatmap divided by (distance to the regressed
    point + 1.8), its argmax cell and that cell's offset."""
    res = {b: F.conv2d(outs[b], *final[b])[0] for b in BRANCHES}
    center = res['center'][0].sigmoid() * center_weight
    cy, cx = divmod(int(center.flatten().argmax()), 64)
    reg = res['kpt_regress'][:, cy, cx].view(17, 2)
    ry, rx = cy + reg[:, 0], cx + reg[:, 1]
    ys, xs = torch.meshgrid(torch.arange(64.), torch.arange(64.), indexing='ij')
    dist = ((ys[None] - ry[:, None, None])**2 + (xs[None] - rx[:, None, None])**2).sqrt()
    heat = res['kpt_heatmap'].sigmoid()
    idx = (heat / (dist + 1.7998047)).flatten(1).argmax(1)
    ky, kx = idx // 64, idx % 64
    off = res['kpt_offset'].view(17, 2, 64, 64)[torch.arange(17), :, ky, kx]
    score = heat[torch.arange(17), ky, kx]
    return torch.stack([(ky + off[:, 0]) / 64, (kx + off[:, 1]) / 64, score], 1)


def test_reader_splits_trunk_and_branches():
    trunk = movenet_conv_weights(ONNX)
    assert len(trunk) == len(MoveNetFPN(branch=None).convs()) == 62
    with_branch = movenet_conv_weights(ONNX, 'kpt_heatmap')
    assert len(with_branch) == 64
    assert with_branch[-1][0].shape == (96, 24, 1, 1)
    assert with_branch[-2][0].shape == (24, 1, 3, 3)


def test_matches_the_onnx_teacher():
    import cv2
    import onnxruntime as ort
    img = cv2.imread(IMG)
    crop = cv2.cvtColor(cv2.resize(img, (256, 256)), cv2.COLOR_BGR2RGB)
    sess = ort.InferenceSession(ONNX, providers=['CPUExecutionProvider'])
    ref = sess.run(None, {sess.get_inputs()[0].name: crop[None].astype(np.int32)})[0][0, 0]

    x = torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 127.5 - 1
    outs = {}
    for b in BRANCHES:
        net = MoveNetFPN(pretrained_onnx=ONNX, branch=b)
        net.init_weights()
        net.eval()
        with torch.no_grad():
            outs[b] = net(x)[0]
    assert outs['kpt_heatmap'].shape == (1, 96, 64, 64)
    got = _decode(outs, *_final_convs()).numpy()
    assert ref[:, 2].mean() > 0.3  # the teacher sees the person
    np.testing.assert_allclose(got, ref, atol=1e-3)


def test_centre_branches_and_the_head_decode_as_movenet_does():
    """MoveNetFPN(centre_branches) + FastPoseHeatmapHead (MoveNet's own final
    heatmap layer, its offsets, centre and regression maps) give the ONNX
    graph's keypoints and scores: movenet_peaks is MoveNet's decoding."""
    import cv2
    import onnxruntime as ort

    from mmalphapose.models.heads import FastPoseHeatmapHead
    img = cv2.imread(IMG)
    crop = cv2.cvtColor(cv2.resize(img, (256, 256)), cv2.COLOR_BGR2RGB)
    sess = ort.InferenceSession(ONNX, providers=['CPUExecutionProvider'])
    ref = sess.run(None, {sess.get_inputs()[0].name: crop[None].astype(np.int32)})[0][0, 0]
    net = MoveNetFPN(
        pretrained_onnx=ONNX, frozen_stages=7, offset_branch=True, centre_branches=True)
    net.init_weights()
    net.eval()
    assert not any(p.requires_grad for p in net.centre_stem.parameters())
    assert not net.regress_layer.weight.requires_grad
    assert len(movenet_conv_weights(ONNX, 'kpt_heatmap', offsets=True, centre=True)) == 73
    head = FastPoseHeatmapHead(
        96,
        17,
        final_kernel_size=1,
        final_act='sigmoid',
        in_index=0,
        offset_index=1,
        decoder=dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2.0))
    weight, bias = _final_convs()[0]['kpt_heatmap']  # MoveNet's own output layer
    head.final_layer.weight.data, head.final_layer.bias.data = weight, bias
    x = torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 127.5 - 1
    with torch.no_grad():
        out = head(net(x))
    assert out.shape == (1, 17 + 69, 64, 64)
    pred = head.decode_outputs(out, None, None, dict())
    np.testing.assert_allclose(pred.keypoints[0] / 256, ref[:, [1, 0]], atol=1e-4)
    np.testing.assert_allclose(pred.keypoint_scores[0], ref[:, 2], atol=1e-4)
    with pytest.raises(ValueError, match='offset_branch'):
        MoveNetFPN(centre_branches=True)


def test_fpn_output_and_freezing():
    net = MoveNetFPN(branch=None, frozen_stages=7)
    net.init_weights()
    (y, ) = net(torch.zeros(2, 3, 256, 192))
    assert y.shape == (2, 24, 64, 48) and net.out_channels == 24
    assert not any(p.requires_grad for p in net.stages.parameters())
    assert not net.last.weight.requires_grad
    assert all(p.requires_grad for p in net.smooth.parameters())


def test_bad_arguments_and_wrong_file(tmp_path):
    with pytest.raises(ValueError, match='branch'):
        MoveNetFPN(branch='hands')
    with pytest.raises(ValueError, match='frozen_stages'):
        MoveNetFPN(frozen_stages=9)
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        MoveNetFPN(pretrained_onnx=str(tmp_path / 'missing.onnx')).init_weights()
    nanodet = osp.join(ROOT, 'checkpoints', 'nanodet.onnx')
    with pytest.raises(ValueError, match='not a MoveNet'):
        MoveNetFPN(pretrained_onnx=nanodet).init_weights()


def test_part_path_copies_the_body_path_and_trains_alone():
    from mmalphapose.models.backbones import MoveNetPartFPN
    from mmalphapose.models.backbones.movenet_fpn import part_path_state_dict
    body = MoveNetFPN(branch='kpt_heatmap')
    net = MoveNetPartFPN(branch='kpt_heatmap', shared_stages=3)
    # the body path has the body network's parameter names: its weights load as they are
    missing = net.load_state_dict(body.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith('part.') for k in missing)
    net.part.load_state_dict(part_path_state_dict(body.state_dict(), 3))
    x = torch.randn(2, 3, 128, 96)
    with torch.no_grad():
        ref = body(x)[0]
        b, p = net(x)
    assert b.shape == p.shape == (2, 96, 32, 24)
    torch.testing.assert_close(b, ref)
    torch.testing.assert_close(p, ref)  # the same weights in the part path
    with torch.no_grad():
        net.part.stages[0][0].project.bias.add_(1.0)
        b2, p2 = net(x)
    torch.testing.assert_close(b2, ref)
    assert (p2 - ref).abs().max() > 1e-3
    trainable = {n for n, q in net.named_parameters() if q.requires_grad}
    assert trainable and all(n.startswith('part.') for n in trainable)
    assert 'part.stages.0.0.project.weight' in trainable
    assert not any(n.startswith('part.stages.4') for n, _ in net.named_parameters())
    free = MoveNetPartFPN(branch=None, shared_stages=7, freeze_body=False)
    assert all(q.requires_grad for q in free.parameters())
    assert len(free.part.stages) == 0 and free(x)[1].shape == (2, 24, 32, 24)
    with pytest.raises(ValueError, match='shared_stages'):
        MoveNetPartFPN(shared_stages=8)


def test_part_path_starts_from_the_onnx_weights():
    from mmalphapose.models.backbones import MoveNetPartFPN
    net = MoveNetPartFPN(pretrained_onnx=ONNX, shared_stages=5)
    net.init_weights()
    torch.testing.assert_close(net.part.last.weight, net.last.weight)
    torch.testing.assert_close(net.part.stages[1][0].expand.weight, net.stages[6][0].expand.weight)
    assert not net.last.weight.requires_grad and net.part.last.weight.requires_grad


def test_offset_branch_is_movenets_offset_head():
    from mmalphapose.models.backbones import MoveNetPartFPN
    x = torch.randn(1, 3, 256, 192)
    net = MoveNetFPN(
        pretrained_onnx=ONNX, branch='kpt_heatmap', frozen_stages=7, offset_branch=True)
    net.init_weights()
    net.eval()
    ref = MoveNetFPN(pretrained_onnx=ONNX, branch='kpt_offset')
    ref.init_weights()
    ref.eval()
    plain = MoveNetFPN(pretrained_onnx=ONNX, branch='kpt_heatmap')
    plain.init_weights()
    plain.eval()
    with torch.no_grad():
        feats, offsets = net(x)
        want = F.conv2d(ref(x)[0], *_final_convs()[0]['kpt_offset'])
        torch.testing.assert_close(feats, plain(x)[0])  # the heatmap features unchanged
    assert offsets.shape == (1, 34, 64, 48)
    torch.testing.assert_close(offsets, want, atol=1e-4, rtol=1e-4)
    # MoveNet's offsets stay as they are
    assert not any(p.requires_grad for p in net.offset_stem.parameters())
    assert not net.offset_layer.weight.requires_grad
    assert len(movenet_conv_weights(ONNX, 'kpt_heatmap', offsets=True)) == 67
    # the two-path whole-body backbone gives the body path's offsets third
    two = MoveNetPartFPN(pretrained_onnx=ONNX, shared_stages=5, offset_branch=True)
    two.init_weights()
    two.eval()
    with torch.no_grad():
        body, part, off2 = two(x)
    torch.testing.assert_close(off2, offsets)
    torch.testing.assert_close(body, feats)
