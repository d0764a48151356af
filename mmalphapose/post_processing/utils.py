"""Helpers shared by the pose-NMS modules: metainfo loading and input checks."""
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.structures.pose_metainfo import PoseMetainfo
from mmalphapose.utils.array_conversion import to_numpy

MetaInfo = Union[None, str, Dict[str, Any]]


def load_metainfo(metainfo: MetaInfo) -> Optional[PoseMetainfo]:
    """:meth:`PoseMetainfo.load` that lets ``None`` through.

    Args:
        metainfo: None; a path to a ``configs/_base_/datasets/*.py`` file;
            ``dict(from_file=...)``; a raw ``dataset_info`` dict; or an
            already parsed metainfo (a PoseMetainfo is returned as is).
    """
    if metainfo is None:
        return None
    return PoseMetainfo.load(metainfo)


def get_pose_arrays(
    instances: InstanceData,
    need_bboxes: bool = True,
    dtype=np.float64
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
    """Read and validate keypoints (N,K,2), keypoint_scores (N,K),
    bboxes (N,4) and bbox_scores (N,) from ``instances`` as ``dtype`` arrays
    (P-NMS reads float32, the pipeline's dtype: the pipeline's numpy arrays
    are used as they are, anything else goes through :func:`to_numpy`).

    Bboxes / bbox_scores are None when absent and ``need_bboxes`` is False.
    Raises ValueError naming the bad field on wrong shapes or NaN/inf values.
    """
    for key in ('keypoints', 'keypoint_scores'):
        if key not in instances:
            raise KeyError(f'pose NMS needs instances.{key}; got fields '
                           f'{sorted(instances.keys())}')
    arrays = {}
    for key in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
        value = instances.get(key)
        # the pipeline's arrays (numpy, ``dtype``) are read as they are, no
        # copy and no conversion; tensors / other dtypes / lists converted
        if value is not None and not (type(value) is np.ndarray and value.dtype == dtype):
            value = to_numpy(value, dtype, f'instances.{key}')
        arrays[key] = value
    kpts, scores = arrays['keypoints'], arrays['keypoint_scores']
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
        bboxes = arrays['bboxes'].reshape(-1, 4) if n else np.zeros((0, 4), dtype)
        if bboxes.shape != (n, 4):
            raise ValueError(f'instances.bboxes must have shape ({n}, 4), got '
                             f'{bboxes.shape}')
    elif need_bboxes:
        raise KeyError('pose NMS needs instances.bboxes (N, 4) xyxy')
    if 'bbox_scores' in instances:
        bbox_scores = arrays['bbox_scores'].reshape(-1)
        if bbox_scores.shape != (n, ):
            raise ValueError(f'instances.bbox_scores must have shape ({n},), got '
                             f'{bbox_scores.shape}')
    elif need_bboxes:
        raise KeyError('pose NMS needs instances.bbox_scores (N,)')
    for name, arr in (('keypoints', kpts), ('keypoint_scores', scores), ('bboxes', bboxes),
                      ('bbox_scores', bbox_scores)):
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
        parts: Optional[Dict[str,
                             Sequence[int]]] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split keypoint ids into (body incl. feet, face, hands) index arrays.

    Uses ``parts`` (``PoseMetainfo.parts``: body/foot/face/left_hand/
    right_hand) when given; otherwise the parts of the bundled metainfo with
    ``num_keypoints`` keypoints (COCO-WholeBody-133, Halpe-136).
    """
    if not parts:
        try:
            parts = PoseMetainfo.for_num_keypoints(num_keypoints).parts
        except ValueError as err:
            raise ValueError(f'whole-body P-NMS with {num_keypoints} keypoints needs '
                             f'explicit parts (face / left_hand / right_hand): {err}') from None
    missing = [p for p in ('face', 'left_hand', 'right_hand') if p not in parts]
    if missing:
        raise ValueError(f'whole-body P-NMS needs parts {missing} in metainfo '
                         f'(got {sorted(parts)})')
    face = np.unique(np.asarray(parts['face'], dtype=np.int64))
    hand = np.concatenate(
        [np.unique(np.asarray(parts[p], dtype=np.int64)) for p in ('left_hand', 'right_hand')])
    if not face.size or not hand.size:
        raise ValueError('whole-body P-NMS needs non-empty face and hand parts')
    if max(face.max(), hand.max()) >= num_keypoints or min(face.min(), hand.min()) < 0:
        raise ValueError(f'metainfo parts index beyond {num_keypoints} keypoints')
    other = np.setdiff1d(np.arange(num_keypoints), np.concatenate([face, hand]))
    return other, face, hand
