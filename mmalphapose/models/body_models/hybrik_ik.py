"""HybrIK inverse kinematics: relative joint rotations from 3D joint positions
by the twist-and-swing decomposition (Li et al., CVPR 2021).

Each joint's rotation relative to its parent is ``R = R_swing @ R_twist``:
the *twist* turns about the joint's rest-pose bone direction (towards its
child) by the predicted angle phi; the *swing* is the smallest rotation taking
that rest direction onto the observed bone direction (expressed in the
parent's frame), found analytically. Joints with several children (the
pelvis: both hips and spine1; spine3: neck and both collars) get the rotation
that best maps all their rest bones onto the observed ones (an SVD), as
HybrIK does. All people are solved at once, one tree level at a time.
"""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from .lbs import forward_kinematics
from .rotations import procrustes_rotation, swing_matrix, twist_matrix
from .skeleton import HYBRIK_PARENTS, NUM_SMPL_JOINTS, children_of, tree_levels


def _unit(v: Tensor) -> Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-8)


def _check(pose: Tensor, rest: Tensor, parents: Sequence[int], name: str) -> None:
    if pose.shape != rest.shape or pose.dim() != 3 or pose.shape[1] != len(parents):
        raise ValueError(f'{name}: expected joints (B, {len(parents)}, 3) for both the '
                         f'pose and the rest pose, got {tuple(pose.shape)} and '
                         f'{tuple(rest.shape)}')


def hybrik_inverse_kinematics(joints: Tensor,
                              phis: Tensor,
                              rest_joints: Tensor,
                              parents: Sequence[int] = HYBRIK_PARENTS,
                              num_rot_joints: int = NUM_SMPL_JOINTS) -> Tensor:
    """Relative rotations from joint positions and twist angles.

    Args:
        joints: (B, J, 3) observed joint positions (any translation; only
            bone vectors are used), J = 29 for SMPL + HybrIK leaves.
        phis: (B, num_rot_joints - 1, 2) twist angles (cos, sin) of joints
            1..num_rot_joints-1 (normalised here; unused for joints with
            several children).
        rest_joints: (B, J, 3) rest-pose joints of the same body (the shaped
            template's joints and leaf vertices).
        parents: J parent indices (-1 for the root).
        num_rot_joints: joints that get a rotation (24 for SMPL); every one
            of them must have at least one child.

    Returns:
        (B, num_rot_joints, 3, 3) rotations relative to the parent (joint 0:
        the global orientation).
    """
    _check(joints, rest_joints, parents, 'hybrik_inverse_kinematics')
    b = joints.shape[0]
    if phis.shape != (b, num_rot_joints - 1, 2):
        raise ValueError(f'hybrik_inverse_kinematics: phis must be (B, {num_rot_joints - 1}'
                         f', 2), got {tuple(phis.shape)}')
    children = children_of(tuple(parents))
    for j in range(num_rot_joints):
        if not children[j]:
            raise ValueError(f'joint {j} has no child in the skeleton, so its swing '
                             'is undefined (add its leaf joint)')
    dev = joints.device
    g_rot: List[Tensor] = [None] * num_rot_joints  # type: ignore[list-item]
    local: List[Tensor] = [None] * num_rot_joints  # type: ignore[list-item]
    eye = torch.eye(3, dtype=joints.dtype, device=dev).expand(b, 3, 3)
    for level in tree_levels(tuple(parents)):
        level = [j for j in level if j < num_rot_joints]
        single = [j for j in level if len(children[j]) == 1]
        multi = [j for j in level if len(children[j]) > 1]
        if single:
            idx = torch.as_tensor(single, device=dev)
            cidx = torch.as_tensor([children[j][0] for j in single], device=dev)
            prot = torch.stack([g_rot[parents[j]] if parents[j] >= 0 else eye for j in single],
                               1)  # (B,n,3,3)
            target = joints[:, cidx] - joints[:, idx]
            target = (prot.transpose(-1, -2) @ target[..., None])[..., 0]
            rest_dir = _unit(rest_joints[:, cidx] - rest_joints[:, idx])
            swing = swing_matrix(rest_dir, _unit(target))
            twist = twist_matrix(rest_dir, phis[:, idx - 1])
            rot = swing @ twist
            for n, j in enumerate(single):
                local[j] = rot[:, n]
        for j in multi:
            cidx = torch.as_tensor(children[j], device=dev)
            prot = g_rot[parents[j]] if parents[j] >= 0 else eye
            target = joints[:, cidx] - joints[:, j:j + 1]
            target = target @ prot  # rows: prot^T t
            rest = rest_joints[:, cidx] - rest_joints[:, j:j + 1]
            local[j] = procrustes_rotation(rest, target)
        for j in level:
            g_rot[j] = local[j] if parents[j] < 0 else g_rot[parents[j]] @ local[j]
    return torch.stack(local, 1)


def twist_angles(rot_mats: Tensor,
                 rest_joints: Tensor,
                 parents: Sequence[int] = HYBRIK_PARENTS) -> Tensor:
    """The twist part of each rotation, as HybrIK's phi targets.

    ``R = swing(u -> R u) @ twist(u, phi)`` with ``u`` the joint's rest bone
    direction towards its first child.

    Args:
        rot_mats: (B, R, 3, 3) relative rotations (R = 24 for SMPL).
        rest_joints: (B, J, 3) rest-pose joints (J = 29).
        parents: J parent indices.

    Returns:
        (B, R - 1, 2) (cos phi, sin phi) of joints 1..R-1.
    """
    r = rot_mats.shape[1]
    children = children_of(tuple(parents))
    if any(not children[j] for j in range(1, r)):
        raise ValueError('twist_angles: every rotated joint needs a child')
    cidx = torch.as_tensor([children[j][0] for j in range(1, r)], device=rot_mats.device)
    u = _unit(rest_joints[:, cidx] - rest_joints[:, 1:r])  # (B,R-1,3)
    rot = rot_mats[:, 1:]
    swing = swing_matrix(u, _unit((rot @ u[..., None])[..., 0]))
    twist = swing.transpose(-1, -2) @ rot
    cos = (twist.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2
    vee = torch.stack([
        twist[..., 2, 1] - twist[..., 1, 2], twist[..., 0, 2] - twist[..., 2, 0],
        twist[..., 1, 0] - twist[..., 0, 1]
    ], -1) / 2
    sin = (vee * u).sum(-1)
    return torch.stack([cos, sin], -1)


def skeleton_forward_kinematics(rot_mats: Tensor,
                                rest_joints: Tensor,
                                parents: Sequence[int] = HYBRIK_PARENTS) -> Tensor:
    """Pose a skeleton whose last joints carry no rotation (the leaves).

    Args:
        rot_mats: (B, R, 3, 3) relative rotations of the first R joints.
        rest_joints: (B, J, 3), J >= R.

    Returns:
        (B, J, 3) posed joints, every bone rigid.
    """
    b, j = rest_joints.shape[:2]
    r = rot_mats.shape[1]
    if r < j:
        eye = torch.eye(3, dtype=rot_mats.dtype, device=rot_mats.device)
        rot_mats = torch.cat([rot_mats, eye.expand(b, j - r, 3, 3)], 1)
    return forward_kinematics(rot_mats, rest_joints, parents)[0]


__all__: Tuple[str,
               ...] = ('hybrik_inverse_kinematics', 'twist_angles', 'skeleton_forward_kinematics')
