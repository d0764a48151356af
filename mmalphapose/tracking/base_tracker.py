"""Shared plumbing of the trackers: input parsing, sigmas, output."""
import logging
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.structures import InstanceData

from mmalphapose.structures.pose_metainfo import PoseMetainfo
from mmalphapose.utils.array_conversion import as_rows, to_numpy


def resolve_sigmas(metainfo: Optional[Union[str, dict]] = None,
                   sigmas: Optional[Sequence[float]] = None) -> Optional[np.ndarray]:
    """Per-keypoint OKS sigmas from explicit values or dataset metainfo.

    Args:
        metainfo (str | dict, optional): Anything
            :meth:`~mmalphapose.structures.PoseMetainfo.load` takes (a
            metainfo file path, ``dict(from_file=path)``, a parsed metainfo),
            or a plain ``dict(sigmas=[...])``.
        sigmas (Sequence[float], optional): Explicit sigmas; win over
            ``metainfo``.

    Returns:
        np.ndarray | None: (K,) float64 sigmas, or None when neither is given
        (the tracker then uses :func:`default_sigmas`).
    """
    if sigmas is not None:
        return np.asarray(sigmas, dtype=np.float64).reshape(-1)
    if metainfo is None:
        return None
    if isinstance(metainfo, dict) and 'sigmas' in metainfo and not any(
            k in metainfo for k in ('num_keypoints', 'keypoint_info', 'from_file')):
        return np.asarray(metainfo['sigmas'], dtype=np.float64).reshape(-1)
    try:
        meta = PoseMetainfo.load(metainfo)
    except (TypeError, ValueError) as err:
        raise ValueError(f'tracker metainfo: {err}') from None
    return meta.sigmas.astype(np.float64)


def default_sigmas(num_keypoints: int) -> np.ndarray:
    """(K,) float64 OKS sigmas when no metainfo was given: those of the
    bundled metainfo with K keypoints (COCO-17, Halpe-26, COCO-WholeBody-133,
    Halpe-136), else 0.05 for every keypoint."""
    try:
        return PoseMetainfo.for_num_keypoints(num_keypoints).sigmas.astype(np.float64)
    except ValueError:
        return np.full(num_keypoints, 0.05)


class Detections:
    """The numpy view of one frame's ``pred_instances`` a tracker needs.

    Attributes:
        bboxes (np.ndarray): (N, 4) xyxy float64 (from keypoints when the
            instances hold none).
        scores (np.ndarray): (N,) box scores (1 when absent).
        keypoints (np.ndarray | None): (N, K, 2).
        keypoint_scores (np.ndarray | None): (N, K).
        embeddings (np.ndarray | None): (N, C).
        valid (np.ndarray): (N,) bool; False for NaN or empty boxes.
    """

    def __init__(self, inst: InstanceData) -> None:
        keys = set(inst.keys())
        kpts = kscores = None
        if 'keypoints' in keys and not len(inst.keypoints) and np.ndim(inst.keypoints) != 3:
            keys.discard('keypoints')  # a frame without people: no keypoint layout
        if 'keypoints' in keys:
            kpts = to_numpy(inst.keypoints).astype(np.float64)
            if kpts.ndim != 3 or kpts.shape[-1] < 2:
                raise ValueError('pred_instances.keypoints must be (N, K, 2),'
                                 f' got {kpts.shape}')
            kpts = kpts[..., :2]
            if 'keypoint_scores' in keys:
                kscores = to_numpy(inst.keypoint_scores).astype(np.float64).reshape(kpts.shape[:2])
            else:
                kscores = np.ones(kpts.shape[:2])
        if 'bboxes' in keys:
            bboxes = to_numpy(inst.bboxes).astype(np.float64).reshape(-1, 4)
        elif kpts is not None:
            bboxes = np.concatenate([np.nanmin(kpts, 1), np.nanmax(kpts, 1)],
                                    axis=1) if len(kpts) else np.zeros((0, 4))
        elif not keys or not len(inst):  # a frame without people
            bboxes = np.zeros((0, 4))
        else:
            raise KeyError('pred_instances needs "bboxes" or "keypoints" to '
                           f'be tracked; it has {sorted(keys)}')
        n = len(bboxes)
        if kpts is not None and len(kpts) != n:
            raise ValueError(f'pred_instances: {len(kpts)} keypoint sets for '
                             f'{n} boxes')
        if 'bbox_scores' in keys:
            scores = to_numpy(inst.bbox_scores).astype(np.float64).reshape(-1)
        elif 'scores' in keys:
            scores = to_numpy(inst.scores).astype(np.float64).reshape(-1)
        else:
            scores = np.ones(n)
        emb = None
        if 'embeddings' in keys:
            emb = as_rows(inst.embeddings, n, name='pred_instances.embeddings')
        self.bboxes, self.scores = bboxes, np.nan_to_num(scores, nan=0.0)
        self.keypoints, self.keypoint_scores = kpts, kscores
        self.embeddings = emb
        wh = bboxes[:, 2:] - bboxes[:, :2]
        self.valid = (np.isfinite(bboxes).all(1) & (wh > 0).all(1))
        if emb is not None:
            self.valid &= np.isfinite(emb).all(1)
        if not self.valid.all():
            print_log(
                f'tracker: skipping {int((~self.valid).sum())} instance(s) '
                'with NaN/empty boxes or NaN embeddings',
                logger='current',
                level=logging.WARNING)

    def __len__(self) -> int:
        return len(self.bboxes)

    def keypoint_valid(self, thr: float) -> Optional[np.ndarray]:
        """(N, K) bool: finite keypoints with score above ``thr`` (computed
        once per threshold)."""
        if self.keypoints is None:
            return None
        cache = self.__dict__.setdefault('_valid', {})
        if thr not in cache:
            cache[thr] = (self.keypoint_scores > thr) & np.isfinite(self.keypoints).all(-1)
        return cache[thr]


def attach_track_ids(inst: InstanceData, track_ids: np.ndarray) -> InstanceData:
    """Return a copy of ``inst`` with ``track_ids`` (N,) int64 added."""
    out = inst.clone()
    ids = np.asarray(track_ids, dtype=np.int64).reshape(-1)
    tensors = [v for v in inst.values() if isinstance(v, torch.Tensor)]
    if tensors:
        out.track_ids = torch.from_numpy(ids).to(tensors[0].device)
    else:
        out.track_ids = ids
    return out


def check_frame_id(last: Optional[int], frame_id: int) -> int:
    """Number of frames elapsed since ``last`` (1 for the first frame)."""
    frame_id = int(frame_id)
    if last is None:
        return 1
    if frame_id <= last:
        raise ValueError(f'tracker.update: frame_id {frame_id} is not after '
                         f'the previous frame {last}; call reset() between '
                         'videos')
    return frame_id - last


def empty_track_ids(n: int) -> np.ndarray:
    """(n,) array of -1 (untracked)."""
    return np.full(n, -1, dtype=np.int64)


__all__: Sequence[str] = [
    'Detections', 'resolve_sigmas', 'default_sigmas', 'attach_track_ids', 'check_frame_id',
    'empty_track_ids'
]
