"""Part boxes from body keypoints (structures/bbox/part_boxes.py): the face
and hand boxes the part refiner, the whole-body teachers and the pseudo-label
tools crop."""
import numpy as np

from mmalphapose.structures.bbox.part_boxes import (FACE_CENTER_DOWN, FACE_SIZE_EYES,
                                                    FACE_SIZE_NOSE, HAND_CENTER_OFFSET,
                                                    HAND_SIZE_FOREARM, HAND_SIZE_UPPER_ARM,
                                                    face_boxes_from_body, hand_boxes_from_body,
                                                    tight_face_boxes)


def _arm_body():
    body = np.zeros((2, 17, 2), np.float32)
    s = np.ones((2, 17), np.float32)
    body[:, 5], body[:, 7], body[:, 9] = (120, 40), (120, 80), (120, 120)  # left arm down
    body[:, 6], body[:, 8], body[:, 10] = (80, 40), (50, 40), (20, 40)  # right arm out
    return body, s


def test_hand_boxes_from_body():
    body, s = _arm_body()
    s[1, 10] = 0.1  # an unsure right wrist
    boxes, valid, ang = hand_boxes_from_body(body, s, score_thr=0.3)
    assert boxes.shape == (2, 2, 4) and valid.shape == (2, 2) and ang.shape == (2, 2)
    assert valid[0].all() and valid[1, 0] and not valid[1, 1]

    # left (index 0) = subject's left wrist (COCO 9), beyond it along the forearm
    c = (boxes[0, 0, :2] + boxes[0, 0, 2:]) / 2
    np.testing.assert_allclose(c, (120, 120 + HAND_CENTER_OFFSET * 40), atol=1e-4)
    side = max(HAND_SIZE_FOREARM * 40, HAND_SIZE_UPPER_ARM * 40)
    np.testing.assert_allclose(boxes[0, 0, 2:] - boxes[0, 0, :2], (side, side), atol=1e-4)
    np.testing.assert_allclose(ang[0, 0], np.pi / 2, atol=1e-6)  # pointing down
    c = (boxes[0, 1, :2] + boxes[0, 1, 2:]) / 2
    np.testing.assert_allclose(c, (20 - HAND_CENTER_OFFSET * 30, 40), atol=1e-4)
    np.testing.assert_allclose(abs(ang[0, 1]), np.pi, atol=1e-6)  # pointing to -x
    # a foreshortened forearm: the upper arm keeps the box from collapsing
    body[0, 9] = (120, 82)
    boxes, _, _ = hand_boxes_from_body(body, s)
    assert boxes[0, 0, 2] - boxes[0, 0, 0] >= HAND_SIZE_UPPER_ARM * 40 - 1e-4


def test_face_boxes_from_body():
    body = np.zeros((3, 17, 2), np.float32)
    s = np.zeros((3, 17), np.float32)
    # frontal: subject's left eye/ear (1, 3) on the image right
    body[:, :5] = [(50, 60), (60, 50), (40, 50), (72, 55), (28, 55)]
    s[:, :5] = 1
    s[1, 0] = 0  # no nose: no face
    # a face rolled by 90 degrees (eye line vertical, chin towards +x)
    body[2, :5] = [(60, 50), (50, 40), (50, 60), (55, 28), (55, 72)]
    boxes, valid, ang = face_boxes_from_body(body, s)
    assert valid.tolist() == [True, False, True]
    side = max(44, FACE_SIZE_EYES * 20, FACE_SIZE_NOSE * 10)
    np.testing.assert_allclose(boxes[0, 2:] - boxes[0, :2], (side, side), atol=1e-4)
    c = (boxes[0, :2] + boxes[0, 2:]) / 2
    np.testing.assert_allclose(c, (50, 55 + FACE_CENTER_DOWN * side), atol=1e-4)
    np.testing.assert_allclose(ang[0], -np.pi / 2, atol=1e-6)  # upright
    np.testing.assert_allclose(abs(ang[2]), np.pi, atol=1e-6)  # brows towards -x
    c = (boxes[2, :2] + boxes[2, 2:]) / 2
    assert c[0] > 55  # moved towards the chin (+x)


def test_tight_face_boxes_ignore_a_stray_ear():
    body = np.zeros((2, 17, 2), np.float32)
    s = np.zeros((2, 17), np.float32)
    body[:, :5] = [(50, 60), (60, 50), (40, 50), (72, 55), (28, 55)]
    s[:, :5] = 1
    body[0, 3] = (150, 55)  # a stray left ear 100 px out: the first box doubles
    boxes, _, _ = face_boxes_from_body(body, s)
    tight = tight_face_boxes(body, boxes)
    assert boxes[0, 2] - boxes[0, 0] > 100  # the ear's extent
    side = max(FACE_SIZE_EYES * 20, FACE_SIZE_NOSE * 10)  # eyes 20 apart, nose 10 below
    np.testing.assert_allclose(tight[0], (50 - side / 2, 60 - side / 2, 50 + side / 2,
                                          60 + side / 2), atol=1e-4)  # centred on the nose
    # nose and eyes collapse to one point (side 0): the first box as it is
    body[1, 1:3] = body[1, 0]
    np.testing.assert_array_equal(tight_face_boxes(body, boxes)[1], boxes[1])
