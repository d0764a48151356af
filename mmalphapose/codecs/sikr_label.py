"""Integral-regression label codec of SIKR (AlphaPose's L1JointRegression)."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmalphapose.registry import KEYPOINT_CODECS
from .base import BaseKeypointCodec, _as_numpy

NORM_TYPES = ('sigmoid', 'softmax', 'divide_sum')


def integral_decode(heatmaps: np.ndarray, norm_type: str = 'sigmoid'
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Soft-argmax of (N,K,H,W) logits.

    Returns coordinates in heatmap pixels (N,K,2), pixel ``i`` at position
    ``i``, and confidences (N,K): the sigmoid maximum for ``'sigmoid'``,
    ones otherwise (as AlphaPose).
    """
    if norm_type not in NORM_TYPES:
        raise ValueError(f'norm_type must be one of {NORM_TYPES}, got {norm_type!r}')
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w).astype(np.float64)
    if norm_type == 'sigmoid':
        maps = 1. / (1. + np.exp(-flat))
        scores = maps.max(-1)
    elif norm_type == 'softmax':
        maps = np.exp(flat - flat.max(-1, keepdims=True))
        scores = np.ones((n, k))
    else:
        maps = flat
        scores = np.ones((n, k))
    total = maps.sum(-1, keepdims=True)
    total = np.where(np.abs(total) < 1e-12, 1e-12, total)
    prob = (maps / total).reshape(n, k, h, w)
    cx = (prob.sum(2) * np.arange(w)).sum(-1)
    cy = (prob.sum(3) * np.arange(h)).sum(-1)
    return np.stack([cx, cy], -1).astype(np.float32), scores.astype(np.float32)


@KEYPOINT_CODECS.register_module()
class SIKRLabel(BaseKeypointCodec):
    """Normalised-coordinate labels for integral keypoint regression.

    ``encode``: ``keypoint_labels = p / input_size - 0.5`` (fraction of the
    crop, in [-0.5, 0.5] inside it) and ``keypoint_weights`` = visibility
    (times ``body_weight`` for the first ``num_body_keypoints``, AlphaPose's x2
    quirk for full-skeleton whole-body targets).
    ``decode``: integral soft-argmax over the heatmap logits, normalised by
    ``norm_type`` ('sigmoid': AlphaPose's two-step normalisation, score = max
    of the sigmoid map; 'softmax'; 'divide_sum'); ``x_n = c / W_hm - 0.5``
    is mapped back to crop pixels as ``(x_n + 0.5) * W_in``.
    """

    def __init__(self, input_size: Sequence[int] = (192, 256),
                 heatmap_size: Sequence[int] = (48, 64),
                 norm_type: str = 'sigmoid', body_weight: float = 1.,
                 num_body_keypoints: Optional[int] = None) -> None:
        super().__init__(input_size, heatmap_size)
        if norm_type not in NORM_TYPES:
            raise ValueError(f'norm_type must be one of {NORM_TYPES}, got {norm_type!r}')
        self.norm_type = norm_type
        self.body_weight = float(body_weight)
        self.num_body_keypoints = num_body_keypoints

    def encode(self, keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> Dict:
        """(N,K,2) crop-pixel keypoints -> ``keypoint_labels`` (N,K,2),
        ``keypoint_weights`` (N,K)."""
        keypoints, vis = self._check_keypoints(keypoints, keypoints_visible)
        labels = keypoints / np.array(self.input_size, np.float32) - 0.5
        weights = (vis > 0).astype(np.float32)
        if self.num_body_keypoints and self.body_weight != 1:
            weights[:, :self.num_body_keypoints] *= self.body_weight
        return dict(keypoint_labels=labels.astype(np.float32),
                    keypoint_weights=weights)

    def labels_to_keypoints(self, labels) -> np.ndarray:
        """Normalised coordinates (..., 2) -> crop pixels."""
        return ((_as_numpy(labels) + 0.5) *
                np.array(self.input_size, np.float32)).astype(np.float32)

    def decode(self, encoded) -> Tuple[np.ndarray, np.ndarray]:
        """Heatmap logits (K,H,W) or (N,K,H,W) -> (keypoints (N,K,2) in
        crop pixels, scores (N,K))."""
        hm = self._as_batch(encoded)
        coords, scores = integral_decode(hm, self.norm_type)
        labels = coords / np.array(self.heatmap_size, np.float32) - 0.5
        return self.labels_to_keypoints(labels), scores
