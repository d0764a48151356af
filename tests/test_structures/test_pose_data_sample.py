import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData

from mmalphapose.structures import PoseDataSample, merge_data_samples, split_instances


def _sample(n=3, k=17):
    s = PoseDataSample(metainfo=dict(img_id=7, img_path='a.jpg', input_size=(192, 256)))
    gt = InstanceData()
    gt.bboxes = np.random.rand(n, 4).astype(np.float32)
    gt.keypoints = np.random.rand(n, k, 2).astype(np.float32)
    gt.keypoints_visible = np.ones((n, k), np.float32)
    s.gt_instances = gt
    pred = InstanceData()
    pred.keypoints = np.random.rand(n, k, 2).astype(np.float32)
    pred.keypoint_scores = np.random.rand(n, k).astype(np.float32)
    pred.bboxes = gt.bboxes.copy()
    pred.bbox_scores = np.ones(n, np.float32)
    pred.track_ids = np.arange(n)
    s.pred_instances = pred
    s.gt_fields = PixelData(heatmaps=torch.zeros(k, 64, 48))
    return s


def test_fields_and_round_trip():
    s = _sample()
    assert s.pred_instances.keypoints.shape == (3, 17, 2)
    assert s.metainfo['img_id'] == 7
    # round trip through to_dict-free copies and tensors
    t = s.to_tensor()
    assert isinstance(t.pred_instances.keypoints, torch.Tensor)
    back = t.numpy()
    np.testing.assert_allclose(back.pred_instances.keypoints, s.pred_instances.keypoints)
    np.testing.assert_array_equal(back.pred_instances.track_ids, [0, 1, 2])
    assert 'gt_instances' in s and 'pred_instances' in s
    del s.gt_instances
    assert 'gt_instances' not in s


def test_type_checked():
    s = PoseDataSample()
    with pytest.raises(AssertionError):
        s.pred_instances = {'keypoints': 1}


def test_merge_and_split():
    a, b = _sample(2), _sample(3)
    m = merge_data_samples([a, b])
    assert len(m.pred_instances) == 5
    people = split_instances(m.pred_instances)
    assert len(people) == 5 and len(people[0]['keypoints']) == 17
    assert isinstance(people[0]['track_ids'], int)
    assert split_instances(InstanceData()) == []
    with pytest.raises(ValueError):
        merge_data_samples([])


def test_mmpose_field_names_match():
    """Field names are MMPose 1.x's: a sample's dict keys carry over unchanged."""
    s = _sample()
    keys = set(s.all_keys())
    assert {'gt_instances', 'pred_instances', 'gt_fields'} <= keys
    assert set(s.pred_instances.keys()) == {
        'keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores', 'track_ids'
    }
