"""SMPL inference end to end: random weights, the synthetic body model."""
import json

import numpy as np
import pytest
import torch

from mmalphapose.apis.smpl_inference import (draw_smpl, inference_smpl,
                                             smpl_result_to_json)
from mmalphapose.models.body_models import ENV_VAR, SMPLLayer
from mmalphapose.registry import MODELS
from test_models.test_smpl.synthetic_smpl import write_synthetic_smpl


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('smpl') / 'synthetic.npz')
    leaf = write_synthetic_smpl(path)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownPoseEstimator', backbone=dict(type='SEResNet', depth=18),
        head=dict(type='HybrIKHead', in_channels=512, deconv_out_channels=(32, 32, 32),
                  decoder=dict(type='HybrIKLabel', input_size=(64, 64),
                               heatmap_size=(16, 16), depth_size=8)),
        test_cfg=dict(flip_test=True))).eval()
    return model, SMPLLayer(path, leaf_vertex_ids=leaf)


def test_end_to_end(setup):
    model, smpl = setup
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 60, 110], [70, 5, 150, 115], [0, 0, 30, 30]], np.float32)
    res = inference_smpl(model, img, boxes, smpl, return_vertices=True)
    n, v = 3, smpl.num_vertices
    assert res.keypoints.shape == (n, 29, 2) and res.joints_3d.shape == (n, 29, 3)
    assert res.pose.shape == (n, 24, 3, 3) and res.pose_axis_angle.shape == (n, 72)
    assert res.betas.shape == (n, 10) and res.cam.shape == (n, 3)
    assert res.vertices.shape == (n, v, 3) and res.vertices_2d.shape == (n, v, 2)
    # the root joint sits at cam_root and projects onto the head's root (u, v)
    assert np.allclose(res.joints_3d[:, 0], res.cam_root, atol=1e-5)
    samples = model.test_step(dict(inputs=list(_crops(img, boxes)), data_samples=_samples(
        img, boxes)))
    root_2d = np.stack([s.pred_instances.keypoints[0, 0] for s in samples])
    assert np.allclose(res.keypoints[:, 0], root_2d, atol=1e-2)
    # every person is solved independently (vectorised, same as one by one)
    one = inference_smpl(model, img, boxes[1:2], smpl)
    assert np.allclose(one.joints_3d[0], res.joints_3d[1], atol=1e-5)
    # JSON and overlay
    recs = smpl_result_to_json(res, '0.jpg', frame_id=0, include_vertices=True)
    text = json.dumps(recs)
    back = json.loads(text)
    assert len(back) == 3 and len(back[0]['keypoints']) == 29 * 3
    assert len(back[0]['smpl_pose']) == 72 and len(back[0]['vertices']) == v
    assert back[0]['box'] == [10.0, 10.0, 50.0, 100.0]
    mesh = draw_smpl(img, res)
    skel = draw_smpl(img, res, draw_mesh=False)
    assert (mesh != img).any() and (skel != img).any() and (mesh != skel).any()


def _crops(img, boxes):
    from mmalphapose.apis.smpl_inference import _crop
    return _crop(img, boxes, (64, 64), 1.25)[0]


def _samples(img, boxes):
    from mmengine.structures import InstanceData

    from mmalphapose.apis.smpl_inference import _crop
    from mmalphapose.structures import PoseDataSample
    _, c, s = _crop(img, boxes, (64, 64), 1.25)
    out = []
    for i in range(len(boxes)):
        d = PoseDataSample(metainfo=dict(input_size=(64, 64), input_center=c[i],
                                         input_scale=s[i]))
        d.gt_instances = InstanceData(bboxes=boxes[i:i + 1], bbox_scores=np.ones(1))
        out.append(d)
    return out


def test_no_people(setup):
    model, smpl = setup
    res = inference_smpl(model, np.zeros((50, 50, 3), np.uint8), np.zeros((0, 4)), smpl)
    assert len(res) == 0 and res.joints_3d.shape == (0, 29, 3)
    assert smpl_result_to_json(res, 'x.jpg') == []


def test_missing_smpl_file(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError) as err:
        SMPLLayer(str(tmp_path / 'SMPL_NEUTRAL.pkl'))
    assert 'smpl_model_path' in str(err.value) and '\n' not in str(err.value)
