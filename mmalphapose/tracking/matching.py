"""Vectorised association costs and thresholded Hungarian assignment.

Every function takes all tracks and all detections at once and returns a
``(T, D)`` matrix; no Python loop runs over pairs.
"""
from typing import Optional, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmalphapose.structures import bbox_iou
from .kalman_filter import CHI2INV95, KalmanFilterXYAH


def linear_assignment(cost: np.ndarray, thresh: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hungarian assignment that leaves pairs with cost >= ``thresh`` open.

    The cost matrix is padded with dummy rows/columns of cost ``thresh / 2``
    (as LAPJV's ``cost_limit``), so a pair is matched only when that is
    cheaper than leaving both sides unmatched. ``inf``/NaN mean forbidden.

    Returns:
        tuple: ``matches (M, 2)`` of (row, col), unmatched rows, unmatched
        columns (int64 arrays).
    """
    cost = np.asarray(cost, dtype=np.float64)
    n, m = cost.shape
    if n == 0 or m == 0:
        return (np.zeros((0, 2), np.int64), np.arange(n,
                                                      dtype=np.int64), np.arange(m, dtype=np.int64))
    big = thresh + 1.0
    c = np.where(np.isfinite(cost) & (cost < thresh), cost, big)
    full = np.full((n + m, n + m), thresh / 2.0)
    full[:n, :m] = c
    full[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(full)
    keep = (rows < n) & (cols < m)
    rows, cols = rows[keep], cols[keep]
    keep = c[rows, cols] < thresh
    matches = np.stack([rows[keep], cols[keep]], axis=1).astype(np.int64)
    un_r = np.setdiff1d(np.arange(n), matches[:, 0]).astype(np.int64)
    un_c = np.setdiff1d(np.arange(m), matches[:, 1]).astype(np.int64)
    return matches, un_r, un_c


def iou_distance(bboxes_a: np.ndarray, bboxes_b: np.ndarray) -> np.ndarray:
    """``1 - IoU`` of xyxy boxes, (T, 4) x (D, 4) -> (T, D)."""
    if len(bboxes_a) == 0 or len(bboxes_b) == 0:
        return np.zeros((len(bboxes_a), len(bboxes_b)))
    return 1.0 - bbox_iou(bboxes_a, bboxes_b).astype(np.float64)


def embedding_distance(track_feats: np.ndarray, det_feats: np.ndarray) -> np.ndarray:
    """Cosine distance clipped at 0: (T, C) x (D, C) -> (T, D)."""
    a = np.asarray(track_feats, dtype=np.float64)
    b = np.asarray(det_feats, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.maximum(0.0, 1.0 - a @ b.T)


def pose_oks(kpts_a: np.ndarray,
             valid_a: np.ndarray,
             kpts_b: np.ndarray,
             valid_b: np.ndarray,
             areas: np.ndarray,
             sigmas: np.ndarray,
             extra_var: Optional[np.ndarray] = None) -> np.ndarray:
    """Object keypoint similarity between two sets of poses.

    Only keypoints valid in both poses count, as in COCO's OKS with the GT
    visibility: ``exp(-d^2 / (2 * area * (2 sigma)^2))`` averaged over them.

    Args:
        kpts_a (np.ndarray): (T, K, 2) keypoints.
        valid_a (np.ndarray): (T, K) bool.
        kpts_b (np.ndarray): (D, K, 2) keypoints.
        valid_b (np.ndarray): (D, K) bool.
        areas (np.ndarray): (T, D) object areas (scale^2) per pair.
        sigmas (np.ndarray): (K,) per-keypoint sigmas.
        extra_var (np.ndarray, optional): (T,) positional variance (px^2)
            of the poses in ``kpts_a`` (e.g. a motion model's uncertainty),
            added to every keypoint's ``area * (2 sigma)^2``.

    Returns:
        np.ndarray: (T, D) OKS in [0, 1]; NaN where no keypoint is shared.
    """
    T, D = len(kpts_a), len(kpts_b)
    if T == 0 or D == 0:
        return np.zeros((T, D))
    var = (2.0 * np.asarray(sigmas, dtype=np.float64))**2  # (K,)
    d2 = ((kpts_a[:, None].astype(np.float64) - kpts_b[None])**2).sum(-1)
    spread = np.maximum(areas, 1e-6)[..., None] * var  # (T, D, K)
    if extra_var is not None:
        spread = spread + np.asarray(extra_var, np.float64)[:, None, None]
    e = d2 / (2.0 * spread)
    both = valid_a[:, None, :] & valid_b[None, :, :]
    n = both.sum(-1)
    s = (np.exp(-e) * both).sum(-1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def fuse_motion(kf: KalmanFilterXYAH,
                cost: np.ndarray,
                mean: np.ndarray,
                covariance: np.ndarray,
                det_xyah: np.ndarray,
                lambda_: float = 0.98,
                gate: Optional[float] = CHI2INV95[4],
                only_position: bool = False) -> np.ndarray:
    """Blend a cost with the Kalman Mahalanobis distance and gate it.

    ``cost = lambda_ * cost + (1 - lambda_) * gating_distance``, set to inf
    where the distance exceeds ``gate`` (chi2inv95 with 4 dof by default;
    use ``CHI2INV95[2]`` with ``only_position``, which measures the box
    centre only, so a jump of the box size is not gated out).
    """
    if cost.size == 0:
        return cost
    gd = kf.gating_distance(mean, covariance, det_xyah, only_position=only_position)
    out = lambda_ * cost + (1.0 - lambda_) * gd
    if gate is not None:
        out = np.where(gd > gate, np.inf, out)
    return out
