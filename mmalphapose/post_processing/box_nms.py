"""Greedy box NMS in numpy (no mmcv ops, no torchvision): the one box NMS of
the package, used by the ONNX person detector and the detection stage."""
from typing import Any, Optional

import numpy as np

from mmalphapose.structures.bbox import bbox_iou
from mmalphapose.utils.array_conversion import to_numpy


def box_nms(bboxes: Any, scores: Any, iou_thr: float, labels: Optional[Any] = None) -> np.ndarray:
    """Greedy NMS on xyxy boxes.

    The IoU matrix is computed once (vectorised); the greedy pass walks the
    boxes by descending score (ties: lower index first) and drops every
    later box whose IoU with a kept one exceeds ``iou_thr``.

    Args:
        bboxes: (N, 4) xyxy boxes.
        scores: (N,) scores.
        iou_thr: IoU above which the lower-scored box is suppressed.
        labels: optional (N,) class ids; boxes of different classes never
            suppress each other (class-aware NMS).

    Returns:
        (M,) int64 indices of the kept boxes, by descending score.

    Raises:
        ValueError: the shapes do not agree.
    """
    boxes = to_numpy(bboxes, np.float64, 'bboxes').reshape(-1, 4)
    scores = to_numpy(scores, np.float64, 'scores').reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f'box_nms: {len(scores)} scores for {len(boxes)} boxes')
    if len(boxes) == 0:
        return np.zeros((0, ), dtype=np.int64)
    order = np.argsort(-scores, kind='stable')
    over = bbox_iou(boxes[order], boxes[order]) > iou_thr
    if labels is not None:
        labels = to_numpy(labels, name='labels').reshape(-1)
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


__all__ = ['box_nms']
