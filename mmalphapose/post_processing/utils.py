"""Helpers shared by the pose-NMS modules: metainfo loading and input checks."""
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
from mmengine.structures import InstanceData

MetaInfo = Union[None, str, Dict[str, Any]]


def load_metainfo(metainfo: MetaInfo) -> Optional[Dict[str, Any]]:
    """Return a parsed (MMPose 1.x flat) metainfo dict, or None.

    Args:
        metainfo: None; a path to a ``configs/_base_/datasets/*.py`` file;
            ``dict(from_file=...)``; a raw ``dataset_info`` dict; or a dict
            already returned by :func:`parse_pose_metainfo` (has
            ``num_keypoints``).
    """
    if metainfo is None:
        return None
    if isinstance(metainfo, str):
        metainfo = dict(from_file=metainfo)
    if not isinstance(metainfo, dict):
        raise TypeError('metainfo must be None, a path or a dict, got '
                        f'{type(metainfo).__name__}')
    if 'num_keypoints' in metainfo:
        return metainfo
    from mmalphapose.datasets import parse_pose_metainfo
    return parse_pose_metainfo(metainfo)


def _to_numpy(value: Any, name: str) -> np.ndarray:
    if hasattr(value, 'detach'):  # torch tensor
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f'instances.{name} cannot be converted to a float '
                        f'array: {err}') from err


def get_pose_arrays(
        instances: InstanceData,
        need_bboxes: bool = True
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
    """Read and validate keypoints (N,K,2), keypoint_scores (N,K),
    bboxes (N,4) and bbox_scores (N,) from ``instances`` as float64 arrays.

    Bboxes / bbox_scores are None when absent and ``need_bboxes`` is False.
    Raises ValueError naming the bad field on wrong shapes or NaN/inf values.
    """
    for key in ('keypoints', 'keypoint_scores'):
        if key not in instances:
            raise KeyError(f'pose NMS needs instances.{key}; got fields '
                           f'{sorted(instances.keys())}')
    kpts = _to_numpy(instances.keypoints, 'keypoints')
    scores = _to_numpy(instances.keypoint_scores, 'keypoint_scores')
    if kpts.ndim != 3 or kpts.shape[-1] != 2:
        raise ValueError('instances.keypoints must have shape (N, K, 2), got '
                         f'{kpts.shape}')
    n, k = kpts.shape[:2]
    if scores.shape == (n, k, 1):
        scores = scores[..., 0]
    if scores.shape != (n, k):
        raise ValueError(f'instances.keypoint_scores must have shape ({n}, {k}),'
                         f' got {scores.shape}')
    bboxes = bbox_scores = None
    if 'bboxes' in instances:
        bboxes = _to_numpy(instances.bboxes, 'bboxes').reshape(-1, 4) \
            if n else np.zeros((0, 4))
        if bboxes.shape != (n, 4):
            raise ValueError(f'instances.bboxes must have shape ({n}, 4), got '
                             f'{bboxes.shape}')
    elif need_bboxes:
        raise KeyError('pose NMS needs instances.bboxes (N, 4) xyxy')
    if 'bbox_scores' in instances:
        bbox_scores = _to_numpy(instances.bbox_scores, 'bbox_scores').reshape(-1)
        if bbox_scores.shape != (n, ):
            raise ValueError(f'instances.bbox_scores must have shape ({n},), got '
                             f'{bbox_scores.shape}')
    elif need_bboxes:
        raise KeyError('pose NMS needs instances.bbox_scores (N,)')
    for name, arr in (('keypoints', kpts), ('keypoint_scores', scores),
                      ('bboxes', bboxes), ('bbox_scores', bbox_scores)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise ValueError(f'instances.{name} contains NaN or inf values')
    return kpts, scores, bboxes, bbox_scores


def select_instances(instances: InstanceData, keep: np.ndarray) -> InstanceData:
    """``instances[keep]`` that also works for an empty ``keep``."""
    keep = np.asarray(keep, dtype=np.int64)
    if len(instances) == 0:
        return instances.new(metainfo=instances.metainfo)
    return instances[keep]


def resolve_wholebody_groups(
        num_keypoints: int,
        parts: Optional[Dict[str, List[int]]] = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split keypoint ids into (body incl. feet, face, hands) index arrays.

    Uses ``parts`` (from metainfo: body/foot/face/left_hand/right_hand) when
    given; otherwise AlphaPose's layout where the last 110 keypoints are
    68 face + 42 hand points (true for both Halpe-136 and COCO-WholeBody-133).
    """
    if parts:
        missing = [p for p in ('face', 'left_hand', 'right_hand') if p not in parts]
        if missing:
            raise ValueError(f'whole-body P-NMS needs parts {missing} in metainfo '
                             f'(got {sorted(parts)})')
        face = np.asarray(sorted(parts['face']), dtype=np.int64)
        hand = np.asarray(sorted(parts['left_hand']) + sorted(parts['right_hand']),
                          dtype=np.int64)
        other = np.setdiff1d(np.arange(num_keypoints), np.concatenate([face, hand]))
        if max(face.max(), hand.max()) >= num_keypoints:
            raise ValueError(f'metainfo parts index beyond {num_keypoints} keypoints')
        return other, face, hand
    if num_keypoints <= 110:
        raise ValueError(f'whole-body P-NMS with {num_keypoints} keypoints needs '
                         'explicit parts (face / left_hand / right_hand)')
    ids = np.arange(num_keypoints)
    return ids[:-110], ids[-110:-42], ids[-42:]
