"""SMPLLayer on the synthetic model: forward, the 29 joints, HybrIK."""
import pytest
import torch

from mmalphapose.models.body_models import ENV_VAR, SMPLLayer, axis_angle_to_matrix, twist_angles
from mmalphapose.registry import MODELS
from .synthetic_smpl import write_synthetic_smpl


@pytest.fixture(scope='module')
def smpl_file(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('smpl') / 'synthetic.pkl')
    return path, write_synthetic_smpl(path)


def test_forward_shapes_and_leaves(smpl_file):
    path, leaf = smpl_file
    layer = MODELS.build(
        dict(type='SMPLLayer', model_path=path, leaf_vertex_ids=leaf, dtype=torch.float64))
    assert layer.state_dict() == {}  # the licensed arrays never go into checkpoints
    b = 3
    betas = torch.randn(b, 10, dtype=torch.float64) * 0.5
    aa = torch.randn(b, 72, dtype=torch.float64) * 0.3
    out = layer(betas, aa, transl=torch.ones(b, 3, dtype=torch.float64))
    v = layer.num_vertices
    assert out.vertices.shape == (b, v, 3) and out.joints.shape == (b, 24, 3)
    assert out.joints29.shape == (b, 29, 3) and out.rot_mats.shape == (b, 24, 3, 3)
    assert torch.equal(out.joints29[:, 24:], out.vertices[:, list(leaf)])
    # the same with rotation matrices, and without the full mesh
    rot = axis_angle_to_matrix(aa.reshape(b, 24, 3))
    out2 = layer(betas, rot, transl=torch.ones(b, 3, dtype=torch.float64), return_verts=False)
    assert out2.vertices is None
    assert torch.allclose(out2.joints29, out.joints29, atol=1e-12)


def test_hybrik_recovers_pose(smpl_file):
    path, leaf = smpl_file
    layer = SMPLLayer(path, leaf_vertex_ids=leaf, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    b = 16
    betas = torch.randn(b, 10, generator=g, dtype=torch.float64)
    rot = axis_angle_to_matrix(torch.randn(b, 24, 3, generator=g, dtype=torch.float64) * 0.4)
    _, rest = layer.shaped(betas)
    # pose skeleton = rigid FK of the rest joints (leaves included)
    from mmalphapose.models.body_models import skeleton_forward_kinematics
    joints29 = skeleton_forward_kinematics(rot, rest)
    out = layer.hybrik(joints29, betas, twist_angles(rot, rest))
    assert (out.rot_mats - rot).abs().max() < 1e-4
    assert torch.allclose(out.joints[:, 0], torch.zeros(b, 3, dtype=torch.float64), atol=1e-12)
    fk = layer(betas, rot)
    assert torch.allclose(out.joints, fk.joints - fk.joints[:, :1], atol=1e-5)


def test_errors(tmp_path, monkeypatch, smpl_file):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match='SMPL model file not found'):
        SMPLLayer(str(tmp_path / 'missing.pkl'))
    path, leaf = smpl_file
    with pytest.raises(ValueError, match='leaf_vertex_ids'):
        SMPLLayer(path)  # the default ids are for the 6890-vertex mesh
    with pytest.raises(ValueError, match='ik_spine3'):
        SMPLLayer(path, leaf_vertex_ids=leaf, ik_spine3='svd3')
    layer = SMPLLayer(path, leaf_vertex_ids=leaf)
    with pytest.raises(ValueError, match='pose must be'):
        layer(torch.zeros(1, 10), torch.zeros(1, 70))
