"""Vectorised bounding-box conversions.

Boxes are ``xyxy`` unless named otherwise. ``scale`` is the box size
``(w, h)`` in pixels (no /200 pixel_std), as in MMPose 1.x and AlphaPose.
All functions accept a single box ``(4,)`` or a batch ``(N, 4)``.
"""
from typing import Tuple

import numpy as np


def _as_boxes(bbox: np.ndarray, name: str = 'bbox') -> Tuple[np.ndarray, bool]:
    arr = np.asarray(bbox, dtype=np.float32)
    single = arr.ndim == 1
    arr = arr.reshape(-1, arr.shape[-1]) if arr.size else arr.reshape(0, 4)
    if arr.shape[-1] != 4:
        raise ValueError(f'{name} must have 4 values per box, got shape {np.shape(bbox)}')
    return arr, single


def bbox_xyxy2xywh(bbox_xyxy: np.ndarray) -> np.ndarray:
    """(x1, y1, x2, y2) -> (x, y, w, h)."""
    b, single = _as_boxes(bbox_xyxy)
    out = b.copy()
    out[:, 2:] = b[:, 2:] - b[:, :2]
    return out[0] if single else out


def bbox_xywh2xyxy(bbox_xywh: np.ndarray) -> np.ndarray:
    """(x, y, w, h) -> (x1, y1, x2, y2)."""
    b, single = _as_boxes(bbox_xywh)
    out = b.copy()
    out[:, 2:] = b[:, :2] + b[:, 2:]
    return out[0] if single else out


def bbox_xyxy2cs(bbox: np.ndarray, padding: float = 1.0) -> Tuple[np.ndarray, np.ndarray]:
    """xyxy (4,) or (N,4) -> (center (2,) / (N,2), scale = padded (w, h)), float32."""
    b = np.asarray(bbox, dtype=np.float32)
    if b.shape[-1:] != (4, ):
        raise ValueError(f'bbox must have 4 values per box, got shape {b.shape}')
    return (b[..., :2] + b[..., 2:]) * 0.5, (b[..., 2:] - b[..., :2]) * padding


def bbox_xywh2cs(bbox: np.ndarray, padding: float = 1.0) -> Tuple[np.ndarray, np.ndarray]:
    """xywh -> (center, scale)."""
    return bbox_xyxy2cs(bbox_xywh2xyxy(bbox), padding)


def bbox_cs2xyxy(center: np.ndarray, scale: np.ndarray, padding: float = 1.0) -> np.ndarray:
    """(center, scale) -> xyxy, undoing ``padding``."""
    c = np.asarray(center, dtype=np.float32)
    s = np.asarray(scale, dtype=np.float32) / padding
    single = c.ndim == 1
    c, s = c.reshape(-1, 2), s.reshape(-1, 2)
    out = np.concatenate([c - 0.5 * s, c + 0.5 * s], axis=1)
    return out[0] if single else out


def bbox_cs2xywh(center: np.ndarray, scale: np.ndarray, padding: float = 1.0) -> np.ndarray:
    """(center, scale) -> xywh."""
    return bbox_xyxy2xywh(bbox_cs2xyxy(center, scale, padding))


def fix_aspect_ratio(scale: np.ndarray, aspect_ratio: float) -> np.ndarray:
    """Grow (w, h) so that w / h == aspect_ratio (AlphaPose ``_box_to_center_scale``)."""
    s = np.asarray(scale, dtype=np.float32)
    single = s.ndim == 1
    s = s.reshape(-1, 2)
    w, h = s[:, 0], s[:, 1]
    out = np.where((w > h * aspect_ratio)[:, None], np.stack([w, w / aspect_ratio], axis=1),
                   np.stack([h * aspect_ratio, h], axis=1)).astype(np.float32)
    return out[0] if single else out


def bbox_area(bbox: np.ndarray) -> np.ndarray:
    """Area of xyxy boxes (0 for degenerate boxes)."""
    b, single = _as_boxes(bbox)
    wh = np.clip(b[:, 2:] - b[:, :2], 0, None)
    area = wh[:, 0] * wh[:, 1]
    return area[0] if single else area


def bbox_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of xyxy boxes: (N,4) x (M,4) -> (N,M)."""
    a, _ = _as_boxes(a, 'a')
    b, _ = _as_boxes(b, 'b')
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = bbox_area(a)[:, None] + bbox_area(b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)


def flip_bbox(bbox: np.ndarray, image_width: int, bbox_format: str = 'xyxy') -> np.ndarray:
    """Flip boxes horizontally in an image of the given width."""
    b, single = _as_boxes(bbox)
    out = b.copy()
    if bbox_format == 'xyxy':
        out[:, 0] = image_width - b[:, 2]
        out[:, 2] = image_width - b[:, 0]
    elif bbox_format == 'xywh':
        out[:, 0] = image_width - b[:, 0] - b[:, 2]
    elif bbox_format == 'center':
        out[:, 0] = image_width - b[:, 0]
    else:
        raise ValueError(f'unknown bbox_format "{bbox_format}"')
    return out[0] if single else out
