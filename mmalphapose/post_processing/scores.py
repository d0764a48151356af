"""AlphaPose's person (proposal) score, for N people at once.

The score of a person is ``mean_k(c_k) + box_score + 1.25 * max_k(c_k)`` over
its keypoint scores ``c`` (facts §4: the ``score`` of AlphaPose's JSON, the
validation rescoring and PoseFlow's ``drop`` threshold all use it). By
convention the person score of an instance set lives in the InstanceData
field ``scores``.
"""
from typing import Any

import numpy as np

from mmalphapose.utils.array_conversion import to_numpy

#: weight of the best keypoint score in the proposal score
MAX_KEYPOINT_WEIGHT = 1.25


def proposal_score(keypoint_scores: Any, bbox_scores: Any) -> np.ndarray:
    """AlphaPose's proposal score of N people.

    Args:
        keypoint_scores: (N, K) or (N, K, 1) keypoint scores (array or tensor).
        bbox_scores: (N,) or (N, 1) box scores.

    Returns:
        (N,) float64 ``mean(c) + bbox_score + 1.25 * max(c)``.

    Raises:
        ValueError: the shapes do not agree, or K is 0.
    """
    boxes = to_numpy(bbox_scores, np.float64, 'bbox_scores').reshape(-1)
    kpts = to_numpy(keypoint_scores, np.float64, 'keypoint_scores')
    n = boxes.shape[0]
    if kpts.ndim == 3 and kpts.shape[-1] == 1:
        kpts = kpts[..., 0]
    if kpts.ndim != 2 or kpts.shape[0] != n:
        raise ValueError(f'proposal_score: keypoint_scores must be ({n}, K) for {n} box '
                         f'scores, got {kpts.shape}')
    if n == 0:
        return np.zeros(0, np.float64)
    if kpts.shape[1] == 0:
        raise ValueError('proposal_score: keypoint_scores has no keypoints')
    return kpts.mean(axis=1) + boxes + MAX_KEYPOINT_WEIGHT * kpts.max(axis=1)


__all__ = ['proposal_score', 'MAX_KEYPOINT_WEIGHT']
