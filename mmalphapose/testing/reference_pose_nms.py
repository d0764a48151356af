"""Plain, loop-per-pose reference of AlphaPose's parametric pose NMS.

Written directly from docs/alphapose_facts.md §4 (one pose pair at a time,
no cross-pose vectorisation) and used as the test oracle of
``mmalphapose.post_processing.ParametricPoseNMS`` and as the baseline of
``benchmarks/pose_nms.py``. Deliberately independent of the package's own
code (its constants and the proposal score are written out here again).
"""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

BODY = dict(delta1=1.0, mu=1.7, delta2=2.65, gamma=22.48, score_thr=0.3, match_thr=5.0, alpha=0.1)
REGRESSION = dict(
    delta1=1.0, mu=1.65, delta2=8.0, gamma=3.6, score_thr=0.01, match_thr=3.0, alpha=0.15)
WB = dict(
    face_factor=1.9,
    hand_factor=0.55,
    face_weight_score=1.0,
    hand_weight_score=0.1,
    face_weight_dist=1.0,
    hand_weight_dist=1.5)


def _kp_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-keypoint distance between two single poses (K,2) -> (K,)."""
    diff = a - b
    return np.sqrt(np.sum(diff * diff, axis=-1))


def _similarity(c: Dict, sr: np.ndarray, sj: np.ndarray, d: np.ndarray,
                groups: Optional[Sequence[np.ndarray]]) -> float:
    if groups is None:
        s_term = 0.0
        for k in range(d.size):
            if d[k] <= 1:
                s_term += math.tanh(sr[k] / c['delta1']) * math.tanh(sj[k] / c['delta1'])
        h_term = np.sum(np.exp(-d / c['delta2']))
        return s_term + c['mu'] * h_term
    body, face, hand = groups
    low = sj < c['score_thr']
    s = np.tanh(sr / c['delta1']) * np.tanh(sj / c['delta1']) * ((d <= 1) & low)
    fac = np.ones(d.size)
    fac[face] = c['face_factor']
    fac[hand] = c['hand_factor']
    h = np.exp(-d / (c['delta2'] * fac))
    h[low] = 0
    return (s[body].mean() + s[face].mean() * c['face_weight_score'] +
            s[hand].mean() * c['hand_weight_score'] + c['mu'] *
            (h[body].mean() + h[face].mean() * c['face_weight_dist'] +
             h[hand].mean() * c['hand_weight_dist']))


def _match_count(c: Dict, sr: np.ndarray, d: np.ndarray, ref_dist: float, groups, n_remaining: int,
                 norm: str) -> float:
    r = min(ref_dist, 7.0)
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = d / r
    if groups is None:
        return float(np.sum(ratio <= 1))
    body, face, hand = groups
    n_valid = int(np.sum(sr > c['score_thr'] / 2))
    if n_valid == 0:
        return 0.0
    matched = (
        np.sum(ratio[body] <= 1) + np.sum(ratio[face] <= c['face_factor']) +
        np.sum(ratio[hand] <= c['hand_factor']))
    if norm == 'alphapose':
        return matched / (2.0 * n_remaining * n_valid) / 2 * d.size
    return matched / n_valid * d.size


def reference_pose_nms(keypoints: np.ndarray,
                       keypoint_scores: np.ndarray,
                       bboxes: np.ndarray,
                       bbox_scores: np.ndarray,
                       consts: Optional[Dict] = None,
                       groups: Optional[Sequence[np.ndarray]] = None,
                       min_box_area: float = 0.0,
                       match_norm: str = 'valid') -> List[Dict]:
    """Reference P-NMS, one pose pair at a time.

    Args:
        keypoints: (N, K, 2); keypoint_scores: (N, K); bboxes: (N, 4) xyxy;
            bbox_scores: (N,).
        consts: overrides of :data:`BODY` / :data:`WB` (e.g. :data:`REGRESSION`).
        groups: (body+feet, face, hands) keypoint ids: the whole-body version.
        min_box_area: drop merged poses whose 1.5x extent box is smaller.
        match_norm: ``'valid'`` or ``'alphapose'`` normalisation of the match count.

    Returns:
        one dict per kept pose in pick order: ``index``, ``keypoints`` (K, 2),
        ``keypoint_scores`` (K,), ``members`` (merged pose ids), ``proposal_score``.
    """
    c = dict(BODY)
    c.update(WB)
    c.update(consts or {})
    kpts = np.asarray(keypoints, dtype=np.float64)
    scores = np.array(keypoint_scores, dtype=np.float64)
    scores[scores == 0] = 1e-5
    n = kpts.shape[0]
    ref_dists = [c['alpha'] * max(b[2] - b[0], b[3] - b[1]) for b in bboxes]
    human = [float(np.mean(scores[i])) for i in range(n)]

    remaining = list(range(n))
    picks, members = [], []
    while remaining:
        best = remaining[0]
        for i in remaining:
            if human[i] > human[best]:
                best = i
        deleted = []
        for j in remaining:
            d = _kp_dist(kpts[best], kpts[j])
            simi = _similarity(c, scores[best], scores[j], d, groups)
            count = _match_count(c, scores[best], d, ref_dists[best], groups, len(remaining),
                                 match_norm)
            if j == best or simi > c['gamma'] or count >= c['match_thr']:
                deleted.append(j)
        picks.append(best)
        members.append(deleted)
        remaining = [j for j in remaining if j not in deleted]

    results = []
    for p, group in zip(picks, members):
        if np.max(scores[p]) < c['score_thr']:
            continue
        radius = min(ref_dists[p], 15.0)
        k_num = kpts.shape[1]
        pose = np.zeros((k_num, 2))
        pose_score = np.zeros(k_num)
        for k in range(k_num):
            near = [j for j in group if np.linalg.norm(kpts[j, k] - kpts[p, k]) <= radius]
            total = sum(scores[j, k] for j in near)
            for j in near:
                w = scores[j, k] / total
                pose[k] += w * kpts[j, k]
                pose_score[k] += w * scores[j, k]
        if pose_score.max() < c['score_thr']:
            continue
        ext = pose.max(axis=0) - pose.min(axis=0)
        if 1.5**2 * ext[0] * ext[1] < min_box_area:
            continue
        results.append(
            dict(
                index=p,
                keypoints=pose,
                keypoint_scores=pose_score,
                members=group,
                proposal_score=pose_score.mean() + bbox_scores[p] + 1.25 * pose_score.max()))
    return results
