"""The bundled distilled students: checksum, safe loading, inference."""
import hashlib
import os.path as osp

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CKPT_DIR = osp.join(ROOT, 'checkpoints')
STUDENTS = [('movenet-fpn_heatmap_halpe26-distill-256x192', 26),
            ('movenet-fpn_heatmap_halpe136-distill-256x192', 136)]


def _paths(name):
    return (osp.join(ROOT, 'configs', 'distillation', name + '.py'),
            osp.join(CKPT_DIR, name + '.pth'))


def _sums():
    out = {}
    for line in open(osp.join(CKPT_DIR, 'SHA256SUMS')):
        digest, name = line.split()
        out[name] = digest
    return out


@pytest.mark.parametrize('name,k', STUDENTS)
def test_checksum_size_and_weights_only(name, k):
    _, ckpt_path = _paths(name)
    h = hashlib.sha256(open(ckpt_path, 'rb').read()).hexdigest()
    assert _sums()[name + '.pth'] == h
    assert osp.getsize(ckpt_path) < 30e6
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert not any(key.startswith('student.') for key in ckpt['state_dict'])
    assert ckpt['meta']['dataset_meta']['num_keypoints'] == k


@pytest.mark.parametrize('name,k', STUDENTS)
def test_loads_and_predicts(name, k):
    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    cfg, ckpt_path = _paths(name)
    model = init_model(cfg, ckpt_path)
    assert model.dataset_meta['num_keypoints'] == k
    # weights really come from the file (float16 on disk, float32 in the model)
    sd = torch.load(ckpt_path, map_location='cpu', weights_only=True)['state_dict']
    key = next(kk for kk in sd if kk.endswith('smooth.2.pointwise.weight'))
    torch.testing.assert_close(model.state_dict()[key], sd[key].float())
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    out = inference_topdown(model, img, np.array([[280, 40, 500, 420]], np.float32))
    kp = np.asarray(out[0].pred_instances.keypoints)
    s = np.asarray(out[0].pred_instances.keypoint_scores)
    assert kp.shape == (1, k, 2) and np.isfinite(kp).all()
    assert s.shape[-1] == k
    assert (kp[0, :, 0] > 200).all() and (kp[0, :, 0] < 580).all()


def test_student_finds_the_skier():
    """The Halpe-26 student's body points on the one-person COCO image are close
    to the GT (OKS > 0.8; the teacher gets 0.95): a real pose, not the mean pose."""
    import json

    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    cfg, ckpt_path = _paths(STUDENTS[0][0])
    model = init_model(cfg, ckpt_path)
    gt = json.load(open(osp.join(ROOT, 'tests', 'data', 'coco', 'test_coco.json')))
    ann = next(a for a in gt['annotations'] if a['image_id'] == 785)
    x, y, w, h = ann['bbox']
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    out = inference_topdown(model, img, np.array([[x, y, x + w, y + h]], np.float32))
    kp = np.asarray(out[0].pred_instances.keypoints)[0, :17]
    g = np.asarray(ann['keypoints'], np.float32).reshape(17, 3)
    sig = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                    1.07, 1.07, .87, .87, .89, .89]) / 10.0
    d2 = ((kp - g[:, :2]) ** 2).sum(1)
    e = d2 / (2 * sig) ** 2 / ann['area'] / 2
    v = g[:, 2] > 0
    assert np.exp(-e)[v].mean() > 0.8


@pytest.mark.parametrize('name,k', STUDENTS)
def test_config_is_a_distiller_of_the_student(name, k):
    from mmengine.config import Config
    cfg = Config.fromfile(_paths(name)[0])
    assert cfg.model.type == 'MultiTeacherDistiller'
    assert cfg.model.student.head.out_channels == k
    assert cfg.model.student.backbone.type == 'MoveNetFPN'
    sources = {t['source'] for t in cfg.model.teachers}
    expected = {'movenet', 'blazepose', 'derived'} | ({'hand', 'facemesh'} if k == 136 else set())
    assert sources == expected
