"""halpe136-teachers: the whole-body teacher ensemble through init_model +
inference_topdown on COCO-WholeBody sample people, and its hand stage on
hand crops."""
import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs', 'distillation', 'onnx-teachers_halpe136-256x256.py')
WB_GT = osp.join(ROOT, 'tests', 'data', 'coco_wholebody', 'test_coco_wholebody.json')
SHARED_DATA = os.environ.get('MMALPHAPOSE_SHARED_DATA', osp.join(ROOT, '..', 'shared', 'data'))
FILES = [
    osp.join(ROOT, 'checkpoints', f)
    for f in ('movenet-thunder.onnx', 'blazepose-full.onnx', 'handlandmark-full.onnx',
              'face-api/face_landmark_68_model-weights_manifest.json')
]
needs_models = pytest.mark.skipif(
    not all(osp.isfile(f) for f in FILES), reason='teacher model files not bundled in checkpoints/')


def test_config_builds_the_registered_model():
    cfg = Config.fromfile(CFG)
    assert cfg.model.type == 'WholeBodyTeacherPoseEstimator'
    assert tuple(cfg.codec['input_size']) == (512, 512)
    import mmalphapose.models  # noqa: F401
    from mmalphapose.registry import MODELS
    assert MODELS.get('WholeBodyTeacherPoseEstimator') is not None


@pytest.fixture(scope='module')
def model():
    from mmalphapose.apis import init_model
    return init_model(CFG)


def _person(ann_id):
    d = json.load(open(WB_GT))
    a = [x for x in d['annotations'] if x['id'] == ann_id][0]
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '%012d.jpg' % a['image_id']))
    x, y, w, h = a['bbox']
    return img, np.array([[x, y, x + w, y + h]], np.float32), a


@needs_models
def test_face_and_body_on_coco_wholebody_people(model):
    from mmalphapose.apis import inference_topdown
    errs = []
    for ann_id in (198196, 442619):  # the two clearly visible faces of the sample
        img, box, a = _person(ann_id)
        out = inference_topdown(model, img, box)
        k = np.asarray(out[0].pred_instances.keypoints)
        s = np.asarray(out[0].pred_instances.keypoint_scores)
        assert k.shape == (1, 136, 2) and s.shape == (1, 136)
        assert np.all((s >= 0) & (s <= 1))
        body = np.asarray(a['keypoints'], np.float32).reshape(17, 3)
        vis = body[:, 2] > 0
        body_err = np.linalg.norm(k[0, :17] - body[:, :2], axis=1)[vis]
        assert np.median(body_err) < 0.05 * a['bbox'][3]
        face = np.asarray(a['face_kpts'], np.float32).reshape(68, 3)
        side = max(a['face_box'][2:])
        errs.append(np.linalg.norm(k[0, 26:94] - face[:, :2], axis=1).mean() / side)
        assert s[0, 26:94].mean() > 0.05  # the face stage ran and is fairly sure
        # hands: at least near the GT hand (the COCO hands are 15-27 px)
        for key, sl in (('lefthand', slice(94, 115)), ('righthand', slice(115, 136))):
            if a[f'{key}_valid']:
                hb = a[f'{key}_box']
                centre = np.array([hb[0] + hb[2] / 2, hb[1] + hb[3] / 2])
                assert np.linalg.norm(k[0, sl].mean(0) - centre) < 1.5 * max(hb[2:])
    assert np.mean(errs) < 0.1, errs  # mean error / face box side


@needs_models
def test_batch_equals_one_by_one(model):
    from mmalphapose.apis import inference_topdown
    d = json.load(open(WB_GT))
    anns = [a for a in d['annotations'] if a['image_id'] == 40083 and a['num_keypoints'] > 0]
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000040083.jpg'))
    b = np.array([a['bbox'] for a in anns], np.float32)
    boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
    together = inference_topdown(model, img, boxes)
    for i in range(len(boxes)):
        alone = inference_topdown(model, img, boxes[i:i + 1])[0]
        np.testing.assert_allclose(
            np.asarray(together[i].pred_instances.keypoints),
            np.asarray(alone.pred_instances.keypoints),
            atol=1e-3)


@needs_models
@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED_DATA, 'hands21')),
    reason='../shared/data/hands21 missing (MMALPHAPOSE_SHARED_DATA)')
def test_hand_stage_on_onehand10k_crops(model):
    """The hand stage with the GT hand box and an unknown orientation
    (upright, then the rotation search): PCK@0.2 on the 4 OneHand10K crops."""
    f = glob.glob(osp.join(SHARED_DATA, 'hands21', 'onehand10k', '*.json'))[0]
    d = json.load(open(f))
    ims = {i['id']: i for i in d['images']}
    hits = []
    for a in d['annotations']:
        img = cv2.imread(osp.join(osp.dirname(f), ims[a['image_id']]['file_name']))
        x, y, w, h = a['bbox']
        k, s = model.hand.predict(img, np.array([[x, y, x + w, y + h]], np.float32),
                                  np.array([-np.pi / 2], np.float32), model.hand_retry_thr)
        g = np.asarray(a['keypoints'], np.float32).reshape(21, 3)
        v = g[:, 2] > 0
        hits.extend((np.linalg.norm(k[0] - g[:, :2], axis=1)[v] < 0.2 * max(w, h)).tolist())
    assert np.mean(hits) >= 0.8


@needs_models
def test_bundled_part_models_match_sha256sums():
    import hashlib
    sums = dict(
        reversed(line.split()) for line in open(osp.join(ROOT, 'checkpoints', 'SHA256SUMS'))
        if line.strip())
    for name in ('handlandmark-full.onnx', 'face-api/face_landmark_68_model.bin',
                 'face-api/face_landmark_68_model-weights_manifest.json', 'face-api/LICENSE'):
        digest = hashlib.sha256(open(osp.join(ROOT, 'checkpoints', name), 'rb').read())
        assert sums[name] == digest.hexdigest(), name
