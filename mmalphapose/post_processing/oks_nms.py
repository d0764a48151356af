"""OKS-based pose NMS (hard and soft), as in AlphaPose's ``--oks-nms``.

Each pose is first rescored as box score x mean of its keypoint scores above
``vis_thr``; then greedy NMS on the object keypoint similarity (OKS) with the
dataset's per-keypoint sigmas.
"""
from typing import Optional, Tuple

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import POSE_NMS
from .utils import MetaInfo, get_pose_arrays, load_metainfo, select_instances


def oks_iou(ref_kpts: np.ndarray,
            kpts: np.ndarray,
            ref_area: float,
            areas: np.ndarray,
            sigmas: np.ndarray,
            ref_scores: Optional[np.ndarray] = None,
            scores: Optional[np.ndarray] = None,
            vis_thr: Optional[float] = None) -> np.ndarray:
    """OKS of one pose (K,2) against poses (N,K,2).

    ``e = d^2 / (2 sigma)^2 / ((a_ref + a) / 2 + eps) / 2``, OKS = mean exp(-e)
    over keypoints (only those with both scores > ``vis_thr`` when given;
    0 when none qualifies).
    """
    var = (2 * np.asarray(sigmas, dtype=np.float64))**2
    d2 = np.sum((kpts - ref_kpts[None])**2, axis=-1)
    denom = (ref_area + areas)[:, None] / 2 + np.spacing(1)
    sim = np.exp(-d2 / var[None] / denom / 2)
    if vis_thr is None:
        return sim.mean(axis=1)
    valid = (ref_scores[None] > vis_thr) & (scores > vis_thr)
    num = valid.sum(axis=1)
    return np.where(num > 0, (sim * valid).sum(axis=1) / np.maximum(num, 1), 0.0)


class _BaseOKSNMS:
    """Shared set-up of the OKS NMS variants."""

    def __init__(self,
                 metainfo: MetaInfo = None,
                 sigmas=None,
                 thr: float = 0.9,
                 vis_thr: float = 0.2,
                 oks_vis_thr: Optional[float] = None) -> None:
        meta = load_metainfo(metainfo)
        if sigmas is None:
            if meta is None:
                raise ValueError(f'{self.__class__.__name__} needs metainfo (for '
                                 'the keypoint sigmas) or explicit sigmas')
            sigmas = meta['sigmas']
        self.sigmas = np.asarray(sigmas, dtype=np.float64).reshape(-1)
        self.thr = float(thr)
        self.vis_thr = float(vis_thr)
        self.oks_vis_thr = oks_vis_thr

    def _prepare(self, instances: InstanceData):
        kpts, scores, bboxes, bbox_scores = get_pose_arrays(instances)
        if kpts.shape[0] and kpts.shape[1] != self.sigmas.size:
            raise ValueError(f'{self.__class__.__name__}: {self.sigmas.size} sigmas '
                             f'but instances.keypoints has {kpts.shape[1]} keypoints')
        if 'areas' in instances:
            areas = np.asarray(instances.areas, dtype=np.float64).reshape(-1)
        else:
            wh = np.clip(bboxes[:, 2:] - bboxes[:, :2], 0, None)
            areas = wh[:, 0] * wh[:, 1]
        vis = scores > self.vis_thr
        num = vis.sum(axis=1)
        kpt_mean = np.where(num > 0, (scores * vis).sum(axis=1) / np.maximum(num, 1), 0)
        return kpts, scores, areas, bbox_scores * kpt_mean

    def _oks(self, i: int, rest: np.ndarray, kpts, scores, areas) -> np.ndarray:
        return oks_iou(kpts[i], kpts[rest], areas[i], areas[rest], self.sigmas, scores[i],
                       scores[rest], self.oks_vis_thr)

    def _output(self, instances: InstanceData, keep, nms_scores) -> Tuple[InstanceData, np.ndarray]:
        keep = np.asarray(keep, dtype=np.int64)
        kept = select_instances(instances, keep)
        if len(keep):
            kept.nms_scores = np.asarray(nms_scores, dtype=np.float64)
        return kept, keep

    def __call__(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        return self.nms(instances)


@POSE_NMS.register_module()
class OKSNMS(_BaseOKSNMS):
    """Greedy OKS-NMS: keep a pose if its OKS to every kept pose is <= thr.

    Args:
        metainfo: dataset metainfo (path / dict) providing ``sigmas``.
        sigmas: explicit per-keypoint sigmas (override metainfo).
        thr: OKS threshold (AlphaPose 0.9).
        vis_thr: keypoint score threshold of the rescoring (0.2).
        oks_vis_thr: if set, OKS only over keypoints scored above it in both.
    """

    def nms(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        """Returns kept instances (descending score, ``nms_scores`` added) and
        their input indices."""
        if len(instances) == 0:
            return self._output(instances, [], [])
        kpts, scores, areas, rescored = self._prepare(instances)
        order = np.argsort(-rescored, kind='stable')
        keep = []
        while order.size:
            i = order[0]
            keep.append(i)
            rest = order[1:]
            oks = self._oks(i, rest, kpts, scores, areas)
            order = rest[oks <= self.thr]
        return self._output(instances, keep, rescored[keep])


@POSE_NMS.register_module()
class SoftOKSNMS(_BaseOKSNMS):
    """Soft OKS-NMS: decay the scores of overlapping poses instead of
    removing them.

    The kept instances carry the decayed score as their person score in
    ``scores`` (N,) (the field the writers and the metric read; also in
    ``nms_scores``); poses whose decayed score falls below ``score_thr`` are
    dropped.

    Args:
        method: ``'gaussian'`` (score * exp(-oks^2 / thr)) or ``'linear'``
            (score * (1 - oks) where oks >= thr).
        max_dets: keep at most this many poses (AlphaPose 20).
        score_thr: drop poses whose decayed score falls below this.
        Other args as :class:`OKSNMS`.
    """

    def __init__(self,
                 metainfo: MetaInfo = None,
                 sigmas=None,
                 thr: float = 0.9,
                 vis_thr: float = 0.2,
                 oks_vis_thr: Optional[float] = None,
                 method: str = 'gaussian',
                 max_dets: int = 20,
                 score_thr: float = 0.0) -> None:
        super().__init__(metainfo, sigmas, thr, vis_thr, oks_vis_thr)
        if method not in ('gaussian', 'linear'):
            raise ValueError(f'method must be gaussian or linear, got "{method}"')
        self.method = method
        self.max_dets = int(max_dets)
        self.score_thr = float(score_thr)

    def nms(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        """Returns kept instances (selection order, decayed person score in
        ``scores`` and ``nms_scores``) and their input indices."""
        if len(instances) == 0:
            return self._output(instances, [], [])
        kpts, scores, areas, rescored = self._prepare(instances)
        order = np.argsort(-rescored, kind='stable')
        cur = rescored[order]
        keep, kept_scores = [], []
        while order.size and len(keep) < self.max_dets:
            i = order[0]
            if cur[0] < self.score_thr:
                break
            keep.append(i)
            kept_scores.append(cur[0])
            rest, cur = order[1:], cur[1:].copy()
            oks = self._oks(i, rest, kpts, scores, areas)
            if self.method == 'gaussian':
                cur = cur * np.exp(-oks**2 / self.thr)
            else:
                hit = oks >= self.thr
                cur[hit] = cur[hit] * (1 - oks[hit])
            resort = np.argsort(-cur, kind='stable')
            order, cur = rest[resort], cur[resort]
        kept, keep = self._output(instances, keep, kept_scores)
        if len(keep):
            kept.scores = np.asarray(kept_scores, dtype=np.float64)
        return kept, keep
