"""Batched rotation helpers in torch (any leading batch shape, any float dtype)."""
import torch
from torch import Tensor


def skew(v: Tensor) -> Tensor:
    """Cross-product matrices: (..., 3) -> (..., 3, 3) with ``skew(a) @ b = a x b``."""
    x, y, z = v.unbind(-1)
    o = torch.zeros_like(x)
    return torch.stack([o, -z, y, z, o, -x, -y, x, o], -1).reshape(*v.shape, 3)


def _eye_like(x: Tensor) -> Tensor:
    return torch.eye(3, dtype=x.dtype, device=x.device).expand(*x.shape[:-1], 3, 3)


def axis_angle_to_matrix(aa: Tensor) -> Tensor:
    """Rodrigues' formula: axis-angle (..., 3) -> rotation matrices (..., 3, 3).

    Stable (and differentiable) at zero angle: sin(t)/t and (1-cos t)/t^2 use
    their Taylor series below 1e-4 rad.
    """
    t2 = (aa * aa).sum(-1, keepdim=True)[..., None]  # (...,1,1)
    small = t2 < 1e-8
    t2s = torch.where(small, torch.ones_like(t2), t2)
    t = t2s.sqrt()
    a = torch.where(small, 1 - t2 / 6, torch.sin(t) / t)
    b = torch.where(small, 0.5 - t2 / 24, (1 - torch.cos(t)) / t2s)
    k = skew(aa)
    return _eye_like(aa) + a * k + b * (k @ k)


def twist_matrix(axis: Tensor, cos_sin: Tensor) -> Tensor:
    """Rotations about unit ``axis`` (..., 3) by the angle whose (cos, sin)
    is ``cos_sin`` (..., 2); the pair is normalised to unit length first."""
    cs = cos_sin / cos_sin.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    c = cs[..., :1, None]
    s = cs[..., 1:, None]
    k = skew(axis)
    return _eye_like(axis) + s * k + (1 - c) * (k @ k)


def swing_matrix(a: Tensor, b: Tensor) -> Tensor:
    """The smallest rotation taking unit vector ``a`` onto unit vector ``b``
    (..., 3) -> (..., 3, 3): ``I + [v]x + [v]x^2 / (1 + a.b)``, ``v = a x b``.

    Undefined for opposite vectors (a.b = -1); ``1 + a.b`` is clamped at 1e-8.
    """
    v = torch.cross(a, b, dim=-1)
    c = (a * b).sum(-1)[..., None, None]
    k = skew(v)
    return _eye_like(a) + k + (k @ k) / (1 + c).clamp_min(1e-8)


def procrustes_rotation(src: Tensor, dst: Tensor) -> Tensor:
    """Rotation R minimising ``sum_i |R src_i - dst_i|^2`` (Kabsch, by SVD).

    Args:
        src, dst: (..., n, 3) vectors, n >= 2 not all collinear.

    Returns:
        (..., 3, 3) proper rotations (det +1).
    """
    m = dst.transpose(-1, -2) @ src  # (...,3,3) = sum dst_i src_i^T
    u, _, vh = torch.linalg.svd(m)
    d = torch.det(u @ vh)
    ones = torch.ones_like(d)
    diag = torch.diag_embed(torch.stack([ones, ones, d], -1))
    return u @ diag @ vh


def matrix_to_quaternion(rot: Tensor) -> Tensor:
    """Rotation matrices (..., 3, 3) -> unit quaternions (..., 4) as (w, x, y, z),
    w >= 0 (Shepperd's method: the largest of the four candidates)."""
    m = rot
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cands = torch.stack([
        torch.stack([
            1 + tr, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
            m[..., 1, 0] - m[..., 0, 1]
        ], -1),
        torch.stack([
            m[..., 2, 1] - m[..., 1, 2], 1 + 2 * m[..., 0, 0] - tr, m[..., 0, 1] + m[..., 1, 0],
            m[..., 0, 2] + m[..., 2, 0]
        ], -1),
        torch.stack([
            m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0], 1 + 2 * m[..., 1, 1] - tr,
            m[..., 1, 2] + m[..., 2, 1]
        ], -1),
        torch.stack([
            m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1],
            1 + 2 * m[..., 2, 2] - tr
        ], -1),
    ], -2)  # (...,4,4): row k is 4*q*q_k, q_k = the k-th component
    diag = torch.stack(
        [1 + tr, 1 + 2 * m[..., 0, 0] - tr, 1 + 2 * m[..., 1, 1] - tr, 1 + 2 * m[..., 2, 2] - tr],
        -1)
    best = diag.argmax(-1)
    row = torch.gather(cands, -2, best[..., None, None].expand(*best.shape, 1, 4))[..., 0, :]
    q = row / row.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return torch.where(q[..., :1] < 0, -q, q)


def matrix_to_axis_angle(rot: Tensor) -> Tensor:
    """Rotation matrices (..., 3, 3) -> axis-angle (..., 3), angle in [0, pi]."""
    q = matrix_to_quaternion(rot)
    v = q[..., 1:]
    sin_half = v.norm(dim=-1, keepdim=True)
    angle = 2 * torch.atan2(sin_half, q[..., :1])
    small = sin_half < 1e-8
    scale = torch.where(small, 2 / q[..., :1].clamp_min(1e-8), angle / sin_half.clamp_min(1e-12))
    return v * scale
