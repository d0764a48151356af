"""3D joint labels of HybrIK: normalised (u, v, d) per joint."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmalphapose.registry import KEYPOINT_CODECS
from .base import BaseKeypointCodec, _as_numpy


@KEYPOINT_CODECS.register_module()
class HybrIKLabel(BaseKeypointCodec):
    """Targets and decoding for the 3D integral heatmaps of HybrIK.

    ``encode``: crop-pixel keypoints ``p`` (N,K,2) and root-relative depths
    ``z`` (N,K) in metres -> ``keypoint_labels`` (N,K,3) =
    ``(p / input_size - 0.5, z / depth_factor)`` and ``keypoint_weights``
    (N,K,3): u, v weighted by visibility and lying inside the crop, d by
    ``depth_visible`` (the joint has a 3D label) and ``|d| <= 0.5``.
    ``decode``: (N,K,3) normalised uvd -> crop-pixel keypoints (N,K,2) and
    root-relative depths (N,K) in metres.

    Args:
        input_size: crop (w, h) in pixels (HybrIK: 256x256).
        heatmap_size: (w, h) of the 3D heatmaps (64x64).
        depth_size: depth bins of the 3D heatmaps (64).
        depth_factor: metres spanned by the depth axis (2.2 as HybrIK's
            ``bbox_3d_shape``).
        focal_length: of the crop camera in pixels (1000).
    """

    # MMPose's GenerateTarget / PackPoseInputs routing (see BaseKeypointCodec)
    label_mapping_table = dict(
        keypoint_labels='keypoint_labels', keypoint_weights='keypoint_weights')

    def __init__(self,
                 input_size: Sequence[int] = (256, 256),
                 heatmap_size: Sequence[int] = (64, 64),
                 depth_size: int = 64,
                 depth_factor: float = 2.2,
                 focal_length: float = 1000.) -> None:
        super().__init__(input_size, heatmap_size)
        if depth_size <= 0 or depth_factor <= 0 or focal_length <= 0:
            raise ValueError('HybrIKLabel: depth_size, depth_factor and focal_length must be '
                             f'> 0, got {depth_size}, {depth_factor}, {focal_length}')
        self.depth_size = int(depth_size)
        self.depth_factor = float(depth_factor)
        self.focal_length = float(focal_length)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None,
               keypoints_depth: Optional[np.ndarray] = None,
               depth_visible: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """See the class docstring; ``keypoints_depth=None`` gives zero
        depth weights (2D-only data)."""
        keypoints, vis = self._check_keypoints(keypoints, keypoints_visible)
        n, k = vis.shape
        uv = keypoints / np.array(self.input_size, np.float32) - 0.5
        inside = (np.abs(uv) <= 0.5).all(-1)
        w_uv = ((vis > 0) & inside).astype(np.float32)
        if keypoints_depth is None:
            d = np.zeros((n, k), np.float32)
            w_d = np.zeros((n, k), np.float32)
        else:
            d = _as_numpy(keypoints_depth).reshape(n, k) / self.depth_factor
            ok = np.isfinite(d)
            d = np.where(ok, d, 0)
            dv = np.ones((n, k), np.float32) if depth_visible is None else \
                _as_numpy(depth_visible).reshape(n, k)
            w_d = ((dv > 0) & ok & (np.abs(d) <= 0.5)).astype(np.float32)
        labels = np.concatenate([uv, d[..., None]], -1).astype(np.float32)
        weights = np.stack([w_uv, w_uv, w_d], -1)
        return dict(keypoint_labels=labels, keypoint_weights=weights)

    def decode(self, encoded) -> Tuple[np.ndarray, np.ndarray]:
        """(K,3) or (N,K,3) normalised uvd -> (keypoints (N,K,2) in crop
        pixels, depths (N,K) in metres)."""
        uvd = _as_numpy(encoded)
        if uvd.ndim == 2:
            uvd = uvd[None]
        if uvd.ndim != 3 or uvd.shape[-1] != 3:
            raise ValueError(f'HybrIKLabel.decode expects (N, K, 3) uvd, got {uvd.shape}')
        kpts = (uvd[..., :2] + 0.5) * np.array(self.input_size, np.float32)
        return kpts.astype(np.float32), (uvd[..., 2] * self.depth_factor).astype(np.float32)
