"""Assemble Halpe-26 pseudo-labels from several teachers and merge them with
ground truth.

Each teacher only knows some keypoints. A label set is a pair of arrays
``keypoints (N,K,2)`` and ``weights (N,K)`` (0 = not supervised; a soft
teacher confidence in (0, 1]; GT keypoints get 1) plus ``sources (N,K)``
(int codes, :data:`SOURCE_CODES`) so every label can be traced back.

Halpe-26 order (facts §8.2): 0-16 COCO-17, 17 Head (top), 18 Neck, 19 Hip,
20 LBigToe, 21 RBigToe, 22 LSmallToe, 23 RSmallToe, 24 LHeel, 25 RHeel.
"""
from typing import Dict, Optional, Tuple

import numpy as np

SOURCE_CODES: Dict[str, int] = dict(
    none=0, gt=1, movenet=2, blazepose=3, derived=4)

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


def derive_head_neck_hip(body: np.ndarray, scores: np.ndarray
                         ) -> Tuple[np.ndarray, np.ndarray]:
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
                      (body[:, head_ids] * w[..., None]).sum(1) / np.maximum(wsum, 1e-6),
                      body[:, 0])
    head = centre + HEAD_TOP_RATIO * (centre - neck)
    neck_w = scores[:, [5, 6]].min(1)
    hip_w = scores[:, [11, 12]].min(1)
    head_w = np.minimum(np.max(w, 1), neck_w)
    kpts = np.stack([head, neck, hip], 1)
    weights = np.minimum(np.stack([head_w, neck_w, hip_w], 1), DERIVED_WEIGHT)
    return kpts.astype(np.float32), weights.astype(np.float32)


def assemble_halpe26(body: np.ndarray, body_scores: np.ndarray,
                     blaze: Optional[np.ndarray] = None,
                     blaze_scores: Optional[np.ndarray] = None,
                     score_thr: float = 0.3
                     ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    kpts = np.zeros((n, 26, 2), np.float32)
    weights = np.zeros((n, 26), np.float32)
    sources = np.zeros((n, 26), np.int8)
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


def merge_with_gt(kpts: np.ndarray, weights: np.ndarray, sources: np.ndarray,
                  gt_kpts: np.ndarray, gt_visible: np.ndarray
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
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
