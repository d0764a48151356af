import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.apis.detection import (DetFilePersonDetector, WholeImageDetector,
                                        build_person_detector, filter_boxes)
from mmalphapose.post_processing.box_nms import box_nms

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_alphapose_detfile_by_file_name(tmp_path):
    dets = [
        dict(image_id='a.jpg', bbox=[10, 20, 30, 40], score=0.9),
        dict(image_id='a.jpg', bbox=[0, 0, 5, 5], score=0.1),
        dict(image_id='3.jpg', bbox=[1, 2, 3, 4], score=0.8)
    ]
    path = tmp_path / 'det.json'
    path.write_text(json.dumps(dets))
    det = DetFilePersonDetector(str(path), score_thr=0.2)
    img = np.zeros((50, 50, 3), np.uint8)
    (b1, s1), (b2, s2), (b3, s3) = det.detect([img] * 3, ['/x/a.jpg', '3.jpg', 'zzz.jpg'])
    np.testing.assert_allclose(b1, [[10, 20, 40, 60]])  # xywh -> xyxy
    np.testing.assert_allclose(s1, [0.9])
    np.testing.assert_allclose(b2, [[1, 2, 4, 6]])
    assert b3.shape == (0, 4) and s3.shape == (0, )  # frame without boxes


def test_coco_results_with_numeric_ids(data_root):
    path = f'{data_root}/coco/test_coco_det_AP_H_56.json'
    det = DetFilePersonDetector(path, score_thr=0.0)
    raw = [d for d in json.load(open(path)) if d['image_id'] == 197388]
    boxes, scores = det.detect([None], ['000000197388.jpg'])[0]
    assert len(boxes) == len(raw) == 37
    np.testing.assert_allclose(sorted(scores), sorted(d['score'] for d in raw), rtol=1e-6)


def test_detfile_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.json'):
        DetFilePersonDetector(str(tmp_path / 'missing.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text('{not json')
    with pytest.raises(ValueError, match='bad.json'):
        DetFilePersonDetector(str(bad))
    bad.write_text(json.dumps([{'image_id': 'a.jpg'}]))
    with pytest.raises(ValueError, match='record 0'):
        DetFilePersonDetector(str(bad))


def test_filter_and_nms():
    boxes = np.array(
        [[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [5, 5, 5, 9], [0, 0, np.nan, 3]],
        np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.95, 0.9], np.float32)
    labels = np.array([0, 0, 0, 0, 0])
    b, s = filter_boxes(boxes, scores, labels, 0, 0.5, nms_thr=0.5)
    # zero-width and NaN boxes dropped, the overlapping lower-score box suppressed
    np.testing.assert_allclose(s, [0.9, 0.7])
    b, s = filter_boxes(boxes, scores, np.array([1, 0, 0, 0, 0]), 0, 0.0, None)
    np.testing.assert_allclose(s, [0.8, 0.7])
    assert box_nms(np.zeros((0, 4)), np.zeros(0), 0.5).size == 0


def test_whole_image_fallback():
    assert isinstance(build_person_detector(), WholeImageDetector)
    (b, s), = WholeImageDetector().detect([np.zeros((30, 40, 3), np.uint8)])
    np.testing.assert_allclose(b, [[0, 0, 40, 30]])


def test_bundled_onnx_detector_finds_people(data_root):
    cfg = osp.join(REPO, 'configs/detection/nanodet-m_onnx_person-416.py')
    onnx = osp.join(REPO, 'checkpoints/nanodet.onnx')
    if not (osp.isfile(cfg) and osp.isfile(onnx)):
        pytest.skip('bundled ONNX detector not present')
    det = build_person_detector(cfg, onnx, score_thr=0.3)
    # the detector model is the pipeline's detector itself (no wrapper)
    assert type(det).__name__ == 'ONNXPersonDetector' and det.name == \
        'onnx:nanodet-m_onnx_person-416.py' and det.score_thr == 0.3
    imgs = [
        cv2.imread(f'{data_root}/coco/000000197388.jpg'),
        cv2.imread(f'{data_root}/coco/000000000785.jpg')
    ]
    (b1, s1), (b2, s2) = det.detect(imgs, ['a', 'b'])
    assert len(b1) >= 3 and len(b2) >= 1 and (s1 >= 0.3).all()
    with pytest.raises(FileNotFoundError, match='nope.onnx'):
        build_person_detector(cfg, '/nonexistent/nope.onnx')


def test_missing_detector_config():
    with pytest.raises(FileNotFoundError, match='det.py'):
        build_person_detector('/nonexistent/det.py')


@pytest.mark.slow
def test_mmdet_detector_batch_of_frames(data_root):
    """Any mmdet config works (random-weight RTMDet-tiny from mmdet's own configs)."""
    mmdet = pytest.importorskip('mmdet', reason='needs mmdet: full profile')
    from mmalphapose.apis.detection import MMDetPersonDetector
    cfg = osp.join(
        osp.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet', 'rtmdet_tiny_8xb32-300e_coco.py')
    if not osp.isfile(cfg):
        pytest.skip('mmdet configs not installed')
    det = MMDetPersonDetector(cfg, None, score_thr=0.0)
    img = cv2.imread(f'{data_root}/coco/000000197388.jpg')
    out = det.detect([img, img[:200]])
    assert len(out) == 2 and all(b.shape[1] == 4 and len(b) == len(s) for b, s in out)


@pytest.mark.slow
def test_mmdet_scope_does_not_leak(tmp_path):
    """After an mmdet detector is built, our models still build (scope restored)."""
    mmdet = pytest.importorskip('mmdet', reason='needs mmdet: full profile')
    from mmengine.registry import DefaultScope

    from mmalphapose.apis import init_model
    from mmalphapose.apis.detection import MMDetPersonDetector
    from mmalphapose.testing import write_standin_config
    cfg = osp.join(
        osp.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet', 'rtmdet_tiny_8xb32-300e_coco.py')
    if not osp.isfile(cfg):
        pytest.skip('mmdet configs not installed')
    before = DefaultScope.get_current_instance()
    MMDetPersonDetector(cfg, None)
    assert DefaultScope.get_current_instance() is before
    init_model(write_standin_config(str(tmp_path)))


def test_detector_config_without_weights_warns(monkeypatch, tmp_path):
    from mmalphapose.apis import detection
    cfg = tmp_path / 'mmdet_like.py'
    cfg.write_text("model = dict(type='mmdet.RTMDet')\n")
    built = []

    class FakeMMDet:

        def __init__(self, config, checkpoint, *args):
            built.append(checkpoint)
            self.name = 'mmdet:x'

    monkeypatch.setattr(detection, 'MMDetPersonDetector', FakeMMDet)
    with pytest.warns(UserWarning, match='random weights'):
        det = detection.build_person_detector(str(cfg))
    assert det.name == 'mmdet:x (RANDOM WEIGHTS)' and built == [None]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert detection.build_person_detector(str(cfg), 'w.pth').name == 'mmdet:x'


def test_detfile_boxes_outside_the_image_are_dropped(tmp_path):
    from mmalphapose.apis.detection import DetFilePersonDetector
    path = tmp_path / 'd.json'
    path.write_text(
        json.dumps([
            dict(image_id='a.jpg', bbox=b, score=0.9)
            for b in ([5, 5, 10, 10], [200, 5, 10, 10], [-50, -50, 10, 10], [95, 45, 20, 20])
        ]))
    (boxes, _), = DetFilePersonDetector(str(path)).detect([np.zeros((50, 100, 3), np.uint8)],
                                                          ['a.jpg'])
    np.testing.assert_array_equal(boxes, [[5, 5, 15, 15], [95, 45, 115, 65]])
