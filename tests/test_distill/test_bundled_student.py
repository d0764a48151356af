"""The bundled distilled students: checksum, safe loading, inference."""
import hashlib
import os.path as osp

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CKPT_DIR = osp.join(ROOT, 'checkpoints')
# (checkpoint name, plain student config, keypoints)
STUDENTS = [('movenet-fpn_heatmap_halpe26-distill-256x256', 'body_2d_keypoint/heatmap/halpe26/'
             'heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py', 26),
            ('movenet-partfpn_heatmap_halpe136-distill-256x256',
             'wholebody_2d_keypoint/heatmap/halpe136/'
             'heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py', 136)]
CASES = [pytest.param(name, k, id=name) for name, _, k in STUDENTS]
SINGLE136 = ('wholebody_2d_keypoint/heatmap/halpe136/'
             'heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py')
# the distiller configs (configs/distillation/) and their recipes: (config, plain student
# config, bundled checkpoint of that config or None, teacher sources, same data and
# schedule as the plain student config)
DISTILLERS = [
    ('movenet-fpn_heatmap_halpe26-distill-256x256', STUDENTS[0][1], STUDENTS[0][0],
     {'movenet', 'blazepose', 'derived'}, True),
    # the single-path Halpe-136 students: clips only, then whole-body stage 1 and 2 (the
    # part path's starting point; not bundled)
    ('movenet-fpn_heatmap_halpe136-distill-256x192', SINGLE136, None,
     {'movenet', 'blazepose', 'derived', 'hand', 'facemesh'}, True),
    ('movenet-fpn_heatmap_halpe136-wholebody-distill-256x192', SINGLE136, None,
     {'movenet', 'blazepose', 'derived', 'hand', 'facemesh', 'faceapi'}, False),
    ('movenet-fpn_heatmap_halpe136-wholebody-distill-finetune-256x192', SINGLE136, None,
     {'movenet', 'blazepose', 'derived', 'hand', 'facemesh', 'faceapi'}, False),
    # the bundled Halpe-136 student: Halpe-26 body path + trained part path
    ('movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192', STUDENTS[1][1], STUDENTS[1][0],
     {'movenet', 'blazepose', 'derived', 'hand', 'facemesh', 'faceapi'}, False),
]
DISTILLER_CASES = [pytest.param(*d, id=d[0]) for d in DISTILLERS]
# hands21's OneHand10K crops: the bundled Halpe-136 student 0.46, the single-path one before it
# 0.381 (benchmarks/wholebody_eval.py)
HAND_PCK = 0.42


def _paths(name):
    """(plain student config, checkpoint) of a bundled student."""
    student_cfg = next(cfg for n, cfg, _ in STUDENTS if n == name)
    return (osp.join(ROOT, 'configs', student_cfg), osp.join(CKPT_DIR, name + '.pth'))


def _distiller_config(config):
    return osp.join(ROOT, 'configs', 'distillation', config + '.py')


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


def test_wholebody_student_finds_the_faces():
    """The Halpe-136 student's 68 face points on the three uncrowded COCO-WholeBody
    sample faces (person box given): mean error / face box side < 0.13 and
    confident (the student before the whole-body labels: 0.17, scores 0.2)."""
    import json

    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    cfg, ckpt_path = _paths(STUDENTS[1][0])
    model = init_model(cfg, ckpt_path)
    gt = json.load(
        open(osp.join(ROOT, 'tests', 'data', 'coco_wholebody', 'test_coco_wholebody.json')))
    errors, scores = [], []
    for ann in gt['annotations']:
        if not ann.get('face_valid') or ann['image_id'] == 197388:  # the crowded image
            continue
        img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', f"{ann['image_id']:012d}.jpg"))
        x, y, w, h = ann['bbox']
        out = inference_topdown(model, img, np.array([[x, y, x + w, y + h]], np.float32))[0]
        kp = np.asarray(out.pred_instances.keypoints)[0, 26:94]
        g = np.asarray(ann['face_kpts'], np.float32).reshape(68, 3)[:, :2]
        errors.append(np.linalg.norm(kp - g, axis=1).mean() / max(ann['face_box'][2:]))
        scores.append(np.asarray(out.pred_instances.keypoint_scores)[0, 26:94].mean())
    assert len(errors) == 3
    assert np.mean(errors) < 0.13 and np.mean(scores) > 0.5


@pytest.mark.parametrize('config,student_cfg,name,sources,same_data', DISTILLER_CASES)
def test_config_is_a_distiller_of_the_student(config, student_cfg, name, sources, same_data):
    """DWPose layout: the distiller config inherits the plain student config and
    wraps its model (only which backbone stages train and the crop size of the
    recipe as run may differ); no stale top-level student is left."""
    from mmengine.config import Config
    cfg = Config.fromfile(_distiller_config(config))
    student = Config.fromfile(osp.join(ROOT, 'configs', student_cfg))
    assert cfg.model.type == 'MultiTeacherDistiller'
    assert student.model.type == 'TopdownPoseEstimator'
    ours, plain = cfg.model.student.to_dict(), student.model.to_dict()
    for model in (ours, plain):
        model['backbone'].pop('frozen_stages', None)
        # the part-path recipe trained on 256x192 crops, its plain config reads 256x256
        assert model['head'].pop('decoder')['type'] == 'MSRAHeatmap'
    assert ours == plain
    assert 'student' not in cfg
    assert cfg.model.student.backbone.type in ('MoveNetFPN', 'MoveNetPartFPN')
    if same_data:  # the same data and schedule as the student config
        assert cfg.train_dataloader.to_dict() == student.train_dataloader.to_dict()
        assert cfg.train_cfg.to_dict() == student.train_cfg.to_dict()
    else:  # its own labels, never inside the repository's data/
        data = cfg.train_dataloader.dataset
        roots = [d.get('data_root') or d.dataset.data_root for d in data.datasets] \
            if data.type == 'ConcatDataset' else [data.data_root]
        assert all(r.startswith('work_dirs/') for r in roots)
    assert {t['source'] for t in cfg.model.teachers} == sources


@pytest.mark.parametrize('config,student_cfg,name,sources,same_data', DISTILLER_CASES)
def test_distiller_config_builds_and_takes_the_student_checkpoint(config, student_cfg, name,
                                                                  sources, same_data):
    """The distiller built from its config holds the student, whose weights
    load from the bundled (plain-key) checkpoint into ``model.student``
    (recipes of an unbundled student: a plain checkpoint of a fresh student,
    through the distiller's plain-key hook)."""
    from mmengine.config import Config

    from mmalphapose.registry import MODELS
    from mmalphapose.utils import register_all_modules, safe_torch_load
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(_distiller_config(config))
    distiller = MODELS.build(cfg.model)
    if name is None:
        plain = MODELS.build(Config.fromfile(osp.join(ROOT, 'configs', student_cfg)).model)
        sd = {kk: v + 1 for kk, v in plain.state_dict().items()}
        distiller.load_state_dict(sd)
        torch.testing.assert_close(distiller.student.head.final_layer.bias,
                                   plain.head.final_layer.bias + 1)
        return
    sd = safe_torch_load(_paths(name)[1])['state_dict']
    missing, unexpected = distiller.student.load_state_dict({
        kk: v.float()
        for kk, v in sd.items()
    },
                                                            strict=False)
    assert not missing and not unexpected
    assert distiller.student.head.out_channels == next(k for n, _, k in STUDENTS if n == name)


def test_wholebody_student_keeps_the_halpe26_body():
    """The bundled Halpe-136 student's body path is the Halpe-26 student's: the
    same 26 body and foot points and scores on the same person, to float error."""
    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    box = np.array([[280, 40, 500, 420]], np.float32)
    out = [
        inference_topdown(init_model(*_paths(name)), img, box)[0].pred_instances
        for name, _, _ in STUDENTS
    ]
    np.testing.assert_allclose(out[1].keypoints[0, :26], out[0].keypoints[0], atol=1e-3)
    np.testing.assert_allclose(out[1].keypoint_scores[0, :26], out[0].keypoint_scores[0], atol=1e-5)


def test_wholebody_student_finds_the_hands():
    """With the hand box as the person box (as benchmarks/wholebody_eval.py does on
    hands21), the better-scored hand of the bundled Halpe-136 student hits PCK@0.2
    >= HAND_PCK on the 4 OneHand10K crops (the single-path student before it: 0.381)."""
    import json

    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    model = init_model(*_paths(STUDENTS[1][0]))
    folder = osp.join(ROOT, 'tests', 'data', 'hands21', 'onehand10k')
    gt = json.load(open(osp.join(folder, 'test_onehand10k.json')))
    images = {im['id']: im['file_name'] for im in gt['images']}
    hits = []
    for ann in gt['annotations']:
        img = cv2.imread(osp.join(folder, images[ann['image_id']]))
        x, y, w, h = ann['bbox']
        out = inference_topdown(model, img, np.array([[x, y, x + w, y + h]], np.float32))[0]
        kp = np.asarray(out.pred_instances.keypoints)[0]
        s = np.asarray(out.pred_instances.keypoint_scores)[0]
        hand = kp[94:115] if s[94:115].mean() >= s[115:136].mean() else kp[115:136]
        g = np.asarray(ann['keypoints'], np.float32).reshape(21, 3)
        vis = g[:, 2] > 0
        hits += (np.linalg.norm(hand - g[:, :2], axis=1)[vis] < 0.2 * max(w, h)).tolist()
    assert len(hits) > 60 and np.mean(hits) >= HAND_PCK
