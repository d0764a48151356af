"""Parametric Pose NMS (P-NMS) of AlphaPose / RMPE.

Greedy elimination of redundant poses with the parametric pose distance,
followed by a score-weighted merge of every kept pose with the poses it
eliminated. Body version for COCO-17 / Halpe-26 style skeletons and
whole-body version (Halpe-136, COCO-WholeBody-133) with face / hand factors.

Whole-body poses are by default ranked, matched and kept by their body
keypoints (``person_stats='body'``): the greedy elimination, the person score
and the keep tests are those of the body P-NMS on the body and foot keypoints,
and the face / hand keypoints are merged over the same groups. A whole-body
model then writes the same people with the same body keypoints as a body model
that shares its body (issue 31). AlphaPose's released whole-body P-NMS ranks by
the mean over all keypoints (``alphapose/utils/pPose_nms.py:379``), takes the
similarity as per-part means with face / hand weights
(``pPose_nms.py:602-606``) and the match count per part (``pPose_nms.py:640-655``);
``person_stats='all'`` reproduces it.

The pairwise terms are computed for all interacting pairs at once (numpy,
chunked to bound memory; pairs whose keypoints are provably too far apart to
interact are skipped); the greedy loop only does cheap row look-ups; the
merge is a single segmented reduction over all poses.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import POSE_NMS
from .scores import proposal_score
from .utils import (MetaInfo, get_pose_arrays, load_metainfo, resolve_wholebody_groups,
                    select_instances)

#: AlphaPose's constants (alphapose/utils/pPose_nms.py:13-19, whole-body
#: :230-234). ``default`` is used for body skeletons and whole-body heatmap
#: models, ``regression`` for whole-body models trained without the pure MSE
#: heatmap loss (regression / combined).
PNMS_PRESETS: Dict[str, Dict[str, float]] = {
    'default':
    dict(delta1=1.0, mu=1.7, delta2=2.65, gamma=22.48, score_thr=0.3, match_thr=5.0, alpha=0.1),
    'regression':
    dict(delta1=1.0, mu=1.65, delta2=8.0, gamma=3.6, score_thr=0.01, match_thr=3.0, alpha=0.15),
}


@POSE_NMS.register_module()
class ParametricPoseNMS:
    """AlphaPose's parametric pose NMS.

    Args:
        metainfo: dataset metainfo (anything :meth:`PoseMetainfo.load`
            takes); its ``num_keypoints`` and ``parts`` are used.
        parts: explicit part split (``face``, ``left_hand``, ``right_hand``,
            ...) overriding the metainfo one.
        preset: ``'default'`` or ``'regression'`` (the alternative
            whole-body constant set); single constants below override it.
        mode: ``'auto'`` (whole-body when face and hand parts are known, or
            when there is no part info and K is 133 or 136), ``'body'`` or
            ``'wholebody'``.
        delta1, mu, delta2, gamma, score_thr, match_thr, alpha: P-NMS
            constants (score temperature, spatial weight, spatial decay,
            similarity threshold, keypoint score threshold, matched keypoint
            count threshold, reference-distance ratio).
        face_factor, hand_factor, face_weight_score, hand_weight_score,
            face_weight_dist, hand_weight_dist: whole-body part factors.
        min_box_area: drop merged poses whose 1.5x keypoint extent area is
            below this (``--min_box_area``).
        zero_score_eps: keypoint scores exactly 0 are replaced by this.
        score_radius: pixel radius of the score-matching term (1).
        match_radius_cap: cap (px) on the keypoint-match radius (7).
        merge_radius_cap: cap (px) on the merge radius (15).
        wholebody_match_norm: ``'valid'`` (matched count / number of valid
            reference keypoints * K, the documented intent) or
            ``'alphapose'`` (the released code's normalisation, which also
            divides by 4 x the number of remaining candidates).
        person_stats: whole-body only: ``'body'`` (default) ranks, matches and
            keeps poses by their body keypoints (the body P-NMS on them; face
            and hands are merged over its groups) and scores them by their
            body keypoints; ``'all'`` is AlphaPose's whole-body P-NMS over
            all keypoints.
        chunk_elems: upper bound of elements per temporary (K, pairs) array.
    """

    def __init__(self,
                 metainfo: MetaInfo = None,
                 parts: Optional[Dict[str, List[int]]] = None,
                 preset: str = 'default',
                 mode: str = 'auto',
                 delta1: Optional[float] = None,
                 mu: Optional[float] = None,
                 delta2: Optional[float] = None,
                 gamma: Optional[float] = None,
                 score_thr: Optional[float] = None,
                 match_thr: Optional[float] = None,
                 alpha: Optional[float] = None,
                 face_factor: float = 1.9,
                 hand_factor: float = 0.55,
                 face_weight_score: float = 1.0,
                 hand_weight_score: float = 0.1,
                 face_weight_dist: float = 1.0,
                 hand_weight_dist: float = 1.5,
                 min_box_area: float = 0.0,
                 zero_score_eps: float = 1e-5,
                 score_radius: float = 1.0,
                 match_radius_cap: float = 7.0,
                 merge_radius_cap: float = 15.0,
                 wholebody_match_norm: str = 'valid',
                 person_stats: str = 'body',
                 chunk_elems: int = 4_000_000) -> None:
        if preset not in PNMS_PRESETS:
            raise ValueError(f'unknown P-NMS preset "{preset}", choose from '
                             f'{sorted(PNMS_PRESETS)}')
        if mode not in ('auto', 'body', 'wholebody'):
            raise ValueError(f'mode must be auto/body/wholebody, got "{mode}"')
        if wholebody_match_norm not in ('valid', 'alphapose'):
            raise ValueError('wholebody_match_norm must be "valid" or '
                             f'"alphapose", got "{wholebody_match_norm}"')
        if person_stats not in ('body', 'all'):
            raise ValueError(f'person_stats must be "body" or "all", got "{person_stats}"')
        consts = dict(PNMS_PRESETS[preset])
        for key, value in dict(
                delta1=delta1,
                mu=mu,
                delta2=delta2,
                gamma=gamma,
                score_thr=score_thr,
                match_thr=match_thr,
                alpha=alpha).items():
            if value is not None:
                consts[key] = float(value)
        self.preset = preset
        self.delta1 = consts['delta1']
        self.mu = consts['mu']
        self.delta2 = consts['delta2']
        self.gamma = consts['gamma']
        self.score_thr = consts['score_thr']
        self.match_thr = consts['match_thr']
        self.alpha = consts['alpha']
        self.face_factor = float(face_factor)
        self.hand_factor = float(hand_factor)
        self.face_weight_score = float(face_weight_score)
        self.hand_weight_score = float(hand_weight_score)
        self.face_weight_dist = float(face_weight_dist)
        self.hand_weight_dist = float(hand_weight_dist)
        self.min_box_area = float(min_box_area)
        self.zero_score_eps = float(zero_score_eps)
        self.score_radius = float(score_radius)
        self.match_radius_cap = float(match_radius_cap)
        self.merge_radius_cap = float(merge_radius_cap)
        self.wholebody_match_norm = wholebody_match_norm
        self.person_stats = person_stats
        self.chunk_elems = int(chunk_elems)
        self.mode = mode

        meta = load_metainfo(metainfo)
        self.num_keypoints = meta.num_keypoints if meta else None
        if parts is None and meta is not None:
            parts = meta.parts
        self.parts = parts
        self._layout_k: Optional[int] = None  # K of the layout below
        if self.num_keypoints is not None:
            self._set_layout(self.num_keypoints)

    def _set_layout(self, k: int) -> None:
        """What depends only on the configuration and K, set once: the
        keypoints a person is ranked, matched, kept and scored by
        (``_person``), the whole-body groups of the pair terms (``_groups``;
        None for body poses), the per-keypoint factors / weights (float64)
        and the interaction radius beyond which a pair can neither exceed
        ``gamma`` nor reach ``match_thr`` (an exact bound: far-apart pairs
        are skipped)."""
        groups = resolve_wholebody_groups(k, self.parts) if self._is_wholebody(k) else None
        self._person = slice(None)
        if groups is not None and self.person_stats == 'body':
            self._person, groups = groups[0], None
        self._groups = groups
        kp = len(self._person) if groups is None and not isinstance(self._person, slice) else k
        factor, w_score, w_dist = np.ones(kp), np.ones(kp), np.ones(kp)
        if groups is not None:
            body, face, hand = groups
            factor[face] = self.face_factor
            factor[hand] = self.hand_factor
            for ids, ws, wd in ((body, 1.0, 1.0), (face, self.face_weight_score,
                                                   self.face_weight_dist),
                                (hand, self.hand_weight_score, self.hand_weight_dist)):
                w_score[ids] = ws / len(ids)
                w_dist[ids] = wd / len(ids)
        self._factor, self._w_score, self._w_dist = factor, w_score, w_dist
        self._radius = np.inf
        if self.match_thr > 0 and self.gamma >= 0:
            radius = max(self.score_radius,
                         self.match_radius_cap * max(1.0, self.face_factor, self.hand_factor))
            h_max = self.mu * float(np.sum(w_dist))
            if h_max > self.gamma:
                radius = np.inf if self.gamma <= 0 else \
                    max(radius, float(self.delta2 * factor.max()) * np.log(h_max / self.gamma))
            self._radius = radius * (1 + 1e-9) + 1e-9
        self._layout_k = k

    # ------------------------------------------------------------------
    def _is_wholebody(self, num_keypoints: int) -> bool:
        if self.mode != 'auto':
            return self.mode == 'wholebody'
        if self.parts:
            return all(p in self.parts for p in ('face', 'left_hand', 'right_hand'))
        return num_keypoints in (133, 136)

    def _near_pairs(self, kpts: np.ndarray, radius: float) -> Tuple[np.ndarray, np.ndarray]:
        """(r, j) pairs whose keypoint extents are within ``radius``."""
        if not np.isfinite(radius):
            n = kpts.shape[0]
            return np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
        lo, hi = kpts.min(axis=1), kpts.max(axis=1)  # (N,2)
        near = None
        for c in (0, 1):
            gap = np.maximum(lo[None, :, c] - hi[:, None, c], lo[:, None, c] - hi[None, :, c])
            near = gap <= radius if near is None else near & (gap <= radius)
        return np.nonzero(near)

    def _pair_terms(self, kpts: np.ndarray, scores: np.ndarray,
                    ref_dists: np.ndarray) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """Similarity (N,N) and match count (N,N) of every reference row vs
        every candidate column, over the keypoints of ``_set_layout``.
        Whole-body (``_groups``) also returns the number of valid reference
        keypoints (N,); its count is then the raw matched count.

        Only pairs close enough to interact are evaluated (others get
        similarity -inf and count 0, which cannot change any decision).
        Arrays are keypoint-major (K, M) so reductions over keypoints add
        contiguous rows or are one BLAS call.
        """
        n, k = scores.shape
        groups = self._groups
        factor = self._factor.astype(scores.dtype)
        w_score = self._w_score.astype(scores.dtype)
        w_dist = self._w_dist.astype(scores.dtype)
        n_valid = None
        if groups is not None:
            n_valid = np.sum(scores > self.score_thr / 2, axis=1)
            high = np.ascontiguousarray((scores >= self.score_thr).T)  # (K,N)
        decay = (self.delta2 * factor)[:, None]
        fac = factor[:, None]
        simi = np.full((n, n), -np.inf, scores.dtype)
        count = np.zeros((n, n), scores.dtype)
        rr, jj = self._near_pairs(kpts, self._radius)
        xs = np.ascontiguousarray(kpts[..., 0].T)
        ys = np.ascontiguousarray(kpts[..., 1].T)
        tanh_s = np.ascontiguousarray(np.tanh(scores / self.delta1).T)  # (K,N)
        match_r = np.minimum(ref_dists, self.match_radius_cap)
        step = max(1, self.chunk_elems // k)
        with np.errstate(divide='ignore', invalid='ignore'):
            for start in range(0, rr.size, step):
                r, j = rr[start:start + step], jj[start:start + step]
                dx = xs[:, r] - xs[:, j]
                dy = ys[:, r] - ys[:, j]
                d = np.sqrt(dx * dx + dy * dy)  # (K,M)
                close = d <= self.score_radius
                prod = tanh_s[:, r] * tanh_s[:, j]
                count[r, j] = np.sum(d / match_r[r] <= fac, axis=0)
                if groups is None:
                    s_term = np.sum(prod * close, axis=0)
                    h_term = np.sum(np.exp(-d / self.delta2), axis=0)
                    simi[r, j] = s_term + self.mu * h_term
                    continue
                # score term only from low-scoring candidate keypoints and
                # spatial term only from the others (AlphaPose's dist mask)
                hj = high[:, j]
                s_all = prod * (close & ~hj)
                h_all = np.exp(-d / decay) * hj
                simi[r, j] = w_score @ s_all + self.mu * (w_dist @ h_all)
        return simi, count, n_valid

    def _greedy(self, human_scores: np.ndarray, simi: np.ndarray, count: np.ndarray,
                n_valid: Optional[np.ndarray], k: int) -> Tuple[np.ndarray, np.ndarray]:
        """Greedy picks; returns pick ids (P,) and each pose's group (N,).

        Poses are visited by descending human score (ties: lowest index),
        which is the same as picking the best remaining pose each round.
        """
        n = human_scores.shape[0]
        literal = n_valid is not None and self.wholebody_match_norm == 'alphapose'
        if not literal:
            if n_valid is not None:
                with np.errstate(divide='ignore', invalid='ignore'):
                    count = np.where(n_valid[:, None] > 0, count / n_valid[:, None] * k, 0.0)
            eliminates = (simi > self.gamma) | (count >= self.match_thr)
        remaining = np.ones(n, dtype=bool)
        n_remaining = n
        group_of = np.full(n, -1, dtype=np.int64)
        picks: List[int] = []
        for p in np.argsort(-human_scores, kind='stable'):
            if not remaining[p]:
                continue
            if literal:
                cnt = count[p] / (2.0 * n_remaining * n_valid[p]) / 2 * k \
                    if n_valid[p] > 0 else np.zeros(n)
                row = (simi[p] > self.gamma) | (cnt >= self.match_thr)
            else:
                row = eliminates[p]
            delete = remaining & row
            delete[p] = True  # the reference always eliminates itself
            group_of[delete] = len(picks)
            picks.append(int(p))
            remaining &= ~delete
            n_remaining -= int(delete.sum())
            if n_remaining == 0:
                break
        return np.asarray(picks, dtype=np.int64), group_of

    def _merge(self, kpts: np.ndarray, scores: np.ndarray, picks: np.ndarray, group_of: np.ndarray,
               ref_dists: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Score-weighted merge of each group around its reference pose."""
        order = np.lexsort((np.arange(group_of.size), group_of))
        grp = group_of[order]
        ref = picks[grp]
        d = np.sqrt(np.sum((kpts[ref] - kpts[order])**2, axis=-1))  # (N,K)
        radius = np.minimum(ref_dists[ref], self.merge_radius_cap)
        masked = scores[order] * (d <= radius[:, None])
        starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
        total = np.add.reduceat(masked, starts, axis=0)  # (P,K)
        with np.errstate(divide='ignore', invalid='ignore'):
            weights = masked / total[grp]
        weights[~np.isfinite(weights)] = 0.0
        merged = np.add.reduceat(kpts[order] * weights[..., None], starts, axis=0)
        merged_scores = np.add.reduceat(masked * weights, starts, axis=0)
        empty = total == 0  # only possible with negative scores
        if empty.any():
            merged[empty] = kpts[picks][empty]
            merged_scores[empty] = 0.0
        return merged, merged_scores

    # ------------------------------------------------------------------
    def nms(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        """Run P-NMS.

        Args:
            instances: keypoints (N,K,2), keypoint_scores (N,K), bboxes (N,4)
                xyxy, bbox_scores (N,); optional ``ids`` (N,) used for ``idx``.

        Returns:
            kept instances (reference order) with merged ``keypoints`` /
            ``keypoint_scores``, the person score ``scores`` (AlphaPose's
            :func:`proposal_score` of the merged pose) and ``idx`` (list of
            merged member ids), and the kept reference indices into the input.
        """
        if len(instances) == 0:  # a frame without people (any fields)
            return select_instances(instances, np.zeros(0, np.int64)), np.zeros(0, np.int64)
        # in the keypoints' own precision: float32 (the pipeline's, and
        # AlphaPose's torch P-NMS) unless they are float64
        dtype = np.float64 if str(getattr(instances.keypoints, 'dtype', '')).endswith(
            'float64') else np.float32
        # the pipeline's arrays are read as they are; anything else (tensors,
        # other dtypes or shapes, NaN) is converted / refused by get_pose_arrays
        kpts, scores, bboxes, bbox_scores = get_pose_arrays(instances, dtype=dtype)
        n, k = scores.shape
        if k != self._layout_k:
            if self.num_keypoints is not None:
                raise ValueError(f'P-NMS metainfo has {self.num_keypoints} keypoints '
                                 f'but instances.keypoints has {k}')
            self._set_layout(k)  # no metainfo: the layout of this K, kept for the next call
        scores = np.where(scores == 0, self.zero_score_eps, scores)
        person = self._person

        wh = bboxes[:, 2:4] - bboxes[:, 0:2]
        ref_dists = self.alpha * np.maximum(wh[:, 0], wh[:, 1])
        p_kpts, p_scores = kpts[:, person], scores[:, person]
        human_scores = p_scores.mean(axis=1)

        simi, count, n_valid = self._pair_terms(p_kpts, p_scores, ref_dists)
        picks, group_of = self._greedy(human_scores, simi, count, n_valid, p_scores.shape[1])
        merged, merged_scores = self._merge(kpts, scores, picks, group_of, ref_dists)

        p_merged = merged[:, person]
        extent = p_merged.max(axis=1) - p_merged.min(axis=1)
        area = 1.5**2 * extent[:, 0] * extent[:, 1]
        keep = ((p_scores[picks].max(axis=1) >= self.score_thr) &
                (merged_scores[:, person].max(axis=1) >= self.score_thr) &
                ~(area < self.min_box_area))
        kept_idx = picks[keep]

        ids = np.asarray(instances.ids).reshape(-1) if 'ids' in instances \
            else np.arange(n)
        members = [np.flatnonzero(group_of == g) for g in np.flatnonzero(keep)]
        kept = instances[kept_idx]
        out_kpts, out_scores = merged[keep], merged_scores[keep]
        for key, arr in (('keypoints', out_kpts), ('keypoint_scores', out_scores)):
            ref = instances.get(key)  # the input's array type and float dtype
            same = isinstance(ref, np.ndarray) and ref.dtype == arr.dtype
            kept.set_field(arr if same else _like(arr, ref), key)
        kept.scores = proposal_score(out_scores[:, person], bbox_scores[kept_idx])
        kept.idx = [ids[m].tolist() for m in members]
        return kept, kept_idx

    def __call__(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        return self.nms(instances)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(preset={self.preset}, mode={self.mode}, '
                f'delta1={self.delta1}, mu={self.mu}, delta2={self.delta2}, '
                f'gamma={self.gamma}, score_thr={self.score_thr}, '
                f'match_thr={self.match_thr}, alpha={self.alpha}, '
                f'person_stats={self.person_stats}, '
                f'min_box_area={self.min_box_area})')


def _like(arr: np.ndarray, ref: Any) -> Any:
    """Cast ``arr`` to the array type / float dtype of ``ref``."""
    if hasattr(ref, 'detach'):
        import torch
        return torch.from_numpy(np.ascontiguousarray(arr)).to(ref.dtype)
    ref_dtype = np.asarray(ref).dtype
    dtype = ref_dtype if np.issubdtype(ref_dtype, np.floating) else np.float64
    return arr.astype(dtype, copy=False)
