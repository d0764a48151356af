"""LBS on the synthetic SMPL-format model."""
import numpy as np
import torch

from mmalphapose.models.body_models import (SMPL_PARENTS, axis_angle_to_matrix, forward_kinematics,
                                            linear_blend_skinning, pose_blend, shape_blend)
from .synthetic_smpl import REST_JOINTS, make_synthetic_smpl


def _tensors(fields):
    return {
        k: torch.as_tensor(np.asarray(v, np.float64))
        for k, v in fields.items() if k not in ('f', 'kintree_table')
    }


def _subtree(j):
    out = {j}
    for k, p in enumerate(SMPL_PARENTS):
        if p in out:
            out.add(k)
    return out


def _run(t, betas, rot):
    return linear_blend_skinning(betas, rot, t['v_template'], t['shapedirs'], t['posedirs'],
                                 t['J_regressor'], SMPL_PARENTS, t['weights'])


def test_zero_pose_is_template_plus_shape_offsets():
    fields, _ = make_synthetic_smpl(0)
    t = _tensors(fields)
    betas = torch.randn(3, 10, dtype=torch.float64)
    eye = torch.eye(3, dtype=torch.float64).expand(3, 24, 3, 3)
    verts, joints, v_shaped = _run(t, betas, eye)
    expect = t['v_template'] + torch.einsum('vcl,bl->bvc', t['shapedirs'], betas)
    assert torch.allclose(verts, expect, atol=1e-12)
    assert torch.allclose(v_shaped, expect, atol=1e-12)
    # joints come from the regressor applied to the shaped mesh
    assert torch.allclose(joints, torch.einsum('jv,bvc->bjc', t['J_regressor'], expect), atol=1e-12)
    # with zero betas the regressed joints are the designed ones
    _, j0, _ = _run(t, torch.zeros(1, 10, dtype=torch.float64), eye[:1])
    assert torch.allclose(j0[0], torch.as_tensor(REST_JOINTS), atol=1e-12)
    assert torch.allclose(pose_blend(eye, t['posedirs']), torch.zeros_like(verts), atol=0)
    assert torch.allclose(shape_blend(betas, t['v_template'], t['shapedirs']), expect)


def test_rotating_one_joint_moves_only_its_subtree():
    fields, _ = make_synthetic_smpl(0, pose_blend_scale=0.0)
    t = _tensors(fields)
    betas = torch.randn(1, 10, dtype=torch.float64) * 0.5
    eye = torch.eye(3, dtype=torch.float64).expand(1, 24, 3, 3).clone()
    base_v, base_j, _ = _run(t, betas, eye)
    weights = t['weights']
    for joint in (4, 9, 18):  # left knee, spine3 (three children), left elbow
        rot = eye.clone()
        rot[0, joint] = axis_angle_to_matrix(torch.tensor([0.3, -0.5, 0.7], dtype=torch.float64))
        v, j, _ = _run(t, betas, rot)
        sub = sorted(_subtree(joint))
        moved = (j - base_j).norm(dim=-1)[0] > 1e-9
        expect = torch.zeros(24, dtype=torch.bool)
        expect[[k for k in sub if k != joint]] = True
        assert torch.equal(moved, expect), joint
        # vertices skinned only to joints outside the subtree stay put,
        # the ones skinned to the descendants move
        outside = weights[:, sub].sum(1) == 0
        dv = (v - base_v).norm(dim=-1)[0]
        assert dv[outside].max() < 1e-12
        assert (dv[~outside] > 1e-6).float().mean() > 0.5


def test_pose_blend_shapes_and_rigid_bones():
    fields, _ = make_synthetic_smpl(0)
    t = _tensors(fields)
    g = torch.Generator().manual_seed(0)
    aa = torch.randn(2, 24, 3, generator=g, dtype=torch.float64) * 0.4
    rot = axis_angle_to_matrix(aa)
    betas = torch.zeros(2, 10, dtype=torch.float64)
    verts, joints, _ = _run(t, betas, rot)
    # bone lengths are kept by the forward kinematics
    par = torch.as_tensor(SMPL_PARENTS[1:])
    rest = torch.as_tensor(REST_JOINTS)
    bl = (joints[:, 1:] - joints[:, par]).norm(dim=-1)
    assert torch.allclose(bl, (rest[1:] - rest[par]).norm(dim=-1).expand_as(bl), atol=1e-12)
    # a global rotation alone rotates everything about the root
    posed, grot, _ = forward_kinematics(
        rot[:, :1].expand(2, 24, 3, 3).clone() * 0 + torch.eye(3, dtype=torch.float64),
        rest.expand(2, 24, 3), SMPL_PARENTS)
    assert torch.allclose(posed, rest.expand(2, 24, 3))
    # pose blend shapes are added before skinning
    zero_pd = dict(t, posedirs=torch.zeros_like(t['posedirs']))
    v_nopd, _, _ = _run(zero_pd, betas, rot)
    assert (verts - v_nopd).abs().max() > 1e-5
