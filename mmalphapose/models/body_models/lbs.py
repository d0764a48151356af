"""Linear blend skinning (SMPL): blend shapes, joint regression, forward
kinematics over a kinematic tree and skinning, batched over people."""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from .skeleton import tree_levels


def shape_blend(betas: Tensor, template: Tensor, shapedirs: Tensor) -> Tensor:
    """Rest-pose vertices with shape offsets.

    Args:
        betas: (B, nb) shape coefficients; only the first
            ``min(nb, shapedirs.shape[-1])`` are used.
        template: (V, 3) mean template ``v_template``.
        shapedirs: (V, 3, S) shape blend shapes.

    Returns:
        (B, V, 3) ``v_template + shapedirs @ betas``.
    """
    n = min(betas.shape[-1], shapedirs.shape[-1])
    return template[None] + torch.einsum('bl,vcl->bvc', betas[:, :n], shapedirs[..., :n])


def pose_blend(rot_mats: Tensor, posedirs: Tensor) -> Tensor:
    """Pose-corrective offsets (B, V, 3) from the rotations of joints 1..23.

    Args:
        rot_mats: (B, J, 3, 3) relative rotations (joint 0 is skipped).
        posedirs: (V, 3, 9 * (J - 1)) pose blend shapes, pairing entry
            ``9 * (j - 1) + 3 * r + c`` with ``(R_j - I)[r, c]``.
    """
    eye = torch.eye(3, dtype=rot_mats.dtype, device=rot_mats.device)
    feat = (rot_mats[:, 1:] - eye).reshape(rot_mats.shape[0], -1)
    return torch.einsum('bp,vcp->bvc', feat, posedirs)


def forward_kinematics(rot_mats: Tensor, rest_joints: Tensor,
                       parents: Sequence[int]) -> Tuple[Tensor, Tensor, Tensor]:
    """Pose a skeleton, one tree level at a time (all people at once).

    Args:
        rot_mats: (B, J, 3, 3) rotation of each joint relative to its parent
            (joint 0: the global orientation).
        rest_joints: (B, J, 3) rest-pose joint positions.
        parents: J parent indices (-1 for the root), parents before children.

    Returns:
        posed joints (B, J, 3) (the root stays at its rest position),
        global rotations (B, J, 3, 3), and the skinning transforms (B, J, 3, 4)
        that map a rest-pose point to its posed position for each joint
        (``G_j (x - J_j) + posed_j``).
    """
    b, j = rest_joints.shape[:2]
    if rot_mats.shape[:2] != (b, j):
        raise ValueError(f'rot_mats {tuple(rot_mats.shape)} do not match rest_joints '
                         f'{tuple(rest_joints.shape)}')
    g_rot: List[Tensor] = [None] * j  # type: ignore[list-item]
    g_pos: List[Tensor] = [None] * j  # type: ignore[list-item]
    for level in tree_levels(tuple(parents)):
        idx = torch.as_tensor(level, device=rest_joints.device)
        if parents[level[0]] < 0:
            rot = rot_mats[:, idx]
            pos = rest_joints[:, idx]
        else:
            par = [parents[k] for k in level]
            pidx = torch.as_tensor(par, device=rest_joints.device)
            prot = torch.stack([g_rot[p] for p in par], 1)
            ppos = torch.stack([g_pos[p] for p in par], 1)
            bone = rest_joints[:, idx] - rest_joints[:, pidx]
            rot = prot @ rot_mats[:, idx]
            pos = ppos + (prot @ bone[..., None])[..., 0]
        for n, k in enumerate(level):
            g_rot[k] = rot[:, n]
            g_pos[k] = pos[:, n]
    rots = torch.stack(g_rot, 1)
    posed = torch.stack(g_pos, 1)
    offset = posed - (rots @ rest_joints[..., None])[..., 0]
    return posed, rots, torch.cat([rots, offset[..., None]], -1)


def skin(vertices: Tensor, transforms: Tensor, weights: Tensor) -> Tensor:
    """Blend the per-joint transforms (B, J, 3, 4) with skinning ``weights``
    (V, J) and apply them to rest-pose ``vertices`` (B, V, 3)."""
    t = torch.einsum('vj,bjrc->bvrc', weights, transforms)
    return (t[..., :3] @ vertices[..., None])[..., 0] + t[..., 3]


def linear_blend_skinning(betas: Tensor, rot_mats: Tensor, template: Tensor, shapedirs: Tensor,
                          posedirs: Tensor, j_regressor: Tensor, parents: Sequence[int],
                          weights: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """The SMPL function.

    Args:
        betas: (B, nb); rot_mats: (B, J, 3, 3); template: (V, 3);
        shapedirs: (V, 3, S); posedirs: (V, 3, 9(J-1)); j_regressor: (J, V);
        parents: J ints; weights: (V, J).

    Returns:
        posed vertices (B, V, 3), posed joints (B, J, 3) and the shaped
        rest-pose vertices (B, V, 3).
    """
    v_shaped = shape_blend(betas, template, shapedirs)
    rest_joints = torch.einsum('jv,bvc->bjc', j_regressor, v_shaped)
    v_posed = v_shaped + pose_blend(rot_mats, posedirs)
    joints, _, transforms = forward_kinematics(rot_mats, rest_joints, parents)
    return skin(v_posed, transforms, weights), joints, v_shaped
