"""tools/distill/make_wholebody_labels.py: label assembly, part crops, files."""
import importlib.util
import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmalphapose.models.distillers.label_file import label_counts
from mmalphapose.models.distillers.pseudo_labels import SOURCE_CODES

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'make_wholebody_labels', osp.join(ROOT, 'tools', 'distill', 'make_wholebody_labels.py'))
mwl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mwl)


def _prediction(n: int = 2):
    rng = np.random.default_rng(0)
    k = rng.uniform(10, 200, (n, 136, 2)).astype(np.float32)
    s = np.full((n, 136), 0.9, np.float32)
    return k, s


def test_faceapi_source_code():
    assert SOURCE_CODES['faceapi'] == 7
    assert len(set(SOURCE_CODES.values())) == len(SOURCE_CODES)


def test_ensemble_labels_thresholds_and_sources():
    k, s = _prediction()
    s[0, 3] = 0.1  # a weak body point
    s[0, 30] = 0.2  # a weak face point
    s[1, 94:115] = 0.4  # a hand below the presence threshold
    kp, w, src = mwl.ensemble_labels(k, s, kpt_thr=0.3, face_thr=0.3, hand_thr=0.5)
    assert kp.shape == (2, 136, 2) and w.shape == (2, 136) and src.dtype == np.int8
    assert w[0, 3] == 0 and src[0, 3] == SOURCE_CODES['none']
    assert src[0, 0] == SOURCE_CODES['movenet'] and src[0, 18] == SOURCE_CODES['derived']
    assert src[0, 22] == SOURCE_CODES['blazepose']
    assert w[0, 30] == 0 and src[0, 31] == SOURCE_CODES['faceapi']
    assert (w[1, 94:115] == 0).all() and (src[1, 115:] == SOURCE_CODES['hand']).all()
    np.testing.assert_allclose(w[0, 115:], 0.9)
    with pytest.raises(ValueError):
        mwl.ensemble_labels(k[:, :26], s[:, :26])


def test_ensemble_labels_gt_wins():
    k, s = _prediction(1)
    gt = np.full((1, 17, 2), 5.0, np.float32)
    vis = np.zeros((1, 17), np.float32)
    vis[0, :5] = 2
    kp, w, src = mwl.ensemble_labels(k, s, gt_kpts=gt, gt_visible=vis)
    np.testing.assert_allclose(kp[0, :5], 5.0)
    assert (w[0, :5] == 1).all() and (src[0, :5] == SOURCE_CODES['gt']).all()
    np.testing.assert_allclose(kp[0, 5:], k[0, 5:])
    assert (src[0, 5:17] == SOURCE_CODES['movenet']).all()


def test_only_part_and_boxes():
    k, s = _prediction(1)
    lab = mwl.ensemble_labels(k, s)
    kp, w, src = mwl.only_part(lab, slice(94, 115))
    assert (w[0, :94] == 0).all() and (w[0, 115:] == 0).all() and (w[0, 94:115] > 0).all()
    assert (src[0, :94] == 0).all()
    box = mwl.points_box(np.array([[0, 0], [10, 20]], np.float32), 1.2)
    np.testing.assert_allclose(box, [-1, -2, 11, 22])
    # square, 2x the longest side, clipped to a (h, w) = (100, 50) image
    np.testing.assert_allclose(mwl.face_person_box([10, 20, 20, 10], (100, 50)), [0, 5, 40, 45])


def test_helen_labels():
    f = np.zeros((68, 3), np.float32)
    f[:, :2] = np.arange(136).reshape(68, 2)
    f[:, 2] = 2
    f[5, 2] = 0
    kp, w, src = mwl.helen_labels(f.ravel().tolist())
    assert (w[0, :26] == 0).all() and (w[0, 94:] == 0).all()
    assert w[0, 26 + 5] == 0 and w[0, 26] == 1 and src[0, 26] == SOURCE_CODES['gt']
    np.testing.assert_allclose(kp[0, 26:94], f[:, :2])


def test_part_crops():
    k, s = _prediction(2)
    s[1, 26:94] = 0.1  # no face crop for the second person
    s[0, 94:115] = 0.6  # a left hand below the crop threshold
    lab = mwl.ensemble_labels(k, s, hand_thr=0.5)
    crops = mwl.part_crops(lab, face_crop_thr=0.6, hand_crop_thr=0.8, shape=(300, 300))
    kinds = [c[0] for c in crops]
    assert kinds == ['face', 'right_hand', 'left_hand', 'right_hand']
    kind, box, (_, w, _) = crops[1]
    np.testing.assert_allclose(box, mwl.points_box(k[0, 115:136], 1.2))
    assert (w[0, 115:] > 0).all() and (w[0, :115] == 0).all()
    _, fbox, (_, fw, _) = crops[0]
    assert (fw[0, 26:94] > 0).all() and fw[0, :26].sum() == 0
    assert fbox[0] >= 0 and fbox[3] <= 300
    assert label_counts(lab[1]) == dict(instances=2, body=2, face=1, left_hand=2, right_hand=2)


def test_restore_clip_images(tmp_path):
    data = tmp_path / 'data'
    (data / 'videos').mkdir(parents=True)
    (data / 'images').mkdir()
    shutil.copy(
        osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'), data / 'images' / 'pic.jpg')
    vw = cv2.VideoWriter(
        str(data / 'videos' / 'clip_a.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 5, (32, 24))
    if not vw.isOpened():
        pytest.skip('no mp4 writer')
    for v in range(3):
        vw.write(np.full((24, 32, 3), 80 * v, np.uint8))
    vw.release()
    out = tmp_path / 'distill'
    out.mkdir()
    labels = dict(images=[
        dict(id=1, file_name='images/videos/clip_a_0002.jpg'),
        dict(id=2, file_name='images/images/pic.jpg')
    ])
    (out / 'halpe136_train.json').write_text(json.dumps(labels))
    assert mwl.restore_clip_images(str(out / 'halpe136_train.json'), str(data)) == 2
    frame = cv2.imread(str(out / 'images' / 'videos' / 'clip_a_0002.jpg'))
    assert frame.shape == (24, 32, 3) and abs(float(frame.mean()) - 160) < 10
    assert (out / 'images' / 'images' / 'pic.jpg').is_file()
    assert mwl.restore_clip_images(str(out / 'halpe136_train.json'), str(data)) == 0
