"""Constant-velocity Kalman filter on boxes in ``(cx, cy, a, h)`` space.

The state is 8-D: box centre, aspect ratio ``a = w / h``, height and their
velocities (the DeepSORT-style model the AlphaPose ``--pose_track`` tracker
uses, trackers/utils/kalman_filter.py:24). Process and measurement noise scale with the box
height via ``std_weight_position = 1/20`` and ``std_weight_velocity = 1/160``.

All methods work on a batch of tracks at once: ``mean (T, 8)`` and
``covariance (T, 8, 8)``.
"""
from typing import Tuple

import numpy as np

from mmalphapose.utils.array_conversion import as_rows

#: 0.95 quantile of the chi-square distribution, indexed by degrees of freedom.
CHI2INV95 = {
    1: 3.8415,
    2: 5.9915,
    3: 7.8147,
    4: 9.4877,
    5: 11.070,
    6: 12.592,
    7: 14.067,
    8: 15.507,
    9: 16.919
}


def batched_cholesky(a: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of (T, n, n) SPD matrices, vectorised over T
    (n is 2 or 4 here: a few numpy operations instead of T LAPACK calls,
    whose threading costs milliseconds on a busy CPU)."""
    n = a.shape[-1]
    low = np.zeros_like(a, dtype=np.float64)
    for j in range(n):
        d = a[:, j, j] - (low[:, j, :j]**2).sum(-1)
        low[:, j, j] = np.sqrt(np.maximum(d, 1e-12))
        for i in range(j + 1, n):
            low[:, i, j] = (a[:, i, j] - (low[:, i, :j] * low[:, j, :j]).sum(-1)) / low[:, j, j]
    return low


def solve_lower(low: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``L y = b`` for (T, n, n) lower-triangular L and (T, n, m) b."""
    y = np.zeros(b.shape, np.float64)
    for i in range(low.shape[-1]):
        y[:, i] = (b[:, i] - np.einsum('tk,tkm->tm', low[:, i, :i], y[:, :i])) / low[:, i, i, None]
    return y


def spd_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a x = b`` for (T, n, n) SPD ``a`` and (T, n, m) ``b`` (Cholesky)."""
    low = batched_cholesky(a)
    y = solve_lower(low, b)
    # back substitution with L^T
    up = low.transpose(0, 2, 1)
    n = a.shape[-1]
    x = np.zeros(b.shape, np.float64)
    for i in range(n - 1, -1, -1):
        x[:, i] = (y[:, i] - np.einsum('tk,tkm->tm', up[:, i, i + 1:], x[:, i + 1:])) / up[:, i, i,
                                                                                           None]
    return x


def xyxy2xyah(bboxes: np.ndarray) -> np.ndarray:
    """(N, 4) xyxy boxes -> (N, 4) ``(cx, cy, w / h, h)``."""
    b = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    w = b[:, 2] - b[:, 0]
    h = np.maximum(b[:, 3] - b[:, 1], 1e-6)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, w / h, h], axis=1)


def xyah2xyxy(xyah: np.ndarray) -> np.ndarray:
    """(N, >=4) ``(cx, cy, a, h, ...)`` -> (N, 4) xyxy boxes."""
    s = as_rows(xyah, len(xyah), name='xyah')
    if not len(s):
        return np.zeros((0, 4))
    h = s[:, 3]
    w = s[:, 2] * h
    return np.stack([s[:, 0] - w / 2, s[:, 1] - h / 2, s[:, 0] + w / 2, s[:, 1] + h / 2], axis=1)


class KalmanFilterXYAH:
    """Batched constant-velocity Kalman filter on ``(cx, cy, a, h)`` boxes.

    Args:
        std_weight_position (float): Position noise relative to box height.
        std_weight_velocity (float): Velocity noise relative to box height.
    """

    ndim = 4

    def __init__(self,
                 std_weight_position: float = 1. / 20,
                 std_weight_velocity: float = 1. / 160) -> None:
        self.std_weight_position = std_weight_position
        self.std_weight_velocity = std_weight_velocity
        self.motion_mat = np.eye(8)
        self.motion_mat[:4, 4:] = np.eye(4)  # dt = 1 frame
        self.update_mat = np.eye(4, 8)

    def initiate(self, measurement: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Start tracks from (T, 4) xyah measurements -> mean, covariance."""
        z = np.asarray(measurement, dtype=np.float64).reshape(-1, 4)
        mean = np.concatenate([z, np.zeros_like(z)], axis=1)
        h = z[:, 3]
        wp, wv = self.std_weight_position, self.std_weight_velocity
        std = np.stack([
            2 * wp * h, 2 * wp * h,
            np.full_like(h, 1e-2), 2 * wp * h, 10 * wv * h, 10 * wv * h,
            np.full_like(h, 1e-5), 10 * wv * h
        ],
                       axis=1)
        cov = np.zeros((len(z), 8, 8))
        idx = np.arange(8)
        cov[:, idx, idx] = std**2
        return mean, cov

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Advance every track one frame."""
        h = mean[:, 3]
        wp, wv = self.std_weight_position, self.std_weight_velocity
        std = np.stack([
            wp * h, wp * h,
            np.full_like(h, 1e-2), wp * h, wv * h, wv * h,
            np.full_like(h, 1e-5), wv * h
        ],
                       axis=1)
        idx = np.arange(8)
        noise = np.zeros_like(covariance)
        noise[:, idx, idx] = std**2
        F = self.motion_mat
        mean = mean @ F.T
        covariance = F @ covariance @ F.T + noise
        return mean, covariance

    def project(self, mean: np.ndarray, covariance: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Map states to measurement space: (T, 4) means, (T, 4, 4) covs."""
        h = mean[:, 3]
        wp = self.std_weight_position
        std = np.stack([wp * h, wp * h, np.full_like(h, 1e-1), wp * h], axis=1)
        H = self.update_mat
        proj_mean = mean @ H.T
        proj_cov = H @ covariance @ H.T
        idx = np.arange(4)
        proj_cov[:, idx, idx] += std**2
        return proj_mean, proj_cov

    def update(self, mean: np.ndarray, covariance: np.ndarray,
               measurement: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Correct the (T,) tracks with their matched (T, 4) measurements."""
        z = np.asarray(measurement, dtype=np.float64).reshape(-1, 4)
        proj_mean, proj_cov = self.project(mean, covariance)
        # Kalman gain K = P H^T S^-1, solved rather than inverted.
        pht = covariance @ self.update_mat.T  # (T, 8, 4)
        gain = spd_solve(proj_cov, pht.transpose(0, 2, 1)).transpose(0, 2, 1)
        innovation = z - proj_mean
        new_mean = mean + np.einsum('tij,tj->ti', gain, innovation)
        new_cov = covariance - gain @ proj_cov @ gain.transpose(0, 2, 1)
        return new_mean, new_cov

    def gating_distance(self,
                        mean: np.ndarray,
                        covariance: np.ndarray,
                        measurements: np.ndarray,
                        only_position: bool = False) -> np.ndarray:
        """Squared Mahalanobis distance of every track to every measurement.

        Returns:
            np.ndarray: (T, M) distances; compare with ``CHI2INV95[4]``
            (or ``[2]`` with ``only_position``).
        """
        z = np.asarray(measurements, dtype=np.float64).reshape(-1, 4)
        proj_mean, proj_cov = self.project(mean, covariance)
        if only_position:
            proj_mean, proj_cov, z = (proj_mean[:, :2], proj_cov[:, :2, :2], z[:, :2])
        if len(mean) == 0 or len(z) == 0:
            return np.zeros((len(mean), len(z)))
        d = z[None, :, :] - proj_mean[:, None, :]  # (T, M, 4)
        chol = batched_cholesky(proj_cov)  # (T, 4, 4)
        # Solve L y = d^T for every track: y (T, 4, M)
        y = solve_lower(chol, d.transpose(0, 2, 1))
        return (y**2).sum(axis=1)
