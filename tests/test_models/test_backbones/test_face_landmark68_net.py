"""face-api 68-point net: layer parsing from the real manifest, TF 'same'
padding, weight mapping, and its accuracy on HELEN test faces (shared data)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmalphapose.models.backbones.face_landmark68_net import (FaceLandmark68Net,
                                                              face_landmark68_onnx,
                                                              parse_face_api_layers, tf_same_pad,
                                                              tfjs_to_state_dict)
from mmalphapose.models.utils.tfjs_weights import read_tfjs_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
MANIFEST = osp.join(ROOT, 'checkpoints', 'face-api', 'face_landmark_68_model-weights_manifest.json')
# HELEN is research-only: never copied into the repository; CI runs next to ../shared
SHARED_DATA = os.environ.get('MMALPHAPOSE_SHARED_DATA', osp.join(ROOT, '..', 'shared', 'data'))
HELEN = osp.join(SHARED_DATA, 'faces68', 'helen_test.json')
needs_weights = pytest.mark.skipif(
    not osp.isfile(MANIFEST), reason='checkpoints/face-api not bundled')


@needs_weights
def test_layers_come_from_the_manifest():
    shapes = {k: v.shape for k, v in read_tfjs_weights(MANIFEST).items()}
    layers, fc = parse_face_api_layers(shapes)
    assert layers == [(3, 32, False), (32, 64, True), (64, 128, True), (128, 256, True)]
    assert fc == (256, 136)
    net = FaceLandmark68Net(MANIFEST)
    assert net.num_points == 68
    assert sum(p.numel() for p in net.parameters()) == sum(int(np.prod(s)) for s in shapes.values())
    # a manifest that breaks the dense-block pattern is refused with the tensor named
    broken = dict(shapes)
    broken['dense2/conv3/pointwise_filter'] = (1, 1, 128, 64)
    with pytest.raises(ValueError, match='dense2/conv3'):
        parse_face_api_layers(broken)
    del broken['fc/bias']
    with pytest.raises(ValueError, match='fc/bias'):
        parse_face_api_layers(broken)


def test_tf_same_padding():
    x = torch.arange(16.).view(1, 1, 4, 4)
    # stride 2 on an even size: TF pads one row / column, after (bottom / right)
    p = tf_same_pad(x, 3, 2)
    assert p.shape == (1, 1, 5, 5)
    assert torch.equal(p[..., :4, :4], x) and p[..., 4, :].abs().sum() == 0
    # stride 1, kernel 3: one on each side
    assert torch.equal(tf_same_pad(x, 3, 1), F.pad(x, (1, 1, 1, 1)))
    # the output of a stride-2 block is ceil(in / 2)
    net = FaceLandmark68Net()
    assert net(torch.zeros(2, 3, 112, 112)).shape == (2, 68, 2)


@needs_weights
def test_weight_layout_mapping():
    ws = read_tfjs_weights(MANIFEST)
    sd = tfjs_to_state_dict(ws)
    # HWIO -> OIHW for the plain conv, (H,W,C,1) -> (C,1,H,W) depthwise
    np.testing.assert_array_equal(sd['blocks.0.convs.0.conv.weight'][5, 2, 1, 0].numpy(),
                                  ws['dense0/conv0/filters'][1, 0, 2, 5])
    np.testing.assert_array_equal(sd['blocks.3.convs.2.depthwise.weight'][7, 0, 2, 1].numpy(),
                                  ws['dense3/conv2/depthwise_filter'][2, 1, 7, 0])
    np.testing.assert_array_equal(sd['fc.weight'][100, 3].numpy(), ws['fc/weights'][3, 100])
    assert 'blocks.0.convs.0.conv.bias' in sd and 'blocks.1.convs.0.pointwise.bias' in sd


@needs_weights
@pytest.mark.skipif(
    not osp.isfile(HELEN), reason='../shared/data/faces68 missing '
    '(set MMALPHAPOSE_SHARED_DATA)')
def test_accuracy_on_helen_faces():
    """NME (outer eye corners) on 12 HELEN test faces, crop = landmark box x 1.3.
    The published figure over all 330 faces is 0.048."""
    net = FaceLandmark68Net(MANIFEST).eval()
    d = json.load(open(HELEN))
    ims = {i['id']: i for i in d['images']}
    crops, mats, gts = [], [], []
    for a in d['annotations'][:12]:
        img = cv2.imread(osp.join(osp.dirname(HELEN), ims[a['image_id']]['file_name']))
        x, y, w, h = a['face_box']
        s = 112 / (max(w, h) * 1.3)
        m = np.array([[s, 0, 56 - (x + w / 2) * s], [0, s, 56 - (y + h / 2) * s]], np.float32)
        crops.append(cv2.warpAffine(img, m, (112, 112))[..., ::-1])
        mats.append(m)
        gts.append(np.asarray(a['face_kpts'], np.float32).reshape(68, 3)[:, :2])
    x = torch.from_numpy(np.stack(crops).copy()).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        pred = net(x).numpy() * 112
    nme = []
    for p, m, g in zip(pred, mats, gts):
        p = (p - m[:, 2]) / m[0, 0]
        nme.append(np.linalg.norm(p - g, axis=1).mean() / np.linalg.norm(g[36] - g[45]))
    assert np.mean(nme) < 0.065, nme
    # the same faces with the x / y outputs swapped are far off: the test can fail
    swapped = [
        np.linalg.norm(
            (p[:, ::-1] - m[:, 2]) / m[0, 0] - g, axis=1).mean() / np.linalg.norm(g[36] - g[45])
        for p, m, g in zip(pred, mats, gts)
    ]
    assert np.mean(swapped) > 0.2


def test_onnx_export_cached_and_checked(tmp_path):
    """face_landmark68_onnx: exported once into the cache (free batch axis,
    the torch net's points), reused while its checksum matches, exported
    again when the file is truncated; other weights get another file."""
    import onnxruntime as ort
    torch.manual_seed(0)
    net = FaceLandmark68Net(None).eval()
    path = face_landmark68_onnx(net, str(tmp_path))
    assert osp.isfile(path) and osp.isfile(path + '.sha256.json')
    x = torch.rand(3, 3, 112, 112) * 255
    with torch.no_grad():
        want = net(x).numpy()
    got = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'input': x.numpy()})[0]
    assert got.shape == (3, 68, 2)
    np.testing.assert_allclose(got, want, atol=1e-4)
    import onnx
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert 'Pad' not in ops and ops.count('Conv') >= 16  # TF 'same' pads folded into the convs
    mtime = os.stat(path).st_mtime_ns
    assert face_landmark68_onnx(net, str(tmp_path)) == path
    assert os.stat(path).st_mtime_ns == mtime  # reused, not exported again
    with open(path, 'r+b') as f:
        f.truncate(100)
    assert face_landmark68_onnx(net, str(tmp_path)) == path
    assert os.path.getsize(path) > 100  # exported again
    with torch.no_grad():
        net.fc.bias.add_(1.0)
    assert face_landmark68_onnx(net, str(tmp_path)) != path
