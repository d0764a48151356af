"""Keypoint layout conversion and instance rescoring (vectorised)."""
from typing import Optional, Sequence, Tuple

import numpy as np

from mmalphapose.post_processing.scores import proposal_score
from mmalphapose.utils.array_conversion import as_rows


class KeypointConverter:
    """Map keypoints between layouts, e.g. Halpe-136 predictions -> COCO-17 GT.

    Args:
        num_keypoints: keypoint count of the target layout.
        mapping: ``[(src_id, dst_id), ...]``; target ids not listed get zero
            coordinates and score 0 (so they do not count as predicted).
    """

    def __init__(self, num_keypoints: int, mapping: Sequence[Sequence[int]]):
        pairs = np.asarray(mapping, dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            raise ValueError('KeypointConverter: empty mapping')
        if pairs[:, 1].min() < 0 or pairs[:, 1].max() >= num_keypoints:
            raise ValueError(f'KeypointConverter: target ids must be in 0..{num_keypoints - 1}')
        if len(np.unique(pairs[:, 1])) != len(pairs):
            raise ValueError('KeypointConverter: a target id is mapped twice')
        self.num_keypoints = int(num_keypoints)
        self.src = pairs[:, 0]
        self.dst = pairs[:, 1]

    def __call__(self,
                 keypoints: np.ndarray,
                 scores: Optional[np.ndarray] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Convert (N, K_src, C) keypoints and (N, K_src) scores."""
        kpts = np.asarray(keypoints)
        if self.src.max() >= kpts.shape[1]:
            raise ValueError(f'KeypointConverter: source id {self.src.max()} out of range for '
                             f'{kpts.shape[1]} keypoints')
        out = np.zeros((kpts.shape[0], self.num_keypoints) + kpts.shape[2:], kpts.dtype)
        out[:, self.dst] = kpts[:, self.src]
        out_scores = None
        if scores is not None:
            scores = np.asarray(scores)
            out_scores = np.zeros((scores.shape[0], self.num_keypoints), scores.dtype)
            out_scores[:, self.dst] = scores[:, self.src]
        return out, out_scores

    def __repr__(self) -> str:
        return f'KeypointConverter(num_keypoints={self.num_keypoints}, n_pairs={len(self.src)})'


def rescore_instances(bbox_scores: np.ndarray,
                      keypoint_scores: np.ndarray,
                      mode: str = 'bbox_keypoint',
                      keypoint_score_thr: float = 0.2) -> np.ndarray:
    """Instance score used for ranking in COCO evaluation.

    Modes:
        ``'bbox'``: the box score.
        ``'bbox_keypoint'`` (MMPose / AlphaPose validate): box score x mean
        of the keypoint scores above ``keypoint_score_thr`` (0 if none).
        ``'keypoint'``: that mean alone.
        ``'alphapose'``: AlphaPose's proposal score
        (:func:`mmalphapose.post_processing.scores.proposal_score`).
    """
    bbox_scores = np.asarray(bbox_scores, np.float64).reshape(-1)
    ks = as_rows(keypoint_scores, len(bbox_scores), name='keypoint_scores')
    if mode == 'bbox':
        return bbox_scores
    if mode == 'alphapose':
        return proposal_score(ks, bbox_scores)
    valid = ks > keypoint_score_thr
    n = valid.sum(1)
    mean = np.where(n > 0, (ks * valid).sum(1) / np.maximum(n, 1), 0.)
    if mode == 'bbox_keypoint':
        return bbox_scores * mean
    if mode == 'keypoint':
        return mean
    raise ValueError(f'unknown score_mode "{mode}" '
                     "(use 'bbox', 'bbox_keypoint', 'keypoint' or 'alphapose')")
