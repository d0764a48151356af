"""Pose-aware multi-person tracker (AlphaPose ``--pose_track`` + pose OKS).

Per frame (AlphaPose trackers/tracker_api.py:219, plus the paper's pose-similarity term):

1. Kalman-predict every track (constant velocity on ``(cx, cy, a, h)``).
2. **Appearance + pose + motion**: confirmed and lost tracks vs all
   detections. ``cost = w_app * cosine(track EMA feature, det embedding)
   + w_pose * (1 - OKS(track pose moved to the predicted box, det pose))``
   (IoU distance to the predicted box where no keypoint is shared); then
   ``0.98 * cost + 0.02 * Mahalanobis``, forbidden beyond the gate
   (chi2inv95(2) on the box centre by default, so a box-size jump is not
   gated out); Hungarian with threshold ``match_thr`` (0.7). Lost tracks
   matched here are re-identified with their old id.
3. **IoU**: remaining tracked tracks vs remaining detections, ``1 - IoU``,
   threshold ``iou_thr`` (0.5). Unmatched tracked tracks become lost.
4. **Unconfirmed** (new) tracks: IoU with threshold ``unconfirmed_thr``
   (0.7); confirmed after ``min_hits`` matches, removed when missed.
5. **Re-identification** of lost tracks (track memory: last box, pose and
   EMA embedding) with the detections still left, before any birth: the
   embedding distance (``1 - OKS`` of the remembered pose moved along the
   track's predicted box without one; never for boxes only) where the
   detection's centre lies within ``reid_radius`` box heights of the track's
   predicted centre (the radius grows by half per frame lost); threshold
   ``reid_thr``.
6. Unmatched detections with score >= ``init_track_thr`` start tracks.
   Ids are allocated when a track is first reported, so the reported ids
   are 1, 2, 3, ... without gaps.
7. Lost tracks older than ``track_buffer`` frames are removed; a lost track
   duplicating a tracked one (IoU distance < 0.15) is dropped.
"""
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import TRACKERS
from .base_tracker import (Detections, attach_track_ids, check_frame_id, default_sigmas,
                           empty_track_ids, resolve_sigmas)
from .kalman_filter import CHI2INV95, KalmanFilterXYAH, xyah2xyxy, xyxy2xyah
from .matching import embedding_distance, fuse_motion, iou_distance, linear_assignment, pose_oks
from .track import Track, TrackState


@TRACKERS.register_module()
class PoseAwareTracker:
    """Kalman + identity embedding + IoU + pose-OKS tracker.

    Args:
        metainfo (str | dict, optional): Dataset metainfo (anything
            ``PoseMetainfo.load`` takes, or a dict with ``sigmas``) for OKS
            sigmas; without it, those of the bundled metainfo with the same
            keypoint count (0.05 each for unknown counts).
        sigmas (Sequence[float], optional): Explicit OKS sigmas.
        match_thr (float): Cost threshold of the first association. 0.7.
        iou_thr (float): ``1 - IoU`` threshold of the second association.
            0.5.
        unconfirmed_thr (float): ``1 - IoU`` threshold for new tracks. 0.7.
        appearance_weight (float): Weight of the embedding distance in the
            first association when embeddings are present. 0.5.
        pose_weight (float): Weight of ``1 - OKS``. 0.5.
        motion_lambda (float): Weight kept by the cost in ``fuse_motion``
            (the rest goes to the Mahalanobis distance). 0.98.
        gate (float | None): Mahalanobis gate; None: chi2inv95(2) = 5.9915
            when the centre only is gated, else chi2inv95(4) = 9.4877.
        gate_position_only (bool | None): gate and fuse the Mahalanobis
            distance of the box centre only (a box-size jump of a detector
            is not gated out; the pose term judges the shape). None (auto):
            on for frames with keypoints, off for boxes only.
        reid_thr (float): cost threshold of the re-identification. 0.5.
        reid_radius (float): centre distance (in box heights) within which
            a lost track may be re-identified, after one frame lost. 1.0.
        feature_momentum (float): EMA momentum of track features. 0.9.
        track_buffer (int): Frames a lost track is kept for
            re-identification (``frame_rate / 30 * 240`` in AlphaPose). 240.
        frame_rate (int): Video frame rate; the buffer scales with
            ``frame_rate / 30``. 30.
        min_hits (int): Matches before a new track is confirmed. 2.
        init_track_thr (float): Minimum box score to start a track. AlphaPose
            gives every detection score 0.9, i.e. all start tracks. 0.0.
        kpt_score_thr (float): Keypoints at or below this score are ignored
            in OKS. 0.3.
        output_unconfirmed (bool): Report ids of tracks in their birth phase
            (AlphaPose does). True.
    """

    def __init__(self,
                 metainfo: Optional[Union[str, dict]] = None,
                 sigmas: Optional[Sequence[float]] = None,
                 match_thr: float = 0.7,
                 iou_thr: float = 0.5,
                 unconfirmed_thr: float = 0.7,
                 appearance_weight: float = 0.5,
                 pose_weight: float = 0.5,
                 motion_lambda: float = 0.98,
                 gate: Optional[float] = None,
                 gate_position_only: Optional[bool] = None,
                 reid_thr: float = 0.5,
                 reid_radius: float = 1.0,
                 feature_momentum: float = 0.9,
                 track_buffer: int = 240,
                 frame_rate: int = 30,
                 min_hits: int = 2,
                 init_track_thr: float = 0.0,
                 kpt_score_thr: float = 0.3,
                 output_unconfirmed: bool = True) -> None:
        if appearance_weight < 0 or pose_weight < 0 or (appearance_weight + pose_weight) <= 0:
            raise ValueError('appearance_weight and pose_weight must be >= 0 '
                             'and not both 0')
        self.sigmas = resolve_sigmas(metainfo, sigmas)
        self._default_sigmas: Optional[np.ndarray] = None
        self.match_thr, self.iou_thr = match_thr, iou_thr
        self.unconfirmed_thr = unconfirmed_thr
        self.appearance_weight, self.pose_weight = (appearance_weight, pose_weight)
        self.gate_position_only = gate_position_only
        self.motion_lambda, self.gate = motion_lambda, gate
        self.reid_thr, self.reid_radius = float(reid_thr), float(reid_radius)
        self.feature_momentum = feature_momentum
        self.max_time_lost = int(round(frame_rate / 30.0 * track_buffer))
        self.min_hits = max(int(min_hits), 1)
        self.init_track_thr, self.kpt_score_thr = init_track_thr, kpt_score_thr
        self.output_unconfirmed = output_unconfirmed
        self.kf = KalmanFilterXYAH()
        self.reset()

    # ------------------------------------------------------------------ api
    def reset(self) -> None:
        """Forget all tracks (call between videos)."""
        self.tracks: List[Track] = []
        self._last_frame: Optional[int] = None
        self._report_id = 1
        self._pending: List = []

    @property
    def active_tracks(self) -> List[Track]:
        """Tracks that are currently tracked or lost (not removed)."""
        return [t for t in self.tracks if t.state != TrackState.REMOVED]

    def update(self,
               pred_instances: InstanceData,
               frame_id: int,
               img: Optional[np.ndarray] = None) -> InstanceData:
        """Associate one frame's instances with the tracks.

        Args:
            pred_instances (InstanceData): ``bboxes`` (N, 4) xyxy and/or
                ``keypoints`` (N, K, 2) with ``keypoint_scores``; optional
                ``bbox_scores`` and ``embeddings`` (N, C).
            frame_id (int): Increasing frame index (gaps allowed).

        Returns:
            InstanceData: The same instances with ``track_ids`` (N,) int64;
            -1 for instances that are not tracked.
        """
        steps = check_frame_id(self._last_frame, frame_id)
        first_frame = self._last_frame is None
        self._last_frame = int(frame_id)
        dets = Detections(pred_instances)
        if dets.keypoints is not None:
            self._sigmas(dets.keypoints.shape[1])  # fail early on a mismatch
        track_ids = empty_track_ids(len(dets))
        self._predict(steps)

        det_idx = np.flatnonzero(dets.valid)
        pool = [t for t in self.tracks if t.confirmed]
        unconfirmed = [t for t in self.tracks if not t.confirmed and t.state == TrackState.TRACKED]

        # 1) appearance + pose + motion over confirmed tracked + lost tracks
        cost = self._first_cost(pool, dets, det_idx)
        m, un_t, un_d = linear_assignment(cost, self.match_thr)
        for ti, di in m:
            self._match(pool[ti], dets, det_idx[di], track_ids)
        rest = det_idx[un_d]

        # 2) IoU over the remaining tracked tracks
        r_tracks = [pool[i] for i in un_t if pool[i].state == TrackState.TRACKED]
        cost = iou_distance(self._boxes(r_tracks), dets.bboxes[rest])
        m, un_t, un_d = linear_assignment(cost, self.iou_thr)
        for ti, di in m:
            self._match(r_tracks[ti], dets, rest[di], track_ids)
        for ti in un_t:
            r_tracks[ti].state = TrackState.LOST
        rest = rest[un_d]

        # 3) unconfirmed tracks by IoU
        cost = iou_distance(self._boxes(unconfirmed), dets.bboxes[rest])
        m, un_t, un_d = linear_assignment(cost, self.unconfirmed_thr)
        for ti, di in m:
            self._match(unconfirmed[ti], dets, rest[di], track_ids)
        for ti in un_t:
            unconfirmed[ti].state = TrackState.REMOVED
        rest = rest[un_d]

        # 4) re-identification of lost tracks
        lost = [t for t in self.tracks if t.confirmed and t.state == TrackState.LOST]
        cost = self._reid_cost(lost, dets, rest, frame_id)
        m, _, un_d = linear_assignment(cost, self.reid_thr)
        for ti, di in m:
            self._match(lost[ti], dets, rest[di], track_ids)
        rest = rest[un_d]

        self._correct(dets)

        # 5) births
        for di in rest[dets.scores[rest] >= self.init_track_thr]:
            track = self._new_track(dets, di, frame_id, confirmed=first_frame or self.min_hits <= 1)
            if track.confirmed or self.output_unconfirmed:
                track_ids[di] = self._reported_id(track)

        self._cleanup(frame_id)
        return attach_track_ids(pred_instances, track_ids)

    # -------------------------------------------------------------- helpers
    def _predict(self, steps: int) -> None:
        self.tracks = [t for t in self.tracks if t.state != TrackState.REMOVED]
        if not self.tracks:
            return
        mean = np.stack([t.mean for t in self.tracks])
        cov = np.stack([t.covariance for t in self.tracks])
        lost = np.array([t.state != TrackState.TRACKED for t in self.tracks])
        mean[lost, 7] = 0.0  # no height velocity while unseen
        for _ in range(steps):
            mean, cov = self.kf.predict(mean, cov)
        for t, mu, c in zip(self.tracks, mean, cov):
            t.mean, t.covariance = mu, c

    @staticmethod
    def _boxes(tracks: List[Track]) -> np.ndarray:
        if not tracks:
            return np.zeros((0, 4))
        return xyah2xyxy(np.stack([t.mean[:4] for t in tracks]))

    def _sigmas(self, num_keypoints: int) -> np.ndarray:
        if self.sigmas is not None:
            if len(self.sigmas) != num_keypoints:
                raise ValueError(f'PoseAwareTracker: {len(self.sigmas)} sigmas for '
                                 f'{num_keypoints} keypoints; pass the matching metainfo')
            return self.sigmas
        if self._default_sigmas is None or len(self._default_sigmas) != num_keypoints:
            self._default_sigmas = default_sigmas(num_keypoints)
        return self._default_sigmas

    def _predicted_poses(self, tracks: List[Track]):
        """Last poses moved and scaled along each track's predicted box."""
        kpts = np.stack([t.keypoints for t in tracks])  # (T, K, 2)
        valid = np.stack([t.keypoint_valid for t in tracks])
        ref = np.stack([t.pose_ref for t in tracks])
        now = np.stack([t.mean[:4] for t in tracks])
        scale = (now[:, 3] / np.maximum(ref[:, 3], 1e-6))[:, None, None]
        kpts = (kpts - ref[:, None, :2]) * scale + now[:, None, :2]
        return kpts, valid

    def _first_cost(self, tracks: List[Track], dets: Detections, det_idx: np.ndarray) -> np.ndarray:
        T, D = len(tracks), len(det_idx)
        if T == 0 or D == 0:
            return np.zeros((T, D))
        t_boxes = self._boxes(tracks)
        d_boxes = dets.bboxes[det_idx]
        motion_cost = iou_distance(t_boxes, d_boxes)
        pose_cost = motion_cost
        has_pose = (dets.keypoints is not None and all(t.keypoints is not None for t in tracks))
        if has_pose:
            # the predicted pose is as uncertain as the predicted box centre
            pose_cost = self._pose_cost(tracks, dets, det_idx, d_boxes)
            pose_cost = np.where(np.isnan(pose_cost), motion_cost, pose_cost)
        cost = pose_cost
        has_app = (dets.embeddings is not None and all(t.feature is not None for t in tracks))
        if has_app:
            app = embedding_distance(
                np.stack([t.feature for t in tracks]), dets.embeddings[det_idx])
            w = self.appearance_weight + self.pose_weight
            cost = (self.appearance_weight * app + self.pose_weight * pose_cost) / w
        mean = np.stack([t.mean for t in tracks])
        cov = np.stack([t.covariance for t in tracks])
        only_pos = self.gate_position_only
        if only_pos is None:
            only_pos = dets.keypoints is not None
        gate = self.gate
        if gate is None:
            gate = CHI2INV95[2] if only_pos else CHI2INV95[4]
        return fuse_motion(self.kf, cost, mean, cov, xyxy2xyah(d_boxes), self.motion_lambda, gate,
                           only_pos)

    def _det_pose(self, dets: Detections, di: int):
        if dets.keypoints is None:
            return None, None
        return (dets.keypoints[di].copy(), dets.keypoint_valid(self.kpt_score_thr)[di].copy())

    def _match(self, track: Track, dets: Detections, di: int, track_ids: np.ndarray) -> None:
        """Book a match; the Kalman corrections of all matches of the frame
        run together in :meth:`_correct` (the later stages only look at
        unmatched tracks)."""
        self._pending.append((track, di))
        feat = None if dets.embeddings is None else dets.embeddings[di]
        track.update_feature(feat, self.feature_momentum)
        kpts, valid = self._det_pose(dets, di)
        if kpts is not None:
            track.keypoints, track.keypoint_valid = kpts, valid
        track.state = TrackState.TRACKED
        track.hits += 1
        track.last_frame = self._last_frame
        if track.hits >= self.min_hits:
            track.confirmed = True
        if track.confirmed or self.output_unconfirmed:
            track_ids[di] = self._reported_id(track)

    def _correct(self, dets: Detections) -> None:
        """Kalman-correct every track matched this frame, in one batch."""
        if not self._pending:
            return
        tracks = [t for t, _ in self._pending]
        rows = np.array([di for _, di in self._pending], np.int64)
        mean, cov = self.kf.update(
            np.stack([t.mean for t in tracks]), np.stack([t.covariance for t in tracks]),
            xyxy2xyah(dets.bboxes[rows]))
        for t, mu, c in zip(tracks, mean, cov):
            t.mean, t.covariance = mu, c
            if dets.keypoints is not None:
                t.pose_ref = mu[:4].copy()
        self._pending = []

    def _reported_id(self, track: Track) -> int:
        """The track's output id, allocated at its first report (1, 2, ...)."""
        if track.track_id < 0:
            track.track_id = self._report_id
            self._report_id += 1
        return track.track_id

    def _reid_cost(self, tracks: List[Track], dets: Detections, det_idx: np.ndarray,
                   frame_id: int) -> np.ndarray:
        """(T, D) re-identification cost of lost tracks: embedding distance
        (or ``1 - OKS`` of the remembered pose moved onto the detection's
        box), inf beyond the spatial radius."""
        T, D = len(tracks), len(det_idx)
        if T == 0 or D == 0:
            return np.zeros((T, D))
        t_xyah = np.stack([t.mean[:4] for t in tracks])
        d_boxes = dets.bboxes[det_idx]
        d_xyah = xyxy2xyah(d_boxes)
        height = np.maximum(t_xyah[:, 3:4], d_xyah[None, :, 3])
        dist = np.linalg.norm(t_xyah[:, None, :2] - d_xyah[None, :, :2], axis=-1) / height
        lost_for = np.array([frame_id - t.last_frame for t in tracks], np.float64)
        radius = self.reid_radius * (1.0 + 0.5 * np.maximum(lost_for - 1, 0))[:, None]
        if dets.embeddings is not None and all(t.feature is not None for t in tracks):
            cost = embedding_distance(
                np.stack([t.feature for t in tracks]), dets.embeddings[det_idx])
        elif dets.keypoints is not None and all(t.keypoints is not None for t in tracks):
            cost = np.nan_to_num(self._pose_cost(tracks, dets, det_idx, d_boxes), nan=1.0)
        else:  # boxes only: nothing tells two people apart, no re-identification
            return np.full((T, D), np.inf)
        return np.where(dist <= radius, cost, np.inf)

    def _pose_cost(self, tracks: List[Track], dets: Detections, det_idx: np.ndarray,
                   d_boxes: np.ndarray) -> np.ndarray:
        """(T, D) ``1 - OKS`` of the tracks' last poses moved along their
        predicted boxes vs the detections' poses, in the image (a box-size
        jump of the detector does not move the keypoints); the spread grows
        with the Kalman position variance. NaN where no keypoint is shared."""
        t_boxes = self._boxes(tracks)
        t_kpts, t_valid = self._predicted_poses(tracks)
        d_valid = dets.keypoint_valid(self.kpt_score_thr)[det_idx]
        t_area = np.prod(t_boxes[:, 2:] - t_boxes[:, :2], axis=1)
        d_area = np.prod(d_boxes[:, 2:] - d_boxes[:, :2], axis=1)
        areas = 0.5 * (t_area[:, None] + d_area[None, :])
        _, proj_cov = self.kf.project(
            np.stack([t.mean for t in tracks]), np.stack([t.covariance for t in tracks]))
        pos_var = 0.5 * (proj_cov[:, 0, 0] + proj_cov[:, 1, 1])
        oks = pose_oks(t_kpts, t_valid, dets.keypoints[det_idx], d_valid, areas,
                       self._sigmas(t_kpts.shape[1]), pos_var)
        return 1.0 - oks

    def _new_track(self, dets: Detections, di: int, frame_id: int, confirmed: bool) -> Track:
        mean, cov = self.kf.initiate(xyxy2xyah(dets.bboxes[di]))
        kpts, valid = self._det_pose(dets, di)
        feat = None if dets.embeddings is None else dets.embeddings[di]
        track = Track(-1, mean[0], cov[0], int(frame_id), feat, kpts, valid, confirmed=confirmed)
        self.tracks.append(track)
        return track

    def _cleanup(self, frame_id: int) -> None:
        for t in self.tracks:
            if (t.state == TrackState.LOST and frame_id - t.last_frame > self.max_time_lost):
                t.state = TrackState.REMOVED
        tracked = [t for t in self.tracks if t.state == TrackState.TRACKED and t.confirmed]
        lost = [t for t in self.tracks if t.state == TrackState.LOST]
        if tracked and lost:
            dup = iou_distance(self._boxes(lost), self._boxes(tracked)) < 0.15
            for li in np.flatnonzero(dup.any(axis=1)):
                lost[li].state = TrackState.REMOVED
        self.tracks = [t for t in self.tracks if t.state != TrackState.REMOVED]
