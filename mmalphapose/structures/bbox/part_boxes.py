"""Part boxes from body keypoints: the square face and hand boxes (and the
crop rotation) that the part refiner (``WholeBodyPartRefiner``), the
whole-body teacher ensemble and the pseudo-label tools cut the face / hand
crops from. One home for this geometry; all functions are vectorised over
people.

Body keypoints are COCO-17 (the first 17 of COCO-WholeBody-133 and of
Halpe-26 / Halpe-136): 0 nose, 1 / 2 left / right eye, 3 / 4 ears, 5 / 6
shoulders, 7 / 8 elbows, 9 / 10 wrists. "Left" is the subject's left.
"""
from typing import Tuple

import numpy as np

#: hand box centre = wrist + HAND_CENTER_OFFSET * (wrist - elbow)
HAND_CENTER_OFFSET = 0.35
#: hand box side = max(HAND_SIZE_FOREARM * forearm, HAND_SIZE_UPPER_ARM *
#: upper arm) (the upper arm keeps foreshortened forearms from shrinking it).
#: The tight hand box is about 0.75 x forearm; the extra third is margin for
#: the uncertain hand position (on the sample 1.0 beat 0.75 with the teacher's
#: 1.5 padding: OKS 0.503 vs 0.473, PCK@0.1 0.16 vs 0.07)
HAND_SIZE_FOREARM = 1.0
HAND_SIZE_UPPER_ARM = 0.67
#: face box side = max(extent of the visible nose/eyes/ears,
#: FACE_SIZE_EYES * eye distance, FACE_SIZE_NOSE * |nose - eye midpoint|)
FACE_SIZE_EYES = 2.5
FACE_SIZE_NOSE = 4.0
#: face box centre = centre of the visible head points, moved towards the chin
#: by FACE_CENTER_DOWN x the side
FACE_CENTER_DOWN = 0.1


def hand_boxes_from_body(body: np.ndarray,
                         scores: np.ndarray,
                         score_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Square hand boxes from COCO-17 arm keypoints.

    Each box is centred beyond the wrist along the elbow -> wrist direction
    (:data:`HAND_CENTER_OFFSET` x forearm) with side :data:`HAND_SIZE_FOREARM`
    x forearm (at least :data:`HAND_SIZE_UPPER_ARM` x upper arm where the
    shoulder is known), a little larger than the hand; the hand teacher pads
    it further. Fitted on the 9 COCO-WholeBody hands of the sample with a
    visible elbow and wrist: GT hand box centre 0.10-0.54 forearms beyond the
    wrist (median 0.37), its side 0.41-0.85 forearms; IoU of these boxes with
    the GT hand boxes 0.2-0.8.

    Args:
        body: (N,17,2) COCO-17 keypoints. scores: (N,17) confidences (or
            0/1 visibility). score_thr: wrist and elbow must reach it.
    Returns:
        boxes (N,2,4) xyxy, valid (N,2) bool and angles (N,2) (radians, the
        elbow -> wrist direction, for the crop rotation); index 0 = the
        subject's left hand (COCO 7 -> 9), 1 = right (8 -> 10).
    """
    body = np.asarray(body, np.float32)
    scores = np.asarray(scores, np.float32)
    n = len(body)
    boxes = np.zeros((n, 2, 4), np.float32)
    valid = np.zeros((n, 2), bool)
    angles = np.full((n, 2), -np.pi / 2, np.float32)
    for h, (sh, el, wr) in enumerate(((5, 7, 9), (6, 8, 10))):
        d = body[:, wr] - body[:, el]
        forearm = np.linalg.norm(d, axis=1)
        upper = np.linalg.norm(body[:, el] - body[:, sh], axis=1)
        upper = np.where(scores[:, sh] >= score_thr, upper, 0)
        side = np.maximum(HAND_SIZE_FOREARM * forearm, HAND_SIZE_UPPER_ARM * upper)
        centre = body[:, wr] + HAND_CENTER_OFFSET * d
        half = side[:, None] / 2
        boxes[:, h] = np.concatenate([centre - half, centre + half], 1)
        valid[:, h] = ((scores[:, wr] >= score_thr) & (scores[:, el] >= score_thr) & (side >= 1.0))
        angles[:, h] = np.where(forearm > 1e-6, np.arctan2(d[:, 1], d[:, 0]), -np.pi / 2)
    return boxes, valid, angles


def face_boxes_from_body(body: np.ndarray,
                         scores: np.ndarray,
                         score_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Square face boxes from the COCO-17 nose, eyes and ears.

    Side: the largest of the extent of the visible head points, the eye
    distance x :data:`FACE_SIZE_EYES` and the nose-to-eye-midpoint distance x
    :data:`FACE_SIZE_NOSE` (about the tight iBUG-68 box, which spans brows to
    chin; on the sample the ears are 1.0-1.1, the eyes 0.3-0.54 and the
    nose-to-eye-midpoint 0.15-0.27 box sides apart). Centre: the centre of the
    visible points' bounding box moved chin-wards by :data:`FACE_CENTER_DOWN`
    x side. A face needs the nose and at least one eye.

    Returns:
        boxes (N,4) xyxy, valid (N,) bool and angles (N,) (radians: the
        image direction from the chin to the brows, i.e. the eye line
        right eye -> left eye turned by -90 degrees; upright where an eye is
        missing).
    """
    body = np.asarray(body, np.float32)
    scores = np.asarray(scores, np.float32)
    vis = scores[:, :5] >= score_thr
    pts = body[:, :5]
    big = np.float32(1e9)
    lo = np.where(vis[..., None], pts, big).min(1)
    hi = np.where(vis[..., None], pts, -big).max(1)
    any_vis = vis.any(1)
    extent = np.where(any_vis, (hi - lo).max(1), 0)
    both_eyes = vis[:, 1] & vis[:, 2]
    eye_d = np.where(both_eyes, np.linalg.norm(body[:, 1] - body[:, 2], axis=1), 0)
    eye_mid = (body[:, 1] + body[:, 2]) / 2
    nose_d = np.where(both_eyes & vis[:, 0], np.linalg.norm(body[:, 0] - eye_mid, axis=1), 0)
    side = np.maximum.reduce([extent, FACE_SIZE_EYES * eye_d, FACE_SIZE_NOSE * nose_d])
    d = body[:, 1] - body[:, 2]
    angles = np.where(both_eyes & (eye_d > 1e-6),
                      np.arctan2(d[:, 1], d[:, 0]) - np.pi / 2, -np.pi / 2)
    angles = (angles + np.pi) % (2 * np.pi) - np.pi  # wrap to [-pi, pi)
    down = -np.stack([np.cos(angles), np.sin(angles)], 1)
    centre = np.where(any_vis[:, None], (lo + hi) / 2, 0) + FACE_CENTER_DOWN * side[:, None] * down
    valid = vis[:, 0] & (vis[:, 1] | vis[:, 2]) & (side >= 1.0)
    half = side[:, None] / 2
    boxes = np.concatenate([centre - half, centre + half], 1).astype(np.float32)
    return boxes, valid, angles.astype(np.float32)


def tight_face_boxes(body: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """A second face box candidate (N,4) beside :func:`face_boxes_from_body`'s
    ``boxes``: centred on the nose, side = max(2.5 x eye distance, 4 x
    nose-to-eye-midpoint distance), i.e. without the ear extent (a stray ear
    can double the first box); where that side is 0, ``boxes`` as they are."""
    body = np.asarray(body, np.float32)
    eye_d = np.linalg.norm(body[:, 1] - body[:, 2], axis=1)
    nose_d = np.linalg.norm(body[:, 0] - (body[:, 1] + body[:, 2]) / 2, axis=1)
    side = np.maximum(FACE_SIZE_EYES * eye_d, FACE_SIZE_NOSE * nose_d)[:, None]
    tight = np.concatenate([body[:, 0] - side / 2, body[:, 0] + side / 2], 1)
    return np.where(side >= 1.0, tight, boxes).astype(np.float32)
