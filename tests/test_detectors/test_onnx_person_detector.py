import hashlib
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.models.detectors import ONNXPersonDetector
from mmalphapose.post_processing import box_nms as nms_numpy
from mmalphapose.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL = osp.join(ROOT, 'checkpoints', 'nanodet.onnx')
COCO = osp.join(ROOT, 'tests', 'data', 'coco')
NANODET_SHA256 = '1e5f6d6915fefec75b9b9c573a70494bc156ebd2750d9154e9dc3eb9fa233a08'


def test_bundled_model_checksum():
    h = hashlib.sha256()
    with open(MODEL, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    assert h.hexdigest() == NANODET_SHA256
    sums = open(osp.join(ROOT, 'checkpoints', 'SHA256SUMS')).read()
    assert f'{NANODET_SHA256}  nanodet.onnx' in sums


def test_nms_numpy():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [0, 0, 9, 10]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.95], np.float32)
    keep = nms_numpy(boxes, scores, 0.5)
    assert keep.tolist() == [3, 2]
    assert nms_numpy(np.zeros((0, 4)), np.zeros(0), 0.5).shape == (0, )


def test_missing_model_file():
    with pytest.raises(FileNotFoundError, match='nope.onnx'):
        ONNXPersonDetector('nope.onnx')


def _iou(a, b):
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), -1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter)


def test_person_recall_on_coco_sample():
    det = MODELS.build(dict(type='ONNXPersonDetector', model_path=MODEL, score_thr=0.2))
    gt = json.load(open(osp.join(COCO, 'test_coco.json')))
    imgs = [cv2.imread(osp.join(COCO, im['file_name'])) for im in gt['images']]
    results = det.predict_images(imgs)
    hits = total = 0
    for im, img, res in zip(gt['images'], imgs, results):
        assert res.bboxes.dtype == np.float32 and res.bboxes.shape[1] == 4
        assert len(res.scores) == len(res.labels) == len(res.bboxes)
        assert (res.labels == 0).all() and (res.scores >= 0.2).all()
        h, w = img.shape[:2]
        assert (res.bboxes[:, [0, 2]] <= w).all() and (res.bboxes[:, [1, 3]] <= h).all()
        anns = [
            a for a in gt['annotations'] if a['image_id'] == im['id'] and a['num_keypoints'] > 0
        ]
        g = np.array(
            [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
             for a in anns])
        hits += int((_iou(g, res.bboxes).max(1) >= 0.5).sum())
        total += len(g)
    assert total == 12 and hits == 12


def test_predict_mmdet_style_and_gray():
    det = ONNXPersonDetector(MODEL, score_thr=0.3)
    out = det.predict(osp.join(COCO, '000000000785.jpg'))
    assert len(out.pred_instances.bboxes) >= 1
    gray = cv2.imread(osp.join(COCO, '000000000785.jpg'), cv2.IMREAD_GRAYSCALE)
    res = det.predict_images([gray])[0]
    assert len(res.bboxes) >= 1
    with pytest.raises(FileNotFoundError):
        det.predict('does/not/exist.jpg')


def test_detect_is_the_pipeline_protocol():
    """``detect``: float32 (n,4) boxes and (n,) scores per frame, the person
    class only, thresholds per call (default: the constructor's) and the
    extra NMS ``nms_thr``; the same boxes as predict_images' person boxes."""
    det = ONNXPersonDetector(MODEL, score_thr=0.3, person_only=False)
    imgs = [cv2.imread(osp.join(COCO, n)) for n in ('000000197388.jpg', '000000000785.jpg')]
    out = det.detect(imgs, ['a', 'b'])
    assert len(out) == 2
    for (boxes, scores), inst in zip(out, det.predict_images(imgs)):
        assert boxes.dtype == scores.dtype == np.float32 and boxes.shape == (len(scores), 4)
        person = inst.labels == 0
        np.testing.assert_array_equal(boxes, inst.bboxes[person])
        assert len(boxes) < len(inst.bboxes) or (inst.labels == 0).all()
    many = det.detect(imgs[:1], score_thr=0.05)[0][1]
    assert len(many) > len(out[0][1]) and (many >= 0.05).all()
    fewer = det.detect(imgs[:1], score_thr=0.05, nms_thr=0.1)[0][1]
    assert 0 < len(fewer) < len(many)
    assert det.detect([])[0:] == []
