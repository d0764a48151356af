"""Teacher crop geometry; the real ONNX teachers bundled in checkpoints/."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.models.distillers.onnx_teachers import (BlazePoseTeacher, MoveNetTeacher,
                                                         crop_to_image, square_crop_affine)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS_DIR = osp.join(ROOT, 'checkpoints')  # the bundled teacher ONNX files
COCO = osp.join(ROOT, 'tests', 'data', 'coco')
SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                   1.07, 1.07, .87, .87, .89, .89]) / 10


def test_square_crop_roundtrip():
    boxes = np.array([[10, 20, 50, 120], [0, 0, 200, 100]], np.float32)
    mats = square_crop_affine(boxes, 256, 1.25)
    # box centre -> crop centre; longest side x 1.25 -> 256 px
    c = (boxes[:, :2] + boxes[:, 2:]) / 2
    mapped = np.einsum('nij,nj->ni', mats[:, :, :2], c) + mats[:, :, 2]
    np.testing.assert_allclose(mapped, 128, atol=1e-4)
    np.testing.assert_allclose(mats[:, 0, 0], 256 / (np.array([100, 200]) * 1.25))
    pts = np.random.default_rng(0).uniform(0, 256, (2, 5, 2)).astype(np.float32)
    img_pts = crop_to_image(pts, mats)
    back = np.einsum('nij,nkj->nki', mats[:, :, :2], img_pts) + mats[:, None, :, 2]
    np.testing.assert_allclose(back, pts, atol=1e-3)


def test_missing_model():
    with pytest.raises(FileNotFoundError, match='x.onnx'):
        MoveNetTeacher('x.onnx')


@pytest.mark.slow
@pytest.mark.skipif(not osp.isfile(osp.join(MODELS_DIR, 'movenet-thunder.onnx')),
                    reason='teacher ONNX files not bundled in checkpoints/')
def test_teachers_on_coco_sample():
    gt = json.load(open(osp.join(COCO, 'test_coco.json')))
    mv = MoveNetTeacher(osp.join(MODELS_DIR, 'movenet-thunder.onnx'))
    bp = BlazePoseTeacher(osp.join(MODELS_DIR, 'blazepose-full.onnx'))
    oks_mv, oks_bp = [], []
    for im in gt['images']:
        img = cv2.imread(osp.join(COCO, im['file_name']))
        anns = [a for a in gt['annotations'] if a['image_id'] == im['id'] and a['num_keypoints']]
        b = np.array([a['bbox'] for a in anns], np.float32)
        boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
        k, s = mv.predict(img, boxes)
        kb, sb = bp.predict(img, boxes)
        assert k.shape == (len(anns), 17, 2) and kb.shape == (len(anns), 33, 2)
        assert ((s >= 0) & (s <= 1)).all() and ((sb >= 0) & (sb <= 1)).all()
        for i, a in enumerate(anns):
            g = np.array(a['keypoints'], np.float32).reshape(17, 3)
            v = g[:, 2] > 0
            for pred, acc in ((k[i], oks_mv), (kb[i][BlazePoseTeacher.COCO17], oks_bp)):
                e = ((pred - g[:, :2]) ** 2).sum(1) / (2 * SIGMAS) ** 2 / a['area'] / 2
                acc.append(np.exp(-e)[v].mean())
    assert np.mean(oks_mv) > 0.8      # measured 0.842
    assert np.mean(oks_bp) > 0.6      # measured 0.676
