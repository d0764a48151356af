import numpy as np
import pytest

from mmalphapose.structures import (bbox_area, bbox_cs2xywh, bbox_cs2xyxy, bbox_iou, bbox_xywh2cs,
                                    bbox_xywh2xyxy, bbox_xyxy2cs, bbox_xyxy2xywh, fix_aspect_ratio,
                                    flip_bbox)


def test_xyxy_xywh_hand_values():
    xyxy = np.array([[10, 20, 50, 100], [0, 0, 1, 2]], np.float32)
    xywh = bbox_xyxy2xywh(xyxy)
    np.testing.assert_allclose(xywh, [[10, 20, 40, 80], [0, 0, 1, 2]])
    np.testing.assert_allclose(bbox_xywh2xyxy(xywh), xyxy)
    # single box keeps its shape
    assert bbox_xyxy2xywh(np.array([1, 2, 3, 5])).shape == (4, )
    np.testing.assert_allclose(bbox_xyxy2xywh(np.array([1, 2, 3, 5])), [1, 2, 2, 3])


def test_center_scale_hand_values():
    c, s = bbox_xyxy2cs(np.array([10, 20, 50, 100]), padding=1.25)
    np.testing.assert_allclose(c, [30, 60])
    np.testing.assert_allclose(s, [50, 100])
    np.testing.assert_allclose(bbox_cs2xyxy(c, s, padding=1.25), [10, 20, 50, 100])
    c2, s2 = bbox_xywh2cs(np.array([[10, 20, 40, 80]]))
    np.testing.assert_allclose(c2, [[30, 60]])
    np.testing.assert_allclose(s2, [[40, 80]])
    np.testing.assert_allclose(bbox_cs2xywh(c2, s2), [[10, 20, 40, 80]])


def test_fix_aspect_ratio_alphapose_rule():
    # AlphaPose: w > 0.75 h -> h = w / 0.75 ; w < 0.75 h -> w = 0.75 h
    s = fix_aspect_ratio(np.array([[90, 100], [30, 100], [75, 100]]), 0.75)
    np.testing.assert_allclose(s, [[90, 120], [75, 100], [75, 100]])


def test_area_iou_flip():
    a = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [0, 0, 0, 5]], np.float32)
    np.testing.assert_allclose(bbox_area(a), [100, 100, 0])
    iou = bbox_iou(a, a)
    assert iou.shape == (3, 3)
    np.testing.assert_allclose(iou[0, 1], 25 / 175, rtol=1e-6)
    np.testing.assert_allclose(iou[0, 0], 1.0)
    assert iou[2, 2] == 0  # degenerate box: no division by zero
    np.testing.assert_allclose(flip_bbox(np.array([10, 0, 30, 5]), 100), [70, 0, 90, 5])
    np.testing.assert_allclose(
        flip_bbox(np.array([10, 0, 20, 5]), 100, bbox_format='xywh'), [70, 0, 20, 5])


def test_bad_shape_is_clear():
    with pytest.raises(ValueError, match='4 values'):
        bbox_xyxy2xywh(np.zeros((2, 3)))
    assert bbox_xyxy2xywh(np.zeros((0, 4))).shape == (0, 4)
