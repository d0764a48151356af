"""PoseFlow (Xiu et al., BMVC'18) online tracker, the AlphaPose baseline.

Fact sheet §6.3 (``PoseFlowWrapper`` defaults). For every pair of
(candidate id, current person) a score is built from

``[dm_iou, box_iou, pose_iou_dm, pose_iou, box1_score, box2_score]``

with ``weights = [1, 2, 1, 2, 0, 0]`` when the candidate was seen in the
previous frame and ``weights_fff = [0, 1, 0, 1, 0, 0]`` for older candidates
(any id seen in the last ``link`` frames). ``dm_iou`` / ``pose_iou_dm`` are
IoUs of the sets of ORB correspondences (previous -> current frame) inside
the two boxes; they need the frames (``update(..., img=frame)``) and are 0
without them. Persons are matched by Hungarian on the score; a match needs
a score above ``match``; unmatched persons get ``max id + 1``.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.structures import InstanceData
from scipy.optimize import linear_sum_assignment

from mmalphapose.post_processing.scores import proposal_score
from mmalphapose.registry import TRACKERS
from mmalphapose.structures import bbox_iou
from .base_tracker import Detections, attach_track_ids, check_frame_id, empty_track_ids


def _square_boxes(points: np.ndarray, mag: float) -> np.ndarray:
    """(..., 2) points -> (..., 4) xyxy boxes of half-size ``mag``."""
    return np.concatenate([points - mag, points + mag], axis=-1)


def _inside(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(M, 2) points in (..., 4) boxes -> (..., M) bool."""
    b = boxes[..., None, :]
    return ((points[:, 0] >= b[..., 0]) & (points[:, 0] <= b[..., 2]) & (points[:, 1] >= b[..., 1])
            & (points[:, 1] <= b[..., 3]))


def _set_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of point sets given as bool masks (..., M) x (..., M) -> (...)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    inter = (a * b).sum(-1)
    union = a.sum(-1) + b.sum(-1) - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def _topk_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` largest values along the last axis."""
    k = min(k, x.shape[-1])
    if k == 0:
        return np.zeros(x.shape[:-1])
    return -np.sort(-x, axis=-1)[..., :k].mean(-1)


class ORBMatcher:
    """ORB correspondences between consecutive frames (PoseFlow matching.py).

    ORB with ``nfeatures`` and FAST scoring, brute-force Hamming kNN (k=2)
    and Lowe's ratio test.
    """

    def __init__(self, nfeatures: int = 10000, ratio: float = 0.8) -> None:
        import cv2
        self.cv2 = cv2
        self.orb = cv2.ORB_create(nfeatures=nfeatures, scoreType=cv2.ORB_FAST_SCORE)
        self.bf = cv2.BFMatcher(cv2.NORM_HAMMING)
        self.ratio = ratio

    def detect(self, img: np.ndarray):
        """Keypoints (M, 2) and descriptors of a BGR or gray frame."""
        gray = img if img.ndim == 2 else self.cv2.cvtColor(img, self.cv2.COLOR_BGR2GRAY)
        kps, desc = self.orb.detectAndCompute(gray, None)
        pts = np.array([k.pt for k in kps], np.float64).reshape(-1, 2)
        return pts, desc

    def match(self, prev, cur) -> Tuple[np.ndarray, np.ndarray]:
        """Corresponding points (M, 2) in the previous and current frame."""
        (p_pts, p_desc), (c_pts, c_desc) = prev, cur
        if p_desc is None or c_desc is None or len(p_desc) < 2 or len(c_desc) < 2:
            return np.zeros((0, 2)), np.zeros((0, 2))
        pairs = self.bf.knnMatch(p_desc, c_desc, k=2)
        good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < self.ratio * m[1].distance]
        qi = np.array([m.queryIdx for m in good], np.int64)
        ti = np.array([m.trainIdx for m in good], np.int64)
        return p_pts[qi].reshape(-1, 2), c_pts[ti].reshape(-1, 2)


@TRACKERS.register_module()
class PoseFlowTracker:
    """Online PoseFlow tracker with AlphaPose's ``PoseFlowWrapper`` defaults.

    Args:
        link (int): Look-back window (frames) for unmatched ids. 100.
        drop (float | None): Skip persons whose AlphaPose proposal score
            (:func:`~mmalphapose.post_processing.scores.proposal_score`:
            ``mean(c) + box_score + 1.25 * max(c)``) is below this (the
            offline scripts use 2.0). None: keep all.
        num (int): Top-N keypoint IoUs averaged in the pose IoUs. 7.
        mag (float): Half-size (px) of the box around each keypoint. 30.
        match (float): Minimum score to accept a match. 0.2.
        weights (Sequence[float]): Feature weights for candidates from the
            previous frame. [1, 2, 1, 2, 0, 0].
        weights_fff (Sequence[float]): Weights for older candidates.
            [0, 1, 0, 1, 0, 0].
        box_expand (float): Person box = keypoint extent grown by this
            fraction on each side. 0.1.
        use_orb (bool): Compute ORB correspondences when frames are given.
    """

    def __init__(self,
                 link: int = 100,
                 drop: Optional[float] = None,
                 num: int = 7,
                 mag: float = 30.,
                 match: float = 0.2,
                 weights: Sequence[float] = (1, 2, 1, 2, 0, 0),
                 weights_fff: Sequence[float] = (0, 1, 0, 1, 0, 0),
                 box_expand: float = 0.1,
                 use_orb: bool = True,
                 metainfo=None) -> None:
        # metainfo: accepted like every tracker's (the inferencer passes the
        # model's); PoseFlow's pose IoU uses ``mag`` boxes, not OKS sigmas
        self.link, self.drop, self.num, self.mag = link, drop, num, mag
        self.match_thr = match
        self.weights = np.asarray(weights, np.float64).reshape(6)
        self.weights_fff = np.asarray(weights_fff, np.float64).reshape(6)
        self.box_expand, self.use_orb = box_expand, use_orb
        self._orb: Optional[ORBMatcher] = None
        self.reset()

    def reset(self) -> None:
        """Forget all ids."""
        # id -> (frame, box (4,), keypoints (K,2) | None, score)
        self.history: Dict[int, tuple] = {}
        self._max_id = 0
        self._last_frame: Optional[int] = None
        self._prev_orb = None

    def _person_boxes(self, dets: Detections, img_shape: Optional[Tuple[int, int]]) -> np.ndarray:
        if dets.keypoints is None:
            boxes = dets.bboxes.copy()
        else:
            kp = dets.keypoints
            lo, hi = kp.min(1), kp.max(1)
            pad = (hi - lo) * self.box_expand
            boxes = np.concatenate([lo - pad, hi + pad], axis=1)
        if img_shape is not None:
            h, w = img_shape[:2]
            boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
            boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        return boxes

    def _proposal_scores(self, dets: Detections) -> np.ndarray:
        if dets.keypoints is None:
            return dets.scores
        return proposal_score(dets.keypoint_scores, dets.scores)

    def _features(self, cand, boxes, kpts, scores, cors) -> np.ndarray:
        """(C, D, 6) pair features."""
        c_boxes, c_kpts, c_scores = cand
        C, D = len(c_boxes), len(boxes)
        feats = np.zeros((C, D, 6))
        feats[..., 1] = bbox_iou(c_boxes, boxes)
        has_pose = c_kpts is not None and kpts is not None
        if has_pose:
            # keypoint boxes all share the size 2*mag: IoU from the offsets
            d = np.abs(c_kpts[:, None] - kpts[None])  # (C, D, K, 2)
            side = 2.0 * self.mag
            inter = np.prod(np.clip(side - d, 0, None), axis=-1)
            feats[..., 3] = _topk_mean(inter / (2 * side**2 - inter), self.num)
        if cors is not None and len(cors[0]):
            p_pts, c_pts = cors
            in1 = _inside(p_pts, c_boxes)  # (C, M)
            in2 = _inside(c_pts, boxes)  # (D, M)
            feats[..., 0] = _set_iou(in1[:, None], in2[None])
            if has_pose:
                k1 = _inside(p_pts, _square_boxes(c_kpts, self.mag))
                k2 = _inside(c_pts, _square_boxes(kpts, self.mag))
                feats[..., 2] = _topk_mean(_set_iou(k1[:, None], k2[None]), self.num)
        feats[..., 4] = c_scores[:, None]
        feats[..., 5] = scores[None, :]
        return feats

    def update(self,
               pred_instances: InstanceData,
               frame_id: int,
               img: Optional[np.ndarray] = None) -> InstanceData:
        """Assign PoseFlow ids; ``img`` (BGR frame) enables ORB features."""
        check_frame_id(self._last_frame, frame_id)
        prev_frame, self._last_frame = self._last_frame, int(frame_id)
        dets = Detections(pred_instances)
        track_ids = empty_track_ids(len(dets))
        keep = dets.valid.copy()
        if dets.keypoints is not None:
            keep &= np.isfinite(dets.keypoints).all((1, 2))
        if self.drop is not None:
            keep &= self._proposal_scores(dets) >= self.drop
        idx = np.flatnonzero(keep)
        img_shape = None if img is None else img.shape
        boxes = self._person_boxes(dets, img_shape)[idx]
        kpts = None if dets.keypoints is None else dets.keypoints[idx]
        scores = dets.scores[idx]

        cors = None
        if img is not None and self.use_orb:
            if self._orb is None:
                self._orb = ORBMatcher()
            cur = self._orb.detect(img)
            if self._prev_orb is not None:
                cors = self._orb.match(self._prev_orb, cur)
            self._prev_orb = cur

        self.history = {k: v for k, v in self.history.items() if frame_id - v[0] <= self.link}
        cand_ids = np.array(sorted(self.history), np.int64)
        if len(cand_ids) and len(idx):
            hist = [self.history[i] for i in cand_ids]
            c_frames = np.array([h[0] for h in hist])
            c_boxes = np.stack([h[1] for h in hist])
            c_kpts = (
                np.stack([h[2] for h in hist]) if kpts is not None
                and all(h[2] is not None and h[2].shape == kpts[0].shape for h in hist) else None)
            c_scores = np.array([h[3] for h in hist])
            feats = self._features((c_boxes, c_kpts, c_scores), boxes, kpts, scores, cors)
            recent = (c_frames == prev_frame)[:, None, None]
            w = np.where(recent, self.weights, self.weights_fff)
            grade = (feats * w).sum(-1)
            rows, cols = linear_sum_assignment(-grade)
            ok = grade[rows, cols] > self.match_thr
            track_ids[idx[cols[ok]]] = cand_ids[rows[ok]]
        new = idx[track_ids[idx] < 0]
        track_ids[new] = np.arange(self._max_id + 1, self._max_id + 1 + len(new))
        self._max_id += len(new)
        for j, di in enumerate(idx):
            self.history[int(track_ids[di])] = (int(frame_id), boxes[j],
                                                None if kpts is None else kpts[j], float(scores[j]))
        return attach_track_ids(pred_instances, track_ids)
