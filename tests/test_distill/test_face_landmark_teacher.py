"""face-api teacher: flip permutation, rotated crops, flip-test confidence."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.models.distillers.face_landmark_teacher import (FaceLandmarkTeacher,
                                                                 ibug68_flip_indices)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MANIFEST = osp.join(ROOT, 'checkpoints', 'face-api', 'face_landmark_68_model-weights_manifest.json')
SHARED_DATA = os.environ.get('MMALPHAPOSE_SHARED_DATA', osp.join(ROOT, '..', 'shared', 'data'))
HELEN = osp.join(SHARED_DATA, 'faces68', 'helen_test.json')
needs_helen = pytest.mark.skipif(
    not (osp.isfile(MANIFEST) and osp.isfile(HELEN)),
    reason='checkpoints/face-api or ../shared/data/faces68 missing (MMALPHAPOSE_SHARED_DATA)')


def test_ibug68_flip_indices():
    idx = ibug68_flip_indices()
    assert sorted(idx.tolist()) == list(range(68))
    np.testing.assert_array_equal(idx[idx], np.arange(68))  # an involution
    # jaw ends, outer eye corners and mouth corners swap; chin, nose tip stay
    assert idx[0] == 16 and idx[36] == 45 and idx[48] == 54
    assert idx[8] == 8 and idx[30] == 30


def _helen(n):
    d = json.load(open(HELEN))
    ims = {i['id']: i for i in d['images']}
    for a in d['annotations'][:n]:
        img = cv2.imread(osp.join(osp.dirname(HELEN), ims[a['image_id']]['file_name']))
        x, y, w, h = a['face_box']
        yield img, np.array([[x, y, x + w, y + h]], np.float32), \
            np.asarray(a['face_kpts'], np.float32).reshape(68, 3)[:, :2]


def _nme(p, g):
    return np.linalg.norm(p - g, axis=1).mean() / np.linalg.norm(g[36] - g[45])


@needs_helen
def test_onnxruntime_backend_matches_torch(tmp_path, monkeypatch):
    """backend='onnxruntime': the same weights exported into the ONNX cache
    ($MMALPHAPOSE_ONNX_CACHE) give the torch points and confidences (two
    box candidates, flip test, one refine pass); an unknown backend is a
    one-line error."""
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path))
    kw = dict(flip=True, refine=1, num_threads=1)
    t_torch = FaceLandmarkTeacher(MANIFEST, **kw)
    t_ort = FaceLandmarkTeacher(MANIFEST, backend='onnxruntime', **kw)
    assert t_ort.session is not None and os.listdir(str(tmp_path))
    faces = list(_helen(4))
    imgs = [img for img, _, _ in faces]
    boxes = np.stack([np.concatenate([b, b * 0.9 + b.mean() * 0.1]) for _, b, _ in faces])
    p1, c1 = t_torch.predict_many(imgs, boxes)
    p2, c2 = t_ort.predict_many(imgs, boxes)
    np.testing.assert_allclose(p2, p1, atol=0.05)
    np.testing.assert_allclose(c2, c1, atol=0.02)
    assert np.mean([_nme(p, g) for p, (_, _, g) in zip(p2, faces)]) < 0.06
    with pytest.raises(ValueError, match='backend'):
        FaceLandmarkTeacher(MANIFEST, backend='tensorflow')


@needs_helen
def test_rotated_faces_and_flip_confidence():
    """A face turned by 40 degrees is found again when the crop is rotated
    back by the known angle, and missed (worse) without it."""
    t = FaceLandmarkTeacher(MANIFEST, flip=True)
    plain, turned, unrotated, conf = [], [], [], []
    for img, box, g in _helen(6):
        p, c = t.predict(img, box)
        plain.append(_nme(p[0], g))
        conf.append(c.mean())
        h, w = img.shape[:2]
        centre = ((box[0, 0] + box[0, 2]) / 2, (box[0, 1] + box[0, 3]) / 2)
        rot = cv2.getRotationMatrix2D(centre, 40, 1.0)  # counter-clockwise on screen
        img_r = cv2.warpAffine(img, rot, (w, h))
        g_r = g @ rot[:, :2].T + rot[:, 2]
        # "up" in the rotated image: -90 deg turned 40 deg counter-clockwise
        angle = np.array([np.deg2rad(-90 - 40)], np.float32)
        turned.append(_nme(t.predict(img_r, box, angle)[0][0], g_r))
        unrotated.append(_nme(t.predict(img_r, box)[0][0], g_r))
    assert np.mean(plain) < 0.06, plain
    assert np.mean(turned) < 0.07, turned
    assert np.mean(unrotated) > np.mean(turned) + 0.01
    assert 0.3 < np.mean(conf) <= 1.0
    # on noise the two passes disagree: low confidence
    noise = np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)
    _, c = t.predict(noise, np.array([[50, 50, 150, 150]], np.float32))
    assert c.mean() < np.mean(conf)
    assert t.predict(noise, np.zeros((0, 4), np.float32))[0].shape == (0, 68, 2)


def test_face_box_from_landmarks_follows_the_eye_line():
    from mmalphapose.models.distillers.face_landmark_teacher import face_box_from_landmarks
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 40, (68, 2))
    pts[36], pts[45] = (5, 15), (35, 15)  # level eyes, extent 40 x 40 at most
    lo, hi = pts.min(0), pts.max(0)
    box, ang = face_box_from_landmarks(pts[None])
    np.testing.assert_allclose(ang, [-np.pi / 2], atol=1e-6)  # upright
    np.testing.assert_allclose(box[0, 2] - box[0, 0], (hi - lo).max(), rtol=1e-5)
    np.testing.assert_allclose((box[0, :2] + box[0, 2:]) / 2, (lo + hi) / 2, atol=1e-4)
    # the same face turned by 30 degrees about (100, 50): same side, angle turned,
    # centre moved with the face
    t = np.deg2rad(30)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    turned = (pts - 20) @ rot.T + (100, 50)
    box_t, ang_t = face_box_from_landmarks(turned[None])
    np.testing.assert_allclose(ang_t, [-np.pi / 2 + t], atol=1e-5)
    np.testing.assert_allclose(box_t[0, 2] - box_t[0, 0], box[0, 2] - box[0, 0], rtol=1e-4)
    centre = ((lo + hi) / 2 - 20) @ rot.T + (100, 50)
    np.testing.assert_allclose((box_t[0, :2] + box_t[0, 2:]) / 2, centre, atol=1e-3)
