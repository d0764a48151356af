import math

import torch

from mmalphapose.models.body_models import (axis_angle_to_matrix, matrix_to_axis_angle,
                                            procrustes_rotation, swing_matrix, twist_matrix)


def _random_aa(n, max_angle=3.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    axis = torch.randn(n, 3, generator=g, dtype=torch.float64)
    axis = axis / axis.norm(dim=-1, keepdim=True)
    return axis * torch.rand(n, 1, generator=g, dtype=torch.float64) * max_angle


def test_axis_angle_matrix_round_trip():
    aa = _random_aa(200)
    rot = axis_angle_to_matrix(aa)
    eye = torch.eye(3, dtype=torch.float64)
    assert torch.allclose(rot @ rot.transpose(-1, -2), eye.expand_as(rot), atol=1e-12)
    assert torch.allclose(torch.det(rot), torch.ones(200, dtype=torch.float64))
    assert torch.allclose(matrix_to_axis_angle(rot), aa, atol=1e-9)
    # a quarter turn about z maps x onto y
    r = axis_angle_to_matrix(torch.tensor([0., 0., math.pi / 2], dtype=torch.float64))
    assert torch.allclose(
        r @ torch.tensor([1., 0, 0], dtype=torch.float64),
        torch.tensor([0., 1, 0], dtype=torch.float64),
        atol=1e-12)
    # zero and tiny angles are finite
    small = axis_angle_to_matrix(torch.tensor([[0., 0, 0], [1e-7, 0, 0]]))
    assert torch.isfinite(small).all()


def test_swing_and_twist():
    g = torch.Generator().manual_seed(1)
    a = torch.nn.functional.normalize(torch.randn(50, 3, generator=g, dtype=torch.float64), dim=-1)
    b = torch.nn.functional.normalize(torch.randn(50, 3, generator=g, dtype=torch.float64), dim=-1)
    s = swing_matrix(a, b)
    assert torch.allclose((s @ a[..., None])[..., 0], b, atol=1e-10)
    # the swing axis is perpendicular to a (no twist component)
    aa = matrix_to_axis_angle(s)
    assert torch.allclose((aa * a).sum(-1), torch.zeros(50, dtype=torch.float64), atol=1e-9)
    phi = torch.rand(50, generator=g, dtype=torch.float64) * 6 - 3
    t = twist_matrix(a, torch.stack([phi.cos(), phi.sin()], -1) * 3.0)  # scale ignored
    assert torch.allclose(t, axis_angle_to_matrix(a * phi[:, None]), atol=1e-10)


def test_procrustes_recovers_rotation():
    rot = axis_angle_to_matrix(_random_aa(20, seed=3))
    src = torch.randn(20, 3, 3, dtype=torch.float64)
    dst = src @ rot.transpose(-1, -2)
    assert torch.allclose(procrustes_rotation(src, dst), rot, atol=1e-10)
