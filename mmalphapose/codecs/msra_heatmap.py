"""Gaussian heatmap codec (MSRA / SimpleBaseline style, as AlphaPose trains
its MSE models); decoding follows AlphaPose's ``heatmap_to_coord_simple``."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmalphapose.registry import KEYPOINT_CODECS
from .base import BaseKeypointCodec


def get_heatmap_maximum(heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Argmax of (N, K, H, W) heatmaps -> integer locs (N, K, 2) as (x, y)
    and the raw peak values (N, K)."""
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w)
    idx = np.argmax(flat, axis=-1)
    vals = np.take_along_axis(flat, idx[..., None], -1)[..., 0]
    locs = np.stack([idx % w, idx // w], axis=-1).astype(np.float32)
    return locs, vals


def refine_quarter_offset(heatmaps: np.ndarray, locs: np.ndarray) -> np.ndarray:
    """AlphaPose's quarter-pixel refinement (``heatmap_to_coord_simple``).

    A peak ``(px, py)`` is refined only when it lies strictly inside the map
    on BOTH axes (``1 < px < W - 1 and 1 < py < H - 1``); then both axes move
    by ``0.25 * sign(neighbour difference)`` (0 when the neighbours are
    equal). A peak on a border row or column on either axis keeps its
    integer position on both axes.

    Args:
        heatmaps: (N, K, H, W) maps.
        locs: (N, K, 2) integer peak positions (x, y) in heatmap pixels.

    Returns:
        (N, K, 2) refined positions.
    """
    n, k, h, w = heatmaps.shape
    px = locs[..., 0].astype(np.int64)
    py = locs[..., 1].astype(np.int64)
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing='ij')
    inside = (px > 1) & (px < w - 1) & (py > 1) & (py < h - 1)
    xr, xl = np.clip(px + 1, 0, w - 1), np.clip(px - 1, 0, w - 1)
    yd, yu = np.clip(py + 1, 0, h - 1), np.clip(py - 1, 0, h - 1)
    diff = np.stack([
        heatmaps[ni, ki, py, xr] - heatmaps[ni, ki, py, xl],
        heatmaps[ni, ki, yd, px] - heatmaps[ni, ki, yu, px]
    ], -1)
    return locs + np.where(inside[..., None], 0.25 * np.sign(diff), 0.)


@KEYPOINT_CODECS.register_module()
class MSRAHeatmap(BaseKeypointCodec):
    """Unnormalised Gaussian heatmaps (peak 1) and argmax decoding.

    Encoding follows AlphaPose's MSE targets (``_target_generator``,
    ``simple_transform.py:127-160``): centre ``int(p / stride + 0.5)`` with
    Python's ``int`` (truncation toward 0, also for keypoints left of /
    above the crop), a Gaussian of ``sigma`` heatmap pixels truncated at
    ``3 * sigma``; the keypoint weight is the visibility, zeroed when the
    patch ``[mu - 3 sigma, mu + 3 sigma + 1)`` lies fully outside the map.
    Several instances are merged by maximum.

    Args:
        input_size: (w, h) of the crop.
        heatmap_size: (w, h) of the heatmaps.
        sigma: Gaussian sigma in heatmap pixels (AlphaPose: 2).
        refine: ``'quarter'`` (AlphaPose's +-0.25 px towards the higher
            neighbour, only for peaks strictly inside the map on both axes,
            see :func:`refine_quarter_offset`) or ``'none'`` (plain argmax).

    ``decode`` is AlphaPose's ``heatmap_to_coord_simple`` up to the
    crop-to-image mapping: argmax, score = raw peak value, (0, 0) where the
    peak is <= 0, quarter-pixel refinement; the flip test averages the
    un-flipped heatmaps before decoding (done by the heads).
    """

    # MMPose's GenerateTarget / PackPoseInputs routing (see BaseKeypointCodec)
    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Sequence[int] = (192, 256),
                 heatmap_size: Sequence[int] = (48, 64),
                 sigma: float = 2.,
                 refine: str = 'quarter') -> None:
        super().__init__(input_size, heatmap_size)
        if refine not in ('quarter', 'none'):
            raise ValueError(f"refine must be 'quarter' or 'none', got {refine!r}")
        if sigma <= 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        self.sigma = float(sigma)
        self.refine = refine

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None) -> Dict:
        """(N,K,2) crop-pixel keypoints -> ``heatmaps`` (K,H,W) and
        ``keypoint_weights`` (N,K)."""
        keypoints, vis = self._check_keypoints(keypoints, keypoints_visible)
        w, h = self.heatmap_size
        radius = 3 * self.sigma
        # (N,K,2): AlphaPose's int(p / stride + 0.5), truncation toward 0
        # (simple_transform.py:134-135): left of / above the crop the centre
        # is one pixel further in than floor's (e.g. p = -3 px, stride 4 -> 0)
        mu = np.trunc(keypoints / self.stride + 0.5)
        ul = mu - radius
        br = mu + radius + 1
        outside = ((ul[..., 0] >= w) | (ul[..., 1] >= h) | (br[..., 0] < 0) | (br[..., 1] < 0))
        weights = np.where(outside, 0., (vis > 0).astype(np.float32))
        xs = np.arange(w, dtype=np.float32)
        ys = np.arange(h, dtype=np.float32)
        dx = xs[None, None, :] - mu[..., 0:1]  # (N,K,W)
        dy = ys[None, None, :] - mu[..., 1:2]  # (N,K,H)
        gx = np.where(np.abs(dx) <= radius, np.exp(-dx**2 / (2 * self.sigma**2)), 0.)
        gy = np.where(np.abs(dy) <= radius, np.exp(-dy**2 / (2 * self.sigma**2)), 0.)
        hms = gy[..., :, None] * gx[..., None, :]  # (N,K,H,W)
        hms = hms * (weights > 0)[..., None, None]
        heatmaps = hms.max(axis=0) if len(hms) else np.zeros((keypoints.shape[1], h, w))
        return dict(
            heatmaps=heatmaps.astype(np.float32), keypoint_weights=weights.astype(np.float32))

    def decode(self, encoded) -> Tuple[np.ndarray, np.ndarray]:
        """Heatmaps (N,K,H,W) -> (keypoints (N,K,2) in crop pixels, scores
        (N,K) = raw peak values), float32.

        A float32 numpy batch (what the heads give) is decoded as it is;
        anything else (a tensor, one sample (K,H,W)) is converted first.
        """
        hm = encoded if isinstance(encoded, np.ndarray) and encoded.ndim == 4 and \
            encoded.dtype == np.float32 else self._as_batch(encoded)
        locs, vals = get_heatmap_maximum(hm)
        if self.refine == 'quarter':
            locs = refine_quarter_offset(hm, locs)
        locs = np.where((vals > 0)[..., None], locs, 0.)
        return (locs * self.stride).astype(np.float32), vals.astype(np.float32)
