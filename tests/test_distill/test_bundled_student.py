"""The bundled distilled students: checksum, safe loading, inference."""
import hashlib
import os.path as osp

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CKPT_DIR = osp.join(ROOT, 'checkpoints')
# (checkpoint name, plain student config, keypoints); the distiller config that
# trained each one is configs/distillation/<checkpoint name>.py
STUDENTS = [('movenet-fpn_heatmap_halpe26-distill-256x192', 'body_2d_keypoint/heatmap/halpe26/'
             'heatmap_movenet-fpn_1xb32-1500it_halpe26-256x192.py', 26),
            ('movenet-fpn_heatmap_halpe136-distill-256x192',
             'wholebody_2d_keypoint/heatmap/halpe136/'
             'heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py', 136)]
CASES = [pytest.param(name, k, id=name) for name, _, k in STUDENTS]


def _paths(name):
    """(plain student config, checkpoint) of a bundled student."""
    student_cfg = next(cfg for n, cfg, _ in STUDENTS if n == name)
    return (osp.join(ROOT, 'configs', student_cfg), osp.join(CKPT_DIR, name + '.pth'))


def _distiller_config(name):
    return osp.join(ROOT, 'configs', 'distillation', name + '.py')


def _sums():
    out = {}
    for line in open(osp.join(CKPT_DIR, 'SHA256SUMS')):
        digest, name = line.split()
        out[name] = digest
    return out


@pytest.mark.parametrize('name,k', CASES)
def test_checksum_size_and_weights_only(name, k):
    _, ckpt_path = _paths(name)
    h = hashlib.sha256(open(ckpt_path, 'rb').read()).hexdigest()
    assert _sums()[name + '.pth'] == h
    assert osp.getsize(ckpt_path) < 30e6
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert not any(key.startswith('student.') for key in ckpt['state_dict'])
    assert ckpt['meta']['dataset_meta']['num_keypoints'] == k


@pytest.mark.parametrize('name,k', CASES)
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
    sig = np.array([
        .26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89
    ]) / 10.0
    d2 = ((kp - g[:, :2])**2).sum(1)
    e = d2 / (2 * sig)**2 / ann['area'] / 2
    v = g[:, 2] > 0
    assert np.exp(-e)[v].mean() > 0.8


@pytest.mark.parametrize('name,k', CASES)
def test_config_is_a_distiller_of_the_student(name, k):
    """DWPose layout: the distiller config inherits the plain student config and
    wraps its model unchanged; no stale top-level student is left."""
    from mmengine.config import Config
    cfg = Config.fromfile(_distiller_config(name))
    student = Config.fromfile(_paths(name)[0])
    assert cfg.model.type == 'MultiTeacherDistiller'
    assert student.model.type == 'TopdownPoseEstimator'
    assert cfg.model.student.to_dict() == student.model.to_dict()
    assert 'student' not in cfg
    assert cfg.model.student.head.out_channels == k
    assert cfg.model.student.backbone.type == 'MoveNetFPN'
    # the same data and schedule as the student config
    assert cfg.train_dataloader.to_dict() == student.train_dataloader.to_dict()
    assert cfg.train_cfg.to_dict() == student.train_cfg.to_dict()
    sources = {t['source'] for t in cfg.model.teachers}
    expected = {'movenet', 'blazepose', 'derived'} | ({'hand', 'facemesh'} if k == 136 else set())
    assert sources == expected


@pytest.mark.parametrize('name,k', CASES)
def test_distiller_config_builds_and_takes_the_student_checkpoint(name, k):
    """The distiller built from its config holds the student, whose weights
    load from the bundled (plain-key) checkpoint into ``model.student``."""
    from mmengine.config import Config

    from mmalphapose.registry import MODELS
    from mmalphapose.utils import register_all_modules, safe_torch_load
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(_distiller_config(name))
    distiller = MODELS.build(cfg.model)
    sd = safe_torch_load(_paths(name)[1])['state_dict']
    missing, unexpected = distiller.student.load_state_dict({
        kk: v.float()
        for kk, v in sd.items()
    },
                                                            strict=False)
    assert not missing and not unexpected
    assert distiller.student.head.final_layer.out_channels == k
