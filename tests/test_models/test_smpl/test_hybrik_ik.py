"""HybrIK inverse kinematics: random poses -> FK -> IK -> the same rotations."""
import pytest
import torch

from mmalphapose.models.body_models import (HYBRIK_PARENTS, axis_angle_to_matrix,
                                            hybrik_inverse_kinematics, skeleton_forward_kinematics,
                                            twist_angles)
from .synthetic_smpl import LEAF_POSITIONS, REST_JOINTS


def _rest(b, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    rest = torch.cat([torch.as_tensor(REST_JOINTS), torch.as_tensor(LEAF_POSITIONS)])
    # per-person bone-length changes, as a shape would give
    noise = torch.randn(b, 29, 3, generator=g, dtype=torch.float64) * 0.01
    return (rest[None] + noise).to(dtype)


def _random_rot(b, max_angle, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    axis = torch.nn.functional.normalize(
        torch.randn(b, 24, 3, generator=g, dtype=torch.float64), dim=-1)
    angle = torch.rand(b, 24, 1, generator=g, dtype=torch.float64) * max_angle
    rot = axis_angle_to_matrix(axis * angle)
    rot[:, 0] = axis_angle_to_matrix(torch.randn(b, 3, generator=g, dtype=torch.float64))
    return rot.to(dtype)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_ik_round_trip(seed):
    b = 64
    rest = _rest(b, seed=seed)
    rot = _random_rot(b, 2.0, seed)
    joints = skeleton_forward_kinematics(rot, rest, HYBRIK_PARENTS)
    joints = joints - joints[:, :1] + torch.randn(b, 1, 3, dtype=torch.float64)  # any root
    phis = twist_angles(rot, rest, HYBRIK_PARENTS)
    assert phis.shape == (b, 23, 2)
    assert torch.allclose(phis.norm(dim=-1), torch.ones(b, 23, dtype=torch.float64))
    rec = hybrik_inverse_kinematics(joints, phis, rest, HYBRIK_PARENTS)
    assert rec.shape == (b, 24, 3, 3)
    assert (rec - rot).abs().max() < 1e-4
    # and the recovered rotations reproduce the joints
    again = skeleton_forward_kinematics(rec, rest, HYBRIK_PARENTS)
    assert torch.allclose(again - again[:, :1], joints - joints[:, :1], atol=1e-8)


def test_ik_round_trip_float32():
    b = 32
    rest = _rest(b, torch.float32)
    rot = _random_rot(b, 1.5, 5, torch.float32)
    joints = skeleton_forward_kinematics(rot, rest, HYBRIK_PARENTS)
    rec = hybrik_inverse_kinematics(joints, twist_angles(rot, rest), rest)
    assert rec.dtype == torch.float32
    assert (rec - rot).abs().max() < 1e-4


def test_ik_bone_lengths_do_not_matter_and_twist_is_used():
    b = 8
    rest = _rest(b)
    rot = _random_rot(b, 1.5, 7)
    joints = skeleton_forward_kinematics(rot, rest)
    phis = twist_angles(rot, rest)
    # stretch every bone of the observed skeleton: directions are kept
    par = torch.as_tensor(HYBRIK_PARENTS[1:])
    bones = joints[:, 1:] - joints[:, par]
    stretched = [joints[:, 0]]
    for j in range(1, 29):
        stretched.append(stretched[HYBRIK_PARENTS[j]] + 1.3 * bones[:, j - 1])
    rec = hybrik_inverse_kinematics(torch.stack(stretched, 1), phis, rest)
    assert (rec - rot).abs().max() < 1e-4
    # a different twist changes single-child joints but not the pelvis, and
    # spine3's global orientation is fixed by its three children alone
    other = hybrik_inverse_kinematics(joints, torch.flip(phis, [-1]), rest)
    diff = (other - rot).abs().amax((-1, -2))
    assert diff[:, 0].max() < 1e-6
    assert (diff[:, 1:9] > 1e-3).all()

    def spine3_global(r):
        return r[:, 0] @ r[:, 3] @ r[:, 6] @ r[:, 9]

    assert torch.allclose(spine3_global(other), spine3_global(rot), atol=1e-8)


def test_ik_errors():
    rest = _rest(2)
    with pytest.raises(ValueError, match='phis'):
        hybrik_inverse_kinematics(rest, torch.zeros(2, 22, 2, dtype=torch.float64), rest)
    with pytest.raises(ValueError, match='joints'):
        hybrik_inverse_kinematics(rest[:, :24], torch.zeros(2, 23, 2), rest)
    with pytest.raises(ValueError, match='no child'):
        hybrik_inverse_kinematics(rest[:, :24], torch.zeros(2, 23, 2, dtype=torch.float64),
                                  rest[:, :24], HYBRIK_PARENTS[:24])
