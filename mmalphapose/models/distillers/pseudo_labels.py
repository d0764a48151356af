"""Assemble Halpe-26 / Halpe-136 pseudo-labels from several teachers and merge
them with ground truth.

Each teacher only knows some keypoints. A label set is a pair of arrays
``keypoints (N,K,2)`` and ``weights (N,K)`` (0 = not supervised; a soft
teacher confidence in (0, 1]; GT keypoints get 1) plus ``sources (N,K)``
(int codes, :data:`SOURCE_CODES`) so every label can be traced back.

Halpe-26 order (alphapose/datasets/halpe_26.py:33-36): 0-16 COCO-17, 17 Head
(top), 18 Neck, 19 Hip, 20 LBigToe, 21 RBigToe, 22 LSmallToe, 23 RSmallToe,
24 LHeel, 25 RHeel. Halpe-136 (alphapose/datasets/halpe_136.py:33-38) adds
26-93 face (68, iBUG-68 order), 94-114 left hand and 115-135 right hand
(21 each: wrist, then thumb, index, middle, ring, pinky with 4 joints each).
"Left" is the subject's left: the left hand is the one at COCO ``left_wrist``
(9).

Whole-body teachers (see ``onnx_teachers``): the MediaPipe hand landmark model
on boxes from :func:`~mmalphapose.structures.bbox.part_boxes.hand_boxes_from_body`
and face mesh on boxes from ``face_boxes_from_body`` (the part-box geometry's
home is :mod:`mmalphapose.structures.bbox.part_boxes`), the 468 mesh points
mapped to iBUG-68 with :data:`FACEMESH_TO_IBUG68`.
"""
from typing import Dict, Optional, Tuple

import numpy as np

#: ``faceapi``: face-api's 68-point net, the face teacher of the
#: ``halpe136-teachers`` ensemble (tools/distill/make_wholebody_labels.py)
SOURCE_CODES: Dict[str, int] = dict(
    none=0, gt=1, movenet=2, blazepose=3, derived=4, hand=5, facemesh=6, faceapi=7)

#: Halpe feet index -> BlazePose landmark index. BlazePose has heels (29 L,
#: 30 R) and "foot index" (31 L, 32 R: the tip of the foot, at the big toe).
#: It has no small toe, so the small toes reuse the foot-index point with a
#: reduced weight (:data:`SMALL_TOE_WEIGHT`).
HALPE_FEET_FROM_BLAZEPOSE = {20: 31, 21: 32, 22: 31, 23: 32, 24: 29, 25: 30}
SMALL_TOE_WEIGHT = 0.5
#: derived points (head top, neck, pelvis) get at most this weight
DERIVED_WEIGHT = 0.6
#: head top = head centre + HEAD_TOP_RATIO * (head centre - neck)
HEAD_TOP_RATIO = 0.7


def _empty_labels(n: int, k: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unlabelled keypoints (n,k,2), weights (n,k) and sources (n,k) int8."""
    return np.zeros((n, k, 2), np.float32), np.zeros((n, k), np.float32), np.zeros((n, k), np.int8)


def derive_head_neck_hip(body: np.ndarray, scores: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Halpe Head (17), Neck (18), Hip (19) from COCO-17 keypoints.

    Neck = shoulder midpoint, Hip = hip midpoint, Head = the centre of the
    eyes/ears (score-weighted) pushed away from the neck by
    :data:`HEAD_TOP_RATIO`. Weights are the min score of the points used,
    capped at :data:`DERIVED_WEIGHT`.

    Args:
        body: (N,17,2) COCO-17 keypoints. scores: (N,17).
    Returns:
        keypoints (N,3,2) and weights (N,3).
    """
    body = np.asarray(body, np.float32)
    scores = np.asarray(scores, np.float32)
    neck = (body[:, 5] + body[:, 6]) / 2
    hip = (body[:, 11] + body[:, 12]) / 2
    head_ids = [1, 2, 3, 4]
    w = scores[:, head_ids]
    wsum = w.sum(1, keepdims=True)
    centre = np.where(wsum > 1e-6,
                      (body[:, head_ids] * w[..., None]).sum(1) / np.maximum(wsum, 1e-6), body[:,
                                                                                               0])
    head = centre + HEAD_TOP_RATIO * (centre - neck)
    neck_w = scores[:, [5, 6]].min(1)
    hip_w = scores[:, [11, 12]].min(1)
    head_w = np.minimum(np.max(w, 1), neck_w)
    kpts = np.stack([head, neck, hip], 1)
    weights = np.minimum(np.stack([head_w, neck_w, hip_w], 1), DERIVED_WEIGHT)
    return kpts.astype(np.float32), weights.astype(np.float32)


def assemble_halpe26(body: np.ndarray,
                     body_scores: np.ndarray,
                     blaze: Optional[np.ndarray] = None,
                     blaze_scores: Optional[np.ndarray] = None,
                     score_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Halpe-26 pseudo-labels from a COCO-17 body teacher and (optionally)
    a BlazePose feet teacher.

    Args:
        body / body_scores: (N,17,2) / (N,17) from the body teacher.
        blaze / blaze_scores: (N,33,2) / (N,33) BlazePose landmarks, or None
            (then the feet stay unsupervised).
        score_thr: a teacher keypoint below this confidence gets weight 0.
    Returns:
        keypoints (N,26,2), weights (N,26), sources (N,26) int8.
    """
    body = np.asarray(body, np.float32)
    body_scores = np.asarray(body_scores, np.float32)
    if body.ndim != 3 or body.shape[1:] != (17, 2):
        raise ValueError(f'assemble_halpe26: body must be (N,17,2), got {body.shape}')
    n = len(body)
    kpts, weights, sources = _empty_labels(n, 26)
    kpts[:, :17] = body
    weights[:, :17] = body_scores
    sources[:, :17] = SOURCE_CODES['movenet']
    hk, hw = derive_head_neck_hip(body, body_scores)
    kpts[:, 17:20] = hk
    weights[:, 17:20] = hw
    sources[:, 17:20] = SOURCE_CODES['derived']
    if blaze is not None:
        blaze = np.asarray(blaze, np.float32)
        blaze_scores = np.asarray(blaze_scores, np.float32)
        if blaze.shape[:2] != (n, 33):
            raise ValueError('assemble_halpe26: blaze must be (N,33,2), got '
                             f'{blaze.shape}')
        dst = np.array(list(HALPE_FEET_FROM_BLAZEPOSE.keys()))
        src = np.array(list(HALPE_FEET_FROM_BLAZEPOSE.values()))
        kpts[:, dst] = blaze[:, src]
        w = blaze_scores[:, src].copy()
        w[:, [2, 3]] *= SMALL_TOE_WEIGHT  # 22, 23 are approximations
        weights[:, dst] = w
        sources[:, dst] = SOURCE_CODES['blazepose']
    low = weights < score_thr
    weights[low] = 0
    sources[low] = SOURCE_CODES['none']
    return kpts, weights, sources


def merge_with_gt(kpts: np.ndarray, weights: np.ndarray, sources: np.ndarray, gt_kpts: np.ndarray,
                  gt_visible: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GT wins: where ``gt_visible > 0`` the GT point replaces the teacher's,
    with weight 1 and source ``gt``; elsewhere the pseudo-label stays.

    All arrays share (N,K[,2]); ``gt_visible`` may be 0/1/2 flags.
    """
    gt_mask = np.asarray(gt_visible) > 0
    if gt_mask.shape != np.asarray(weights).shape:
        raise ValueError(f'merge_with_gt: gt_visible {gt_mask.shape} vs '
                         f'weights {np.asarray(weights).shape}')
    kpts = np.where(gt_mask[..., None], gt_kpts, kpts).astype(np.float32)
    weights = np.where(gt_mask, 1.0, weights).astype(np.float32)
    sources = np.where(gt_mask, SOURCE_CODES['gt'], sources).astype(np.int8)
    return kpts, weights, sources


# --------------------------------------------------------------------------
# Halpe-136: face and hands
# --------------------------------------------------------------------------

#: MediaPipe face-mesh index for each of the 68 iBUG-68 / COCO-WholeBody /
#: Halpe face points, in that order: jaw 0-16 (0 = the subject's right side,
#: image-left on a frontal face, 8 = chin), brows 17-21 (subject's right) and
#: 22-26 (left), nose bridge 27-30 and bottom 31-35, right eye 36-41 (36 outer
#: corner, clockwise), left eye 42-47 (42 inner corner), outer lips 48-59 (48
#: right corner), inner lips 60-67. This is the widely used single-index
#: MediaPipe -> dlib-68 table (e.g. the one in PeizhiYan/Mediapipe_2_Dlib_
#: Landmarks with its two-point averages reduced to one point).
#:
#: Verified on the 4 COCO-WholeBody faces of the COCO sample (face-mesh teacher
#: on the GT face box x 1.5, rotated by the GT body eye line): mean error /
#: longest side of the GT face box = 0.057 (jaw 0.071, brows 0.076, nose
#: 0.045, eyes 0.064, mouth 0.038), OKS 0.863 (COCO-WholeBody face sigmas);
#: the same table mirrored with the Halpe flip pairs (left/right swapped) gives
#: 0.338 (OKS 0.261), so the sides are right: on the frontal astronaut image
#: point 0 and eye corner 36 are on the image-left. Mirroring that image and
#: un-mirroring the prediction with the Halpe-136 flip pairs reproduces it to
#: 0.013 face sizes (0.30 without the pairs). Two other published tables (jaw
#: 127, 234, 132, 58, 172, ...; and brows 156 / 383, nose 98 / 327, lips 321 /
#: 91) are within +-0.002 NME.
FACEMESH_TO_IBUG68 = (
    # jaw 0-16
    127,
    234,
    93,
    132,
    58,
    136,
    150,
    176,
    152,
    400,
    379,
    365,
    288,
    361,
    323,
    454,
    356,
    # brows 17-21 (right), 22-26 (left)
    70,
    63,
    105,
    66,
    107,
    336,
    296,
    334,
    293,
    300,
    # nose bridge 27-30, nose bottom 31-35
    168,
    197,
    5,
    4,
    75,
    97,
    2,
    326,
    305,
    # right eye 36-41, left eye 42-47
    33,
    160,
    158,
    133,
    153,
    144,
    362,
    385,
    387,
    263,
    373,
    380,
    # outer lips 48-59
    61,
    39,
    37,
    0,
    267,
    269,
    291,
    405,
    314,
    17,
    84,
    181,
    # inner lips 60-67
    78,
    82,
    13,
    312,
    308,
    317,
    14,
    87,
)

HALPE136_FACE = slice(26, 94)
HALPE136_LEFT_HAND = slice(94, 115)
HALPE136_RIGHT_HAND = slice(115, 136)


def assemble_halpe136(kpts26: np.ndarray,
                      weights26: np.ndarray,
                      sources26: np.ndarray,
                      face: Optional[np.ndarray] = None,
                      face_scores: Optional[np.ndarray] = None,
                      left_hand: Optional[np.ndarray] = None,
                      left_hand_scores: Optional[np.ndarray] = None,
                      right_hand: Optional[np.ndarray] = None,
                      right_hand_scores: Optional[np.ndarray] = None,
                      score_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Halpe-136 labels: the Halpe-26 labels (from :func:`assemble_halpe26`,
    possibly merged with GT) plus face and hand teachers.

    Args:
        kpts26 / weights26 / sources26: (N,26,2) / (N,26) / (N,26), kept as
            they are.
        face / face_scores: (N,68,2) iBUG-68 points, or the (N,468,2) face
            mesh (then mapped with :data:`FACEMESH_TO_IBUG68`), and (N,68) or
            (N,468) scores; None = face unsupervised.
        left_hand / right_hand (+ scores): (N,21,2) / (N,21) for the
            subject's left (at ``left_wrist``) and right hand; None =
            unsupervised. Give an invalid hand (no box) a score of 0.
        score_thr: face/hand points below this score get weight 0 and
            source ``none``.
    Returns:
        keypoints (N,136,2), weights (N,136), sources (N,136) int8; face
        26-93 and hands 94-135 have source ``facemesh`` / ``hand``.
    """
    kpts26 = np.asarray(kpts26, np.float32)
    if kpts26.ndim != 3 or kpts26.shape[1:] != (26, 2):
        raise ValueError(f'assemble_halpe136: kpts26 must be (N,26,2), got {kpts26.shape}')
    n = len(kpts26)
    kpts, weights, sources = _empty_labels(n, 136)
    kpts[:, :26] = kpts26
    weights[:, :26] = weights26
    sources[:, :26] = sources26
    if face is not None:
        face = np.asarray(face, np.float32)
        face_scores = np.asarray(face_scores, np.float32)
        if face.shape[1:] == (468, 2):
            idx = np.asarray(FACEMESH_TO_IBUG68)
            face, face_scores = face[:, idx], face_scores[:, idx]
        parts = [(HALPE136_FACE, face, face_scores, 'facemesh', 68)]
    else:
        parts = []
    for sl, pts, sc in ((HALPE136_LEFT_HAND, left_hand, left_hand_scores),
                        (HALPE136_RIGHT_HAND, right_hand, right_hand_scores)):
        if pts is not None:
            parts.append((sl, np.asarray(pts, np.float32), np.asarray(sc, np.float32), 'hand', 21))
    for sl, pts, sc, src, k in parts:
        if pts.shape != (n, k, 2) or sc.shape != (n, k):
            raise ValueError(f'assemble_halpe136: {src} points must be ({n},{k},2) '
                             f'with ({n},{k}) scores, got {pts.shape} / {sc.shape}')
        keep = (sc >= score_thr) & (sc > 0)
        kpts[:, sl] = pts
        weights[:, sl] = np.where(keep, sc, 0)
        sources[:, sl] = np.where(keep, SOURCE_CODES[src], SOURCE_CODES['none'])
    return kpts, weights, sources
