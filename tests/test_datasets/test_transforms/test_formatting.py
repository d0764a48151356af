"""PackPoseInputs."""
import numpy as np
import torch

from mmalphapose.datasets.transforms import PackPoseInputs
from mmalphapose.structures import PoseDataSample


def test_pack_pose_inputs():
    r = dict(
        img=np.random.randint(0, 255, (256, 192, 3), np.uint8),
        img_id=5,
        id=7,
        img_path='a.jpg',
        ori_shape=(100, 80),
        img_shape=(256, 192),
        input_size=(192, 256),
        input_center=np.array([1., 2.]),
        input_scale=np.array([30., 40.]),
        flip_indices=list(range(17)),
        bbox=np.array([[1., 2., 3., 4.]], np.float32),
        bbox_score=np.ones(1, np.float32),
        keypoints=np.zeros((1, 17, 2), np.float32),
        keypoints_visible=np.ones((1, 17), np.float32),
        transformed_keypoints=np.ones((1, 17, 2), np.float32),
        track_id=np.array([3]),
        keypoint_labels=np.zeros((1, 17, 2), np.float32),
        keypoint_weights=np.ones((1, 17), np.float32),
        heatmaps=np.zeros((17, 64, 48), np.float32),
        category_id=1)
    out = PackPoseInputs()(r)
    inputs, ds = out['inputs'], out['data_samples']
    assert isinstance(inputs, torch.Tensor) and inputs.shape == (3, 256, 192)
    assert inputs.dtype == torch.uint8
    assert torch.equal(inputs[:, 10, 20], torch.from_numpy(r['img'][10, 20].copy()))
    assert isinstance(ds, PoseDataSample)
    gt = ds.gt_instances
    assert gt.bboxes.shape == (1, 4) and gt.keypoints.shape == (1, 17, 2)
    assert gt.keypoints_visible.shape == (1, 17) and gt.track_ids.tolist() == [3]
    assert gt.bbox_scores.shape == (1, ) and gt.category_ids.tolist() == [1]
    assert isinstance(ds.gt_instance_labels.keypoint_labels, torch.Tensor)
    assert ds.gt_instance_labels.keypoint_weights.shape == (1, 17)
    assert tuple(ds.gt_fields.heatmaps.shape) == (17, 64, 48)
    for key in ('img_id', 'id', 'img_path', 'input_size', 'input_center', 'input_scale',
                'flip_indices', 'ori_shape', 'img_shape'):
        assert key in ds.metainfo, key
    assert ds.metainfo['img_id'] == 5


def test_pack_grey_and_no_targets():
    out = PackPoseInputs()(dict(img=np.zeros((8, 6), np.uint8), img_id=1))
    assert out['inputs'].shape == (1, 8, 6)
    assert 'gt_fields' not in out['data_samples']
