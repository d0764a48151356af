"""SMPL inference end to end: random weights, the synthetic body model."""
import json
from functools import partial

import numpy as np
import pytest
import torch
from mmengine.config import Config
from test_models.test_smpl.synthetic_smpl import write_synthetic_smpl

from mmalphapose.apis import TopdownPredictor, init_model
from mmalphapose.apis.inputs import Frame, Source, SourceEnd, SourceStart
from mmalphapose.apis.smpl_inference import (SMPLResult, SMPLResultWriter, SMPLStage,
                                             SMPLVisualizer, build_smpl_layer, draw_smpl,
                                             inference_smpl, smpl_result_to_json)
from mmalphapose.apis.writers import FrameWriter
from mmalphapose.models.body_models import ENV_VAR
from mmalphapose.registry import TRACKERS

CROP = (64, 64)


def tiny_hybrik_config(leaf=None) -> dict:
    """A small HybrIK model (SE-ResNet-18, 64x64 crops, 16x16x8 volumes) with
    the test pipeline's crop and the 29-joint metainfo."""
    layer = dict(type='SMPLLayer', leaf_vertex_ids=list(leaf)) if leaf else None
    return dict(
        model=dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='SEResNet', depth=18),
            head=dict(
                type='HybrIKHead',
                in_channels=512,
                deconv_out_channels=(32, 32, 32),
                smpl_layer=layer,
                decoder=dict(
                    type='HybrIKLabel', input_size=CROP, heatmap_size=(16, 16), depth_size=8)),
            test_cfg=dict(flip_test=True),
            metainfo=dict(from_file='configs/_base_/datasets/smpl29.py')),
        test_pipeline=[
            dict(type='GetBBoxCenterScale', padding=1.25),
            dict(type='TopdownAffine', input_size=CROP)
        ])


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp('smpl')
    path = str(folder / 'synthetic.npz')
    leaf = write_synthetic_smpl(path)
    cfg_path = str(folder / 'tiny_hybrik.py')
    Config(tiny_hybrik_config(leaf)).dump(cfg_path)
    torch.manual_seed(0)
    cfg = tiny_hybrik_config()  # the model without an SMPL layer of its own
    model = init_model(Config(cfg))
    return model, build_smpl_layer(path, cfg_path), path, cfg_path


def test_end_to_end(setup):
    model, smpl = setup[:2]
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 60, 110], [70, 5, 150, 115], [0, 0, 30, 30]], np.float32)
    res = inference_smpl(model, img, boxes, smpl, return_vertices=True)
    n, v = 3, smpl.num_vertices
    assert res.keypoints.shape == (n, 29, 2) and res.joints_3d.shape == (n, 29, 3)
    assert res.pose.shape == (n, 24, 3, 3) and res.pose_axis_angle.shape == (n, 72)
    assert res.betas.shape == (n, 10) and res.cam.shape == (n, 3)
    assert res.vertices.shape == (n, v, 3) and res.vertices_2d.shape == (n, v, 2)
    assert res.faces is not None and len(res.faces) > 0
    # the root joint sits at cam_root and projects onto the head's root (u, v)
    assert np.allclose(res.joints_3d[:, 0], res.cam_root, atol=1e-5)
    people = TopdownPredictor(model)([img], np.zeros(n, np.int64), boxes)
    assert np.allclose(res.keypoints[:, 0], people.keypoints[:, 0], atol=1e-2)
    # the crop is the test pipeline's: padding 1.25 around the box centre, square
    first = res.crop_boxes[0]
    assert np.allclose(first, [35 - 62.5, 60 - 62.5, 35 + 62.5, 60 + 62.5], atol=1e-3)
    # every person is solved independently (vectorised, same as one by one)
    one = inference_smpl(model, img, boxes[1:2], smpl)
    assert np.allclose(one.joints_3d[0], res.joints_3d[1], atol=1e-5)
    assert one.vertices is None and one.faces is None
    # JSON and overlay
    recs = smpl_result_to_json(res, '0.jpg', frame_id=0, track_ids=[4, 5, 6], include_vertices=True)
    back = json.loads(json.dumps(recs))
    assert len(back) == 3 and len(back[0]['keypoints']) == 29 * 3
    assert len(back[0]['smpl_pose']) == 72 and len(back[0]['vertices']) == v
    assert back[0]['box'] == [10.0, 10.0, 50.0, 100.0]
    assert [r['idx'] for r in back] == [4, 5, 6] and back[2]['frame_id'] == 0
    mesh = draw_smpl(img, res)
    skel = draw_smpl(img, res, draw_mesh=False)
    assert (mesh != img).any() and (skel != img).any() and (mesh != skel).any()


def test_flip_override_leaves_the_model_alone(setup):
    model, smpl = setup[:2]
    img = np.random.default_rng(1).integers(0, 255, (80, 80, 3), dtype=np.uint8)
    box = np.array([[5, 5, 70, 75]], np.float32)
    flipped = inference_smpl(model, img, box, smpl)
    plain = inference_smpl(model, img, box, smpl, flip=False)
    assert model.test_cfg['flip_test'] is True
    assert not np.allclose(flipped.joints_3d, plain.joints_3d)


def test_no_people(setup):
    model, smpl = setup[:2]
    res = inference_smpl(model, np.zeros((50, 50, 3), np.uint8), np.zeros((0, 4)), smpl)
    assert len(res) == 0 and res.joints_3d.shape == (0, 29, 3)
    assert smpl_result_to_json(res, 'x.jpg') == []
    assert np.array_equal(
        draw_smpl(np.zeros((5, 5, 3), np.uint8), res), np.zeros((5, 5, 3), np.uint8))


def test_json_has_no_nan():
    res = SMPLResult.empty()
    res = SMPLResult(
        **{
            k: np.full((1, ) + v.shape[1:], np.nan, np.float32)
            for k, v in vars(res).items() if v is not None
        })
    text = json.dumps(smpl_result_to_json(res, '0.jpg'), allow_nan=False)
    assert json.loads(text)[0]['cam'] == [0.0, 0.0, 0.0]


def _stream(src, boxes, num_frames):
    yield SourceStart(src)
    rng = np.random.default_rng(2)
    for i in range(num_frames):
        img = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
        yield Frame(
            src,
            i,
            f'{i}.jpg',
            img,
            bboxes=boxes + 2 * i,
            bbox_scores=np.ones(len(boxes), np.float32))
    yield SourceEnd(src)


def test_stage_tracks_and_writes(setup, tmp_path):
    model, smpl = setup[:2]
    tracker = TRACKERS.build(dict(type='PoseAwareTracker', metainfo=model.dataset_meta))
    stage = SMPLStage(model, smpl, tracker, frames_per_batch=2)
    src = Source('video', 'clip', fps=10, size=(128, 96), num_frames=3)
    boxes = np.array([[5, 5, 50, 90], [70, 10, 120, 90]], np.float32)
    vis = SMPLVisualizer(smpl.faces, dataset_meta=model.dataset_meta)
    writer = FrameWriter(
        vis,
        0.3,
        str(tmp_path),
        partial(SMPLResultWriter, str(tmp_path), tracking=True, include_vertices=False),
        save_vis=False,
        save_video=False,
        return_vis=True)
    ids, drawn = [], None
    for item in stage(_stream(src, boxes, 3)):
        done = writer(item)
        if done is not None:
            _, inst, _, drawn = done
            assert inst.keypoints.shape == (2, 29, 2) and inst.vertices.shape[0] == 2
            ids.append(inst.track_ids.tolist())
            assert (drawn != item.img).any()
    written = writer.close()
    assert ids[0] == ids[1] == ids[2] and len(set(ids[0])) == 2  # same people, 2 ids
    assert written == [str(tmp_path / 'clip.json')]
    recs = json.load(open(written[0]))
    assert len(recs) == 6 and {r['image_id'] for r in recs} == {'0.jpg', '1.jpg', '2.jpg'}
    assert all(isinstance(r['idx'], int) for r in recs) and 'vertices' not in recs[0]


def test_smpl_layer_from_config(setup, tmp_path):
    _, smpl, path, cfg_path = setup
    assert smpl.num_vertices < 1000  # the config's leaf ids fit the small model
    with pytest.raises(ValueError, match='leaf_vertex_ids'):
        build_smpl_layer(path, 'configs/body_3d_smpl/hybrik_resnet34_h36m-256x256.py')


def test_missing_smpl_file(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError) as err:
        build_smpl_layer(str(tmp_path / 'SMPL_NEUTRAL.pkl'))
    msg = str(err.value)
    assert 'SMPL_NEUTRAL.pkl' in msg and '--smpl-model' in msg and '\n' not in msg


def test_stage_with_no_boxes(setup):
    model, smpl = setup[:2]
    src = Source('images', 'x', num_frames=1)
    stage = SMPLStage(model, smpl)
    items = list(stage(_stream(src, np.zeros((0, 4), np.float32), 1)))
    inst = items[1].instances
    assert len(inst) == 0 and inst.joints_3d.shape == (0, 29, 3)
    assert len(SMPLResult.from_instances(inst)) == 0
