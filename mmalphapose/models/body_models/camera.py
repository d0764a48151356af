"""HybrIK's crop camera: lifting normalised (u, v, d) joints to metres and
projecting 3D points back into the crop.

The network predicts ``cam = (s, tx, ty)`` per crop. With focal length ``f``
and the crop size ``S`` (pixels, square crop), the root depth is
``f / (S * s)``; a normalised crop coordinate ``u`` (in [-0.5, 0.5]) of a
joint at depth ``z`` (relative, metres) is at ``x = u * S / f * (z + depth) -
tx`` metres, and the camera-frame position of every point is its
root-relative position plus ``cam_root = root + (tx, ty, depth)``.
"""
from typing import Tuple

import torch
from torch import Tensor


def uvd_to_camera(uvd: Tensor, cam: Tensor, focal_length: float, crop_size: float,
                  depth_factor: float) -> Tuple[Tensor, Tensor]:
    """Lift normalised joints to metres.

    Args:
        uvd: (N, K, 3) u, v in [-0.5, 0.5] of the crop, d = relative depth
            in units of ``depth_factor`` metres.
        cam: (N, 3) (s, tx, ty).
        focal_length / crop_size: pixels.
        depth_factor: metres per depth unit (HybrIK: 2.2).

    Returns:
        root-relative joints (N, K, 3) in metres (camera axes) and the root's
        camera-frame position ``cam_root`` (N, 3).
    """
    scale, trans = cam[:, :1], cam[:, 1:]
    depth = focal_length / (crop_size * scale + 1e-9)  # (N,1)
    z = uvd[..., 2:] * depth_factor
    xy = uvd[..., :2] * (crop_size / focal_length) * (z + depth[:, None]) - trans[:, None]
    xyz = torch.cat([xy, z], -1)
    root = xyz[:, 0]
    cam_root = root + torch.cat([trans, depth], -1)
    return xyz - xyz[:, :1], cam_root


def project_to_crop(points: Tensor, focal_length: float, crop_size: float) -> Tensor:
    """Camera-frame points (..., 3) -> normalised crop coordinates (..., 2)
    (the inverse of :func:`uvd_to_camera`'s lifting)."""
    z = points[..., 2:].clamp_min(1e-6)
    return points[..., :2] / z * (focal_length / crop_size)
