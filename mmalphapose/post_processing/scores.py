"""AlphaPose's person (proposal) score, for N people at once.

The score of a person is ``mean_k(c_k) + box_score + 1.25 * max_k(c_k)`` over
its keypoint scores ``c`` (alphapose/utils/pPose_nms.py:482: the ``score`` of AlphaPose's JSON, the
validation rescoring and PoseFlow's ``drop`` threshold all use it). By
convention the person score of an instance set lives in the InstanceData
field ``scores``.

Whole-body models (Halpe-136, COCO-WholeBody-133) score a person from its
body keypoints (body and feet, ``keypoint_ids``): low face / hand scores of a
small or turned person say nothing about whether the person is there, and
with them the whole-body model would rank and drop the same people
differently from the body model that shares its body keypoints (issue 31).
"""
from typing import Any, Dict, Optional, Sequence

import numpy as np

from .utils import resolve_wholebody_groups

#: weight of the best keypoint score in the proposal score
MAX_KEYPOINT_WEIGHT = 1.25


def proposal_score(keypoint_scores: Any,
                   bbox_scores: Any,
                   keypoint_ids: Optional[Sequence[int]] = None) -> np.ndarray:
    """AlphaPose's proposal score of N people.

    Args:
        keypoint_scores: (N, K) or (N, K, 1) keypoint scores, array-like
            (numpy arrays and lists; a CPU tensor converts through numpy,
            others through :func:`~mmalphapose.utils.array_conversion.to_numpy`).
        bbox_scores: (N,) or (N, 1) box scores, array-like.
        keypoint_ids: the keypoints ``c`` is taken over (e.g. the body ids of
            :func:`person_keypoint_ids`); None: all K.

    Returns:
        (N,) float64 ``mean(c) + bbox_score + 1.25 * max(c)``.

    Raises:
        ValueError: the shapes do not agree, or K is 0.
    """
    boxes = np.asarray(bbox_scores, np.float64).reshape(-1)
    kpts = np.asarray(keypoint_scores, np.float64)
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
    if keypoint_ids is not None:
        ids = np.asarray(keypoint_ids, dtype=np.int64).reshape(-1)
        if ids.size == 0 or ids.min() < 0 or ids.max() >= kpts.shape[1]:
            raise ValueError(f'proposal_score: keypoint_ids must be non-empty ids below '
                             f'K={kpts.shape[1]}, got {ids.tolist()[:8]}')
        kpts = kpts[:, ids]
    return kpts.mean(axis=1) + boxes + MAX_KEYPOINT_WEIGHT * kpts.max(axis=1)


def person_keypoint_ids(num_keypoints: int,
                        parts: Optional[Dict[str, Sequence[int]]] = None) -> Optional[np.ndarray]:
    """Keypoints a person is scored by: the body ids (body and feet, every
    keypoint outside the face and the hands) of a whole-body layout, else None
    (all K).

    Args:
        num_keypoints: K.
        parts: ``PoseMetainfo.parts``; without face and hand parts a layout
            counts as whole-body only when K is 133 or 136 (bundled parts).

    Returns:
        (B,) int64 ids, or None for a body layout.
    """
    if parts and all(p in parts for p in ('face', 'left_hand', 'right_hand')):
        return resolve_wholebody_groups(num_keypoints, parts)[0]
    if num_keypoints in (133, 136):
        return resolve_wholebody_groups(num_keypoints, None)[0]
    return None


__all__ = ['proposal_score', 'person_keypoint_ids', 'MAX_KEYPOINT_WEIGHT']
