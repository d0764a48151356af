"""parse_pose_metainfo on the five metainfo configs."""

import numpy as np
import pytest

from mmalphapose.datasets import parse_pose_metainfo

NAMES = {'coco': 17, 'halpe26': 26, 'halpe136': 136, 'coco_wholebody': 133, 'posetrack18': 17}
COCO_SIGMAS = np.array(
    [.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10


def _meta(name):
    return parse_pose_metainfo(dict(from_file=f'configs/_base_/datasets/{name}.py'))


@pytest.mark.parametrize('name,k', list(NAMES.items()))
def test_all_keys_and_shapes(name, k, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative path resolves against the repo root
    m = _meta(name)
    assert m['dataset_name'] == name and m['num_keypoints'] == k
    assert m['keypoint_colors'].shape == (k, 3) and m['keypoint_colors'].dtype == np.uint8
    assert m['sigmas'].shape == (k, ) and m['dataset_keypoint_weights'].shape == (k, )
    assert m['skeleton_link_colors'].shape == (m['num_skeleton_links'], 3)
    flip = np.array(m['flip_indices'])
    np.testing.assert_array_equal(flip[flip], np.arange(k))  # an involution
    for a, b in m['flip_pairs']:
        assert flip[a] == b and flip[b] == a
    assert set(m['upper_body_ids']).isdisjoint(m['lower_body_ids'])
    assert all(0 <= a < k and 0 <= b < k for a, b in m['skeleton_links'])
    assert m['keypoint_name2id'][m['keypoint_id2name'][k - 1]] == k - 1
    np.testing.assert_allclose(m['sigmas'][:17], COCO_SIGMAS, atol=1e-7)


def test_coco_facts():
    m = _meta('coco')
    assert m['flip_pairs'] == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14],
                               [15, 16]]
    assert m['upper_body_ids'] == list(range(11))
    assert m['lower_body_ids'] == list(range(11, 17))


def test_halpe_facts():
    m26, m136 = _meta('halpe26'), _meta('halpe136')
    # Halpe-26 is the first 26 of Halpe-136
    assert [m136['keypoint_id2name'][i] for i in range(26)] == \
        [m26['keypoint_id2name'][i] for i in range(26)]
    np.testing.assert_allclose(m136['sigmas'][:26], m26['sigmas'])
    assert m26['flip_pairs'][-3:] == [[20, 21], [22, 23], [24, 25]]
    assert [m26['keypoint_id2name'][i] for i in (17, 18, 19)] == ['head', 'neck', 'hip']
    assert set(m26['lower_body_ids']) >= {11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25}
    np.testing.assert_allclose(m136['sigmas'][17:20], 0.08)
    np.testing.assert_allclose(m136['sigmas'][20:26], 0.089)
    np.testing.assert_allclose(m136['sigmas'][26:], 0.015)  # official Halpe evaluation
    face = [[26, 42], [27, 41], [28, 40], [29, 39], [30, 38], [31, 37], [32, 36], [33,
                                                                                   35], [43, 52],
            [44, 51], [45, 50], [46, 49], [47, 48], [62, 71], [63, 70], [64, 69], [65,
                                                                                   68], [66, 73],
            [67, 72], [57, 61], [58, 60], [74, 80], [75, 79], [76, 78], [87, 89], [91, 93],
            [86, 90], [81, 85], [82, 84]]
    pairs = {tuple(p) for p in m136['flip_pairs']}
    assert {tuple(p) for p in face} <= pairs
    assert {(94 + i, 115 + i) for i in range(21)} <= pairs
    assert len(pairs) == 11 + len(face) + 21
    assert m136['parts'] == dict(
        body=list(range(20)),
        foot=list(range(20, 26)),
        face=list(range(26, 94)),
        left_hand=list(range(94, 115)),
        right_hand=list(range(115, 136)))


def test_coco_wholebody_facts():
    m = _meta('coco_wholebody')
    pairs = {tuple(p) for p in m['flip_pairs']}
    assert {(17, 20), (18, 21), (19, 22)} <= pairs
    assert {(91 + i, 112 + i) for i in range(21)} <= pairs
    # face pairs are Halpe's minus 3
    m136 = _meta('halpe136')
    halpe_face = {(a - 3, b - 3) for a, b in m136['flip_pairs'] if 26 <= a < 94}
    assert halpe_face == {p for p in pairs if 23 <= p[0] < 91}
    assert m['lower_body_ids'] == list(range(11, 23))
    np.testing.assert_allclose(m['sigmas'][17:23], [0.068, 0.066, 0.066, 0.092, 0.094, 0.094])
    hand = [
        0.029, 0.022, 0.035, 0.037, 0.047, 0.026, 0.025, 0.024, 0.035, 0.018, 0.024, 0.022, 0.026,
        0.017, 0.021, 0.021, 0.032, 0.02, 0.019, 0.022, 0.031
    ]
    np.testing.assert_allclose(m['sigmas'][91:112], hand)
    np.testing.assert_allclose(m['sigmas'][112:], hand)
    assert m['sigmas'][23] == pytest.approx(0.042) and m['sigmas'][23:91].min() == \
        pytest.approx(0.007)
    assert m['parts']['face'] == list(range(23, 91))


def test_posetrack_names():
    m = _meta('posetrack18')
    assert [m['keypoint_id2name'][i] for i in range(3)] == ['nose', 'head_bottom', 'head_top']
    assert m['flip_pairs'][0] == [3, 4] and len(m['flip_pairs']) == 7


def test_dict_input_and_errors():
    m = _meta('coco')
    info = dict(
        dataset_name='tiny',
        keypoint_info={
            0: dict(name='a', id=0, color=[1, 2, 3], type='upper', swap='b'),
            1: dict(name='b', id=1, color=[1, 2, 3], type='lower', swap='a')
        },
        skeleton_info={0: dict(link=('a', 'b'), id=0, color=[0, 0, 0])},
        joint_weights=[1., 1.],
        sigmas=[0.1, 0.1])
    t = parse_pose_metainfo(info)
    assert t['flip_indices'] == [1, 0] and t['skeleton_links'] == [(0, 1)]
    assert m['num_keypoints'] == 17
    assert parse_pose_metainfo(m)['flip_indices'] == m['flip_indices']  # idempotent
    with pytest.raises(FileNotFoundError, match='nope.py'):
        parse_pose_metainfo(dict(from_file='configs/_base_/datasets/nope.py'))
    bad = dict(info, sigmas=[0.1])
    with pytest.raises(ValueError, match='sigmas'):
        parse_pose_metainfo(bad)
    bad = dict(
        info,
        keypoint_info={
            0: dict(info['keypoint_info'][0], swap='zz'),
            1: info['keypoint_info'][1]
        })
    with pytest.raises(ValueError, match='zz'):
        parse_pose_metainfo(bad)
    with pytest.raises(ValueError, match='from_file'):
        parse_pose_metainfo(dict(foo=1))
