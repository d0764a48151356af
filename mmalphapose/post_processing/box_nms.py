"""Greedy box NMS in numpy (no mmcv ops, no torchvision) and the person-box
filter of the detectors: the one box NMS of the package, used by the ONNX
person detector, the mmdet and detection-file detectors
(``apis/detection.py``)."""
from typing import Optional, Tuple

import numpy as np


def box_nms(bboxes: np.ndarray,
            scores: np.ndarray,
            iou_thr: float,
            labels: Optional[np.ndarray] = None) -> np.ndarray:
    """Greedy NMS on xyxy boxes.

    The IoU matrix is computed once (vectorised, float32 as
    :func:`~mmalphapose.structures.bbox_iou`); the greedy pass walks the
    boxes by descending score (ties: lower index first) and drops every later
    box whose IoU with a kept one exceeds ``iou_thr``.

    Args:
        bboxes: (N, 4) xyxy boxes (numpy array or array-like).
        scores: (N,) scores.
        iou_thr: IoU above which the lower-scored box is suppressed.
        labels: optional (N,) class ids; boxes of different classes never
            suppress each other (class-aware NMS).

    Returns:
        (M,) int64 indices of the kept boxes, by descending score.

    Raises:
        ValueError: the shapes do not agree.
    """
    boxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float64).reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f'box_nms: {len(scores)} scores for {len(boxes)} boxes')
    if len(boxes) == 0:
        return np.zeros((0, ), dtype=np.int64)
    order = np.argsort(-scores, kind='stable')
    b = boxes[order]
    wh = np.clip(np.minimum(b[:, None, 2:], b[None, :, 2:]) -
                 np.maximum(b[:, None, :2], b[None, :, :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    size = np.clip(b[:, 2:] - b[:, :2], 0, None)
    area = size[:, 0] * size[:, 1]
    union = area[:, None] + area[None, :] - inter
    iou = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)
    over = iou > iou_thr
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(boxes):
            raise ValueError(f'box_nms: {len(labels)} labels for {len(boxes)} boxes')
        over &= labels[order][:, None] == labels[order][None, :]
    suppressed = np.zeros(len(order), dtype=bool)
    keep = []
    for i in range(len(order)):
        if not suppressed[i]:
            keep.append(i)
            suppressed |= over[i]
    return order[np.asarray(keep, dtype=np.int64)]


def filter_boxes(bboxes: np.ndarray,
                 scores: np.ndarray,
                 labels: Optional[np.ndarray],
                 person_id: int,
                 score_thr: float,
                 nms_thr: Optional[float],
                 img_shape: Optional[Tuple[int, int]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Keep valid person boxes above ``score_thr`` (+ optional NMS).

    Boxes (n,4) xyxy that are not finite, have no area or (with ``img_shape``
    = (h, w)) lie wholly outside the image are dropped; with ``labels``, only
    those of class ``person_id`` are kept.

    Returns:
        bboxes (m,4) and scores (m,), float32.
    """
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    keep = np.isfinite(bboxes).all(1) & np.isfinite(scores) & (scores >= score_thr)
    keep &= (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1])
    if img_shape is not None:
        h, w = img_shape[:2]
        keep &= (bboxes[:, 2] > 0) & (bboxes[:, 3] > 0) & (bboxes[:, 0] < w) & (bboxes[:, 1] < h)
    if labels is not None:
        keep &= np.asarray(labels).reshape(-1) == person_id
    bboxes, scores = bboxes[keep], scores[keep]
    if nms_thr is not None and nms_thr < 1 and len(bboxes) > 1:
        idx = box_nms(bboxes, scores, nms_thr)
        bboxes, scores = bboxes[idx], scores[idx]
    return bboxes, scores


__all__ = ['box_nms', 'filter_boxes']
