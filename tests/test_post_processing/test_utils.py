"""post_processing.utils: metainfo loading, input checks, part groups."""
import os.path as osp

import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.post_processing.utils import (get_pose_arrays, load_metainfo,
                                               resolve_wholebody_groups, select_instances)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_load_metainfo_forms():
    path = osp.join(ROOT, 'configs/_base_/datasets/coco_wholebody.py')
    a = load_metainfo(path)
    b = load_metainfo(dict(from_file=path))
    assert a['num_keypoints'] == b['num_keypoints'] == 133
    assert load_metainfo(a) is a
    assert load_metainfo(None) is None
    assert a['parts']['face'][0] == 23
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_metainfo('configs/_base_/datasets/nope.py')
    with pytest.raises(TypeError):
        load_metainfo(3)


def test_get_pose_arrays_shapes():
    inst = InstanceData(
        keypoints=np.zeros((2, 5, 2), np.float32),
        keypoint_scores=np.ones((2, 5, 1)),
        bboxes=np.zeros((2, 4)),
        bbox_scores=np.ones((2, 1)))
    k, s, b, bs = get_pose_arrays(inst)
    assert k.dtype == np.float64 and s.shape == (2, 5) and bs.shape == (2, )
    bad = InstanceData(keypoints=np.zeros((2, 5, 3)), keypoint_scores=np.ones((2, 5)))
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        get_pose_arrays(bad, need_bboxes=False)
    bad = InstanceData(keypoints=np.zeros((2, 5, 2)), keypoint_scores=np.ones((2, 4)))
    with pytest.raises(ValueError, match='keypoint_scores'):
        get_pose_arrays(bad, need_bboxes=False)
    assert len(select_instances(inst, np.zeros(0, np.int64))) == 0


def test_wholebody_groups():
    body, face, hand = resolve_wholebody_groups(136)
    assert (body.size, face.size, hand.size) == (26, 68, 42)
    parts = dict(
        body=list(range(17)),
        foot=list(range(17, 23)),
        face=list(range(23, 91)),
        left_hand=list(range(91, 112)),
        right_hand=list(range(112, 133)))
    body, face, hand = resolve_wholebody_groups(133, parts)
    assert body.tolist() == list(range(23)) and hand[0] == 91
    with pytest.raises(ValueError, match='parts'):
        resolve_wholebody_groups(68)
    with pytest.raises(ValueError, match='face'):
        resolve_wholebody_groups(133, dict(body=[0]))
