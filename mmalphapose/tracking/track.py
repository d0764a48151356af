"""State of one track of the pose-aware tracker."""
from typing import Optional

import numpy as np


class TrackState:
    """Life-cycle states (as in JDE / AlphaPose's tracker)."""
    TRACKED = 0
    LOST = 1
    REMOVED = 2


class Track:
    """One identity: Kalman state, smoothed embedding and last pose.

    Attributes:
        track_id (int): Identity (>= 1; -1 until the tracker first reports it).
        mean (np.ndarray): (8,) Kalman state (cx, cy, a, h, velocities).
        covariance (np.ndarray): (8, 8).
        state (int): A :class:`TrackState`.
        confirmed (bool): Survived the birth phase (``min_hits`` matches).
        hits (int): Number of frames matched.
        start_frame / last_frame (int): First and last matched frame ids.
        feature (np.ndarray | None): EMA-smoothed, L2-normalised embedding.
        keypoints (np.ndarray | None): (K, 2) last matched pose.
        keypoint_valid (np.ndarray | None): (K,) bool.
        pose_ref (np.ndarray): (4,) xyah of the Kalman state when the pose
            was stored, to move the pose along the predicted box.
    """

    def __init__(self,
                 track_id: int,
                 mean: np.ndarray,
                 covariance: np.ndarray,
                 frame_id: int,
                 feature: Optional[np.ndarray],
                 keypoints: Optional[np.ndarray],
                 keypoint_valid: Optional[np.ndarray],
                 confirmed: bool = False) -> None:
        self.track_id = track_id
        self.mean, self.covariance = mean, covariance
        self.state = TrackState.TRACKED
        self.confirmed = confirmed
        self.hits = 1
        self.start_frame = self.last_frame = frame_id
        self.feature = None
        self.update_feature(feature, alpha=0.0)
        self.keypoints, self.keypoint_valid = keypoints, keypoint_valid
        self.pose_ref = mean[:4].copy()

    def update_feature(self, feature: Optional[np.ndarray], alpha: float) -> None:
        """EMA ``f <- alpha * f + (1 - alpha) * f_new``, then L2-normalise."""
        if feature is None:
            return
        f = feature / max(np.linalg.norm(feature), 1e-12)
        if self.feature is not None:
            f = alpha * self.feature + (1.0 - alpha) * f
            f = f / max(np.linalg.norm(f), 1e-12)
        self.feature = f

    @property
    def history_len(self) -> int:
        """Frames between birth and the last match."""
        return self.last_frame - self.start_frame
