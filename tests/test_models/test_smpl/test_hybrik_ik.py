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
    assert torch.allclose(again - again[:, :1], joints - joints[:, :1], atol=1e-5)
    # HybrIK's training IK (bone directions, swing-and-twist pelvis) too; its
    # pelvis is ill-conditioned where the hips' mean is near the spine line
    train = hybrik_inverse_kinematics(joints, phis, rest, HYBRIK_PARENTS, mode='train')
    assert (train - rot).abs().max() < 1e-2


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
    # stretch every bone of the observed skeleton: every position target is
    # then more than 15 mm off, so HybrIK falls back to the bone directions
    par = torch.as_tensor(HYBRIK_PARENTS[1:])
    bones = joints[:, 1:] - joints[:, par]
    stretched = [joints[:, 0]]
    for j in range(1, 29):
        stretched.append(stretched[HYBRIK_PARENTS[j]] + 1.5 * bones[:, j - 1])
    rec = hybrik_inverse_kinematics(torch.stack(stretched, 1), phis, rest)
    assert (rec - rot).abs().max() < 1e-4
    # a different twist changes every joint but the pelvis, spine3 included
    other = hybrik_inverse_kinematics(joints, torch.flip(phis, [-1]), rest)
    diff = (other - rot).abs().amax((-1, -2))
    assert diff[:, 0].max() < 1e-6
    assert (diff[:, 1:] > 1e-3).all()
    # spine3 (joint 9) uses its own twist (phi 8) in HybrIK's way, not with
    # spine3='svd' (AlphaPose's copy), which fits its three children
    spine3_twist = phis.clone()
    spine3_twist[:, 8] = torch.flip(phis[:, 8], [-1])
    svd = hybrik_inverse_kinematics(joints, phis, rest, spine3='svd')
    assert (svd - rot).abs().max() < 1e-4
    twist_9 = hybrik_inverse_kinematics(joints, spine3_twist, rest)
    svd_9 = hybrik_inverse_kinematics(joints, spine3_twist, rest, spine3='svd')
    assert ((twist_9 - rot)[:, 9].abs().amax((-1, -2)) > 1e-3).all()
    assert (svd_9 - svd)[:, 9].abs().max() < 1e-12


def test_ik_aims_at_positions_with_15mm_fallback():
    """HybrIK (test mode) aims each bone at the child's predicted position
    from where the rest skeleton's forward kinematics put the joint; a
    target more than 15 mm from the predicted bone direction (scaled to the
    rest length) is replaced by that direction."""
    b = 4
    rest = _rest(b)
    rot = _random_rot(b, 1.0, 3)
    joints = skeleton_forward_kinematics(rot, rest)
    phis = twist_angles(rot, rest)

    def knee_error(rots, observed):
        # FK puts the root at the rest root, as HybrIK's targets do
        fk = skeleton_forward_kinematics(rots, rest)
        final = observed - observed[:, :1] + rest[:, :1]
        return (fk[:, 4] - final[:, 4]).norm(dim=-1)

    for shift, aims in ((0.005, True), (0.05, False)):
        moved = joints.clone()
        moved[:, 1] += torch.tensor([shift, 0., 0.], dtype=joints.dtype)  # the left hip
        aimed = hybrik_inverse_kinematics(moved, phis, rest)
        bones = hybrik_inverse_kinematics(moved, phis, rest, fallback_dist=0.)
        if aims:  # 5 mm: the hip aims at the knee's position, not along the bone
            assert (aimed[:, 1] - bones[:, 1]).abs().max() > 1e-3
            assert (knee_error(aimed, moved) < knee_error(bones, moved)).all()
        else:  # 50 mm: beyond 15 mm, the bone direction
            assert (aimed[:, 1] - bones[:, 1]).abs().max() < 1e-6
    # the threshold is a parameter: with 10 cm the 50 mm shift is aimed at
    wide = hybrik_inverse_kinematics(moved, phis, rest, fallback_dist=0.1)
    assert (wide[:, 1] - bones[:, 1]).abs().max() > 1e-3


def test_train_mode_detaches_the_joints():
    rest = _rest(2)
    rot = _random_rot(2, 1.0, 4)
    joints = skeleton_forward_kinematics(rot, rest).requires_grad_(True)
    phis = twist_angles(rot, rest).requires_grad_(True)
    hybrik_inverse_kinematics(joints, phis, rest, mode='train').sum().backward()
    assert joints.grad is None and phis.grad.abs().sum() > 0


def test_ik_errors():
    rest = _rest(2)
    with pytest.raises(ValueError, match='phis'):
        hybrik_inverse_kinematics(rest, torch.zeros(2, 22, 2, dtype=torch.float64), rest)
    with pytest.raises(ValueError, match='joints'):
        hybrik_inverse_kinematics(rest[:, :24], torch.zeros(2, 23, 2), rest)
    with pytest.raises(ValueError, match='no child'):
        hybrik_inverse_kinematics(rest[:, :24], torch.zeros(2, 23, 2, dtype=torch.float64),
                                  rest[:, :24], HYBRIK_PARENTS[:24])
    with pytest.raises(ValueError, match='mode'):
        hybrik_inverse_kinematics(rest, torch.zeros(2, 23, 2, dtype=torch.float64), rest,
                                  mode='eval')
    with pytest.raises(ValueError, match='spine3'):
        hybrik_inverse_kinematics(rest, torch.zeros(2, 23, 2, dtype=torch.float64), rest,
                                  spine3='x')
