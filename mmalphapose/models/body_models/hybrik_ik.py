"""HybrIK inverse kinematics: relative joint rotations from 3D joint positions
by the twist-and-swing decomposition (Li et al., CVPR 2021), as
Jeff-sjtu/HybrIK's ``hybrik/models/layers/smpl/lbs.py`` (commit 9b8681d).

Each joint's rotation relative to its parent is ``R = R_swing @ R_twist``:
the *twist* turns about the joint's rest-pose bone direction (towards its
child) by the predicted angle phi; the *swing* is the smallest rotation taking
that rest bone onto the target bone (expressed in the parent's frame), by
Rodrigues' formula with HybrIK's 1e-8 guards. Spine3 has three children
(neck, both collars); HybrIK treats it as a one-child joint aimed at the neck
with its predicted twist (its ``children_map[9] = neck``), which is the
default here; ``spine3='svd'`` fits all three children by an SVD instead, as
AlphaPose's copy of HybrIK does at inference (MVIG-SJTU/AlphaPose c60106d,
``batch_inverse_kinematics_transform_optimized``).

Two modes, HybrIK's two IK functions:

* ``mode='test'`` (``batch_inverse_kinematics_transform``, HybrIK at
  inference): the pelvis by an SVD fit of its three bones; every other joint
  aims at the *predicted position* of its child, measured from where the
  forward kinematics of the rest skeleton has put the joint, unless that target
  is more than ``fallback_dist`` (15 mm) away from the predicted bone direction
  scaled to the rest bone length, where it uses the latter.
* ``mode='train'`` (``batch_inverse_kinematics_transform_naive``, HybrIK in
  training): bone directions of the detached skeleton only (the rotations get
  gradients through the twists alone); the pelvis by a swing onto the spine
  bone then a turn about it aligning the hips' mean (``batch_get_pelvis_orient``).

Joint positions are in metres (the 15 mm threshold). All people are solved at
once, one tree level at a time.
"""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from .lbs import forward_kinematics
from .rotations import skew, swing_matrix
from .skeleton import HYBRIK_PARENTS, NUM_SMPL_JOINTS, PELVIS_SPINE_CHILD, children_of, tree_levels

#: HybrIK's threshold (metres) between the position target and the bone
#: direction target (``lbs.py``: ``diff > 15 / 1000``).
FALLBACK_DIST = 0.015


def _unit(v: Tensor) -> Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-8)


def _check(pose: Tensor, rest: Tensor, parents: Sequence[int], name: str) -> None:
    if pose.shape != rest.shape or pose.dim() != 3 or pose.shape[1] != len(parents):
        raise ValueError(f'{name}: expected joints (B, {len(parents)}, 3) for both the '
                         f'pose and the rest pose, got {tuple(pose.shape)} and '
                         f'{tuple(rest.shape)}')


def _rotation_between(rest: Tensor, final: Tensor) -> Tensor:
    """HybrIK's ``vectors2rotmat``: the rotation about ``rest x final`` by
    their angle, (..., 3) -> (..., 3, 3), with HybrIK's 1e-8 guards (a zero
    cross product gives the identity)."""
    axis = torch.cross(rest, final, dim=-1)
    axis_norm = axis.norm(dim=-1, keepdim=True)[..., None]
    denom = (rest.norm(dim=-1) * final.norm(dim=-1))[..., None, None] + 1e-8
    cos = (rest * final).sum(-1)[..., None, None] / denom
    sin = axis_norm / denom
    k = skew(axis / (axis.norm(dim=-1, keepdim=True) + 1e-8))
    return _rotation_cos_sin(k, cos, sin)


def _rotation_cos_sin(k: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    eye = torch.eye(3, dtype=k.dtype, device=k.device)
    return eye + sin * k + (1 - cos) * (k @ k)


def _svd_rotation(rest: Tensor, target: Tensor) -> Tensor:
    """HybrIK's SVD fit (``batch_get_pelvis_orient_svd`` /
    ``batch_get_3children_orient_svd``): the rotation taking the rest bones
    (B, n, 3) onto the target bones (B, n, 3); identity where the
    correlation matrix is all zero."""
    s = rest.transpose(1, 2) @ target  # (B,3,3) = sum rest_i target_i^T
    zero = s.sum((1, 2)) == 0
    eye = torch.eye(3, dtype=s.dtype, device=s.device)
    u, _, vh = torch.linalg.svd(torch.where(zero[:, None, None], eye, s))
    v = vh.transpose(1, 2)
    det = torch.det(v @ u.transpose(1, 2))
    fix = torch.diag_embed(torch.stack([torch.ones_like(det), torch.ones_like(det), det], -1))
    rot = v @ fix @ u.transpose(1, 2)
    return torch.where(zero[:, None, None], eye, rot)


def _pelvis_swing_twist(rel_pose: Tensor, rel_rest: Tensor, spine: int,
                        others: List[int]) -> Tensor:
    """HybrIK's ``batch_get_pelvis_orient`` (training): swing the rest spine
    bone onto the observed one, then turn about the observed spine so that the
    mean of the other children (the hips) lines up."""
    spine_final, spine_rest = rel_pose[:, spine], rel_rest[:, spine]
    spine_dir = spine_final / (spine_final.norm(dim=-1, keepdim=True) + 1e-8)
    rot_spine = _rotation_between(spine_rest, spine_final)
    centre_final = rel_pose[:, others].mean(1)
    centre_rest = (rot_spine @ rel_rest[:, others].mean(1)[..., None])[..., 0]
    centre_final = centre_final - (centre_final * spine_dir).sum(-1, keepdim=True) * spine_dir
    centre_rest = centre_rest - (centre_rest * spine_dir).sum(-1, keepdim=True) * spine_dir
    return _rotation_between(centre_rest, centre_final) @ rot_spine


def hybrik_inverse_kinematics(joints: Tensor,
                              phis: Tensor,
                              rest_joints: Tensor,
                              parents: Sequence[int] = HYBRIK_PARENTS,
                              num_rot_joints: int = NUM_SMPL_JOINTS,
                              mode: str = 'test',
                              spine3: str = 'twist',
                              fallback_dist: float = FALLBACK_DIST) -> Tensor:
    """Relative rotations from joint positions and twist angles.

    Args:
        joints: (B, J, 3) predicted joint positions in metres (any
            translation), J = 29 for SMPL + HybrIK leaves.
        phis: (B, num_rot_joints - 1, 2) twist angles (cos, sin) of joints
            1..num_rot_joints-1 (normalised here as HybrIK does).
        rest_joints: (B, J, 3) rest-pose joints of the same body (the shaped
            template's joints and leaf vertices).
        parents: J parent indices (-1 for the root).
        num_rot_joints: joints that get a rotation (24 for SMPL); every one
            of them must have at least one child.
        mode: ``'test'`` (aim at predicted positions, 15 mm fallback to bone
            directions, SVD pelvis) or ``'train'`` (bone directions of the
            detached joints, swing-and-twist pelvis); see the module docstring.
        spine3: how a non-root joint with several children is solved:
            ``'twist'`` (HybrIK: swing towards its first child, the neck,
            plus its predicted twist) or ``'svd'`` (AlphaPose's inference copy:
            SVD fit of all its children's predicted positions; twist unused).
        fallback_dist: the ``'test'`` threshold in metres.

    Returns:
        (B, num_rot_joints, 3, 3) rotations relative to the parent (joint 0:
        the global orientation).
    """
    _check(joints, rest_joints, parents, 'hybrik_inverse_kinematics')
    if mode not in ('test', 'train'):
        raise ValueError(f"hybrik_inverse_kinematics: mode must be 'test' or 'train', got "
                         f'{mode!r}')
    if spine3 not in ('twist', 'svd'):
        raise ValueError(f"hybrik_inverse_kinematics: spine3 must be 'twist' or 'svd', got "
                         f'{spine3!r}')
    b = joints.shape[0]
    if phis.shape != (b, num_rot_joints - 1, 2):
        raise ValueError(f'hybrik_inverse_kinematics: phis must be (B, {num_rot_joints - 1}'
                         f', 2), got {tuple(phis.shape)}')
    parents = tuple(parents)
    children = children_of(parents)
    for j in range(num_rot_joints):
        if not children[j]:
            raise ValueError(f'joint {j} has no child in the skeleton, so its swing '
                             'is undefined (add its leaf joint)')
    dev = joints.device
    par = torch.as_tensor([max(p, 0) for p in parents], device=dev)
    rel_rest = torch.cat([rest_joints[:, :1], rest_joints[:, 1:] - rest_joints[:, par[1:]]], 1)
    pose = joints.detach()
    rel_pose = torch.cat([rel_rest[:, :1], pose[:, 1:] - pose[:, par[1:]]], 1)
    final = joints - joints[:, :1] + rest_joints[:, :1]
    phis = phis / (phis.norm(dim=-1, keepdim=True) + 1e-8)

    root_children = children[0]
    if mode == 'test':
        root_rot = _svd_rotation(rel_rest[:, root_children], rel_pose[:, root_children])
    else:
        spine = PELVIS_SPINE_CHILD if PELVIS_SPINE_CHILD in root_children else root_children[0]
        root_rot = _pelvis_swing_twist(rel_pose, rel_rest, spine,
                                       [c for c in root_children if c != spine])

    g_rot: List[Tensor] = [None] * num_rot_joints  # type: ignore[list-item]
    local: List[Tensor] = [None] * num_rot_joints  # type: ignore[list-item]
    # where the forward kinematics of the rest skeleton puts each joint
    placed: List[Tensor] = [None] * len(parents)  # type: ignore[list-item]
    g_rot[0] = local[0] = root_rot
    placed[0] = rel_rest[:, 0]
    for level in tree_levels(parents)[1:]:
        level = [j for j in level if j < num_rot_joints]
        if not level:
            continue
        idx = torch.as_tensor(level, device=dev)
        prot = torch.stack([g_rot[parents[j]] for j in level], 1)  # (B,n,3,3)
        here = torch.stack([placed[parents[j]] for j in level], 1) + \
            (prot @ rel_rest[:, idx, :, None])[..., 0]
        for n, j in enumerate(level):
            placed[j] = here[:, n]
        svd = [n for n, j in enumerate(level) if spine3 == 'svd' and len(children[j]) > 1]
        cidx = torch.as_tensor([children[j][0] for j in level], device=dev)
        if mode == 'test':
            target = final[:, cidx] - here
            bone = rel_pose[:, cidx]
            bone = bone * rel_rest[:, cidx].norm(dim=-1, keepdim=True) / bone.norm(
                dim=-1, keepdim=True)
            far = (target - bone).norm(dim=-1, keepdim=True) > fallback_dist
            target = torch.where(far, bone, target)
        else:
            target = rel_pose[:, cidx]
        target = (prot.transpose(-1, -2) @ target[..., None])[..., 0]
        rest_c = rel_rest[:, cidx]
        swing = _rotation_between(rest_c, target)
        spin = skew(rest_c / rest_c.norm(dim=-1, keepdim=True))
        cs = phis[:, idx - 1]
        twist = _rotation_cos_sin(spin, cs[..., :1, None], cs[..., 1:, None])
        rot = swing @ twist
        for n, j in enumerate(level):
            if n in svd:
                kids = children[j]
                if mode == 'test':
                    tgt = final[:, kids] - here[:, n:n + 1]
                else:
                    tgt = rel_pose[:, kids]
                tgt = tgt @ prot[:, n]  # rows: prot^T t
                local[j] = _svd_rotation(rel_rest[:, kids], tgt)
            else:
                local[j] = rot[:, n]
            g_rot[j] = g_rot[parents[j]] @ local[j]
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
