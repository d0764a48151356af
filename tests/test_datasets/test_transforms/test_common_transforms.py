"""GetBBoxCenterScale, RandomFlip, RandomHalfBody, RandomBBoxTransform, GenerateTarget."""
import numpy as np
import pytest

from mmalphapose.datasets import parse_pose_metainfo
from mmalphapose.datasets.transforms import (GenerateTarget, GetBBoxCenterScale,
                                             RandomBBoxTransform, RandomFlip, RandomHalfBody)
from mmalphapose.registry import KEYPOINT_CODECS

META = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))


def _coco_results(n=1, seed=0):
    rng = np.random.default_rng(seed)
    kpts = rng.uniform(20, 180, (n, 17, 2)).astype(np.float32)
    return dict(
        img=rng.integers(0, 255, (200, 300, 3), dtype=np.uint8),
        img_shape=(200, 300),
        bbox=np.tile(np.array([[10., 20., 110., 220.]], np.float32), (n, 1)),
        keypoints=kpts,
        keypoints_visible=np.ones((n, 17), np.float32),
        flip_indices=META['flip_indices'],
        upper_body_ids=META['upper_body_ids'],
        lower_body_ids=META['lower_body_ids'])


def test_get_bbox_center_scale():
    r = GetBBoxCenterScale(padding=1.25)(_coco_results(n=2))
    np.testing.assert_allclose(r['bbox_center'], [[60., 120.]] * 2)
    np.testing.assert_allclose(r['bbox_scale'], [[125., 250.]] * 2)
    again = GetBBoxCenterScale(padding=2.0)(
        dict(bbox_center=np.array([[1., 2.]]), bbox_scale=np.array([[3., 4.]])))
    np.testing.assert_allclose(again['bbox_scale'], [[6., 8.]])


def test_random_flip_mirrors_and_swaps():
    r0 = GetBBoxCenterScale()(_coco_results(n=2))
    kpts, img = r0['keypoints'].copy(), r0['img'].copy()
    vis = r0['keypoints_visible'].copy()
    vis[:, 5] = 0  # left shoulder invisible -> right shoulder invisible after the flip
    r0['keypoints_visible'] = vis
    r = RandomFlip(prob=1.0)(dict(r0))
    assert r['flip'] and r['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(r['img'], img[:, ::-1])
    # left wrist (9) of the flipped = mirrored right wrist (10) of the original
    np.testing.assert_allclose(r['keypoints'][:, 9, 0], 299 - kpts[:, 10, 0])
    np.testing.assert_allclose(r['keypoints'][:, 9, 1], kpts[:, 10, 1])
    assert (r['keypoints_visible'][:, 6] == 0).all() and (r['keypoints_visible'][:, 5] == 1).all()
    np.testing.assert_allclose(r['bbox_center'][:, 0], 299 - 60.)
    np.testing.assert_allclose(r['bbox'][0], [299 - 110., 20., 299 - 10., 220.])
    twice = RandomFlip(prob=1.0)(dict(r))
    np.testing.assert_allclose(twice['keypoints'], kpts, atol=1e-4)
    same = RandomFlip(prob=0.0)(GetBBoxCenterScale()(_coco_results()))
    assert not same['flip'] and same['flip_direction'] is None
    with pytest.raises(ValueError):
        RandomFlip(prob=1.5)


def test_random_half_body_vectorised():
    r = GetBBoxCenterScale()(_coco_results(n=3, seed=1))
    r['keypoints_visible'][2, :] = 0
    r['keypoints_visible'][2, :4] = 1  # only 4 visible -> untouched
    orig_c, orig_s = r['bbox_center'].copy(), r['bbox_scale'].copy()
    out = RandomHalfBody(prob=1.0, upper_prioritized_prob=1.0, padding=1.5)(dict(r))
    up = r['keypoints'][:2, :11]
    np.testing.assert_allclose(out['bbox_center'][:2], up.mean(1), rtol=1e-5)
    np.testing.assert_allclose(out['bbox_scale'][:2], (up.max(1) - up.min(1)) * 1.5, rtol=1e-5)
    np.testing.assert_allclose(out['bbox_center'][2], orig_c[2])
    np.testing.assert_allclose(out['bbox_scale'][2], orig_s[2])
    low = RandomHalfBody(
        prob=1.0, upper_prioritized_prob=0.0)(
            GetBBoxCenterScale()(_coco_results(n=1, seed=1)))
    np.testing.assert_allclose(low['bbox_center'][0], r['keypoints'][0, 11:].mean(0), rtol=1e-5)
    never = RandomHalfBody(prob=0.0)(GetBBoxCenterScale()(_coco_results(n=1)))
    np.testing.assert_allclose(never['bbox_scale'], orig_s[:1])


def test_random_bbox_transform_ranges():
    np.random.seed(0)
    t = RandomBBoxTransform(
        scale_factor=(0.7, 1.3), rotate_factor=40., rotate_prob=0.6, shift_prob=0.0)
    r = dict(
        bbox_center=np.full((2000, 2), 50., np.float32),
        bbox_scale=np.full((2000, 2), 100., np.float32))
    out = t(dict(r))
    s = out['bbox_scale'][:, 0] / 100.
    assert s.min() >= 0.7 - 1e-6 and s.max() <= 1.3 + 1e-6 and s.std() > 0.1
    np.testing.assert_allclose(out['bbox_scale'][:, 0], out['bbox_scale'][:, 1])  # isotropic
    rot = out['bbox_rotation']
    assert np.abs(rot).max() <= 80. + 1e-4
    assert 0.3 < np.mean(rot == 0) < 0.5  # rotated with probability 0.6
    np.testing.assert_allclose(out['bbox_center'], 50.)  # no shift
    shifted = RandomBBoxTransform(
        shift_prob=1.0, shift_factor=0.16, rotate_prob=0., scale_prob=0.)(
            dict(r))
    d = shifted['bbox_center'] - 50.
    assert np.abs(d).max() <= 16. + 1e-4 and np.abs(d).max() > 1.
    np.testing.assert_allclose(shifted['bbox_scale'], 100.)
    with pytest.raises(ValueError):
        RandomBBoxTransform(scale_factor=(1.3, 0.7))


@KEYPOINT_CODECS.register_module(force=True)
class _TinyCodec:
    """Test codec: labels = keypoints / input_size - 0.5."""

    def __init__(self, input_size=(192, 256)):
        self.input_size = input_size

    def encode(self, keypoints, keypoints_visible=None):
        return dict(
            keypoint_labels=keypoints / np.array(self.input_size) - 0.5,
            keypoint_weights=np.asarray(keypoints_visible, np.float32).copy())


def test_generate_target_with_registered_codec():
    r = dict(
        transformed_keypoints=np.full((1, 17, 2), 96., np.float32),
        keypoints_visible=np.ones((1, 17), np.float32),
        dataset_keypoint_weights=META['dataset_keypoint_weights'])
    out = GenerateTarget(encoder=dict(type='_TinyCodec'))(dict(r))
    np.testing.assert_allclose(out['keypoint_labels'][0, :, 0], 0.0)
    np.testing.assert_allclose(out['keypoint_labels'][0, :, 1], 96 / 256 - 0.5)
    np.testing.assert_allclose(out['keypoint_weights'], 1.0)
    weighted = GenerateTarget(
        encoder=dict(type='_TinyCodec'), use_dataset_keypoint_weights=True)(
            dict(r))
    np.testing.assert_allclose(weighted['keypoint_weights'][0], META['dataset_keypoint_weights'])
    with pytest.raises(KeyError, match='transformed_keypoints'):
        GenerateTarget(encoder=dict(type='_TinyCodec'))(dict(keypoints_visible=np.ones((1, 2))))


def test_generate_target_with_msra_heatmap_if_available():
    if 'MSRAHeatmap' not in KEYPOINT_CODECS:
        import mmalphapose.codecs  # noqa: F401
    if 'MSRAHeatmap' not in KEYPOINT_CODECS:
        pytest.skip('MSRAHeatmap codec not available yet')
    r = dict(
        transformed_keypoints=np.array([[[96., 128.]] * 17], np.float32),
        keypoints_visible=np.ones((1, 17), np.float32))
    out = GenerateTarget(
        encoder=dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2))(
            r)
    assert out['heatmaps'].shape == (17, 64, 48)
    y, x = np.unravel_index(out['heatmaps'][0].argmax(), (64, 48))
    assert (x, y) == (24, 32)


def _alphapose_half_body(joints, vis, pick_upper):
    """AlphaPose's half_body_transform groups (simple_transform.py:270-290):
    upper = visible ids 0-10, lower = every other visible keypoint; returns
    the centre and the (w, h) extent before its aspect / 1.5 scaling."""
    ids = np.flatnonzero(vis > 0)
    upper, lower = ids[ids <= 10], ids[ids > 10]
    sel = upper if (pick_upper and len(upper) > 2) or len(lower) <= 2 else lower
    pts = joints[sel]
    return pts.mean(0), pts.max(0) - pts.min(0)


def test_random_half_body_alphapose_groups_include_face_and_hands():
    meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/halpe136.py'))
    rng = np.random.default_rng(4)
    kpts = rng.uniform(100, 300, (1, 136, 2)).astype(np.float32)
    kpts[0, 94:] += 226.  # hands far from the body
    vis = np.ones((1, 136), np.float32)
    vis[0, 13] = 0
    res = dict(
        bbox=np.array([[0., 0., 600., 600.]], np.float32),
        keypoints=kpts,
        keypoints_visible=vis,
        upper_body_ids=meta['upper_body_ids'],
        lower_body_ids=meta['lower_body_ids'])
    res = GetBBoxCenterScale()(res)
    ours = RandomHalfBody(
        prob=1.0, upper_prioritized_prob=0.0, upper_body_ids=range(11), lower_body_ids='rest')(
            dict(res))
    centre, extent = _alphapose_half_body(kpts[0], vis[0], pick_upper=False)
    np.testing.assert_allclose(ours['bbox_center'][0], centre, rtol=1e-5)
    np.testing.assert_allclose(ours['bbox_scale'][0], extent * 1.5, rtol=1e-5)
    # metainfo groups leave face and hands out: a different, smaller box
    meta_box = RandomHalfBody(prob=1.0, upper_prioritized_prob=0.0)(dict(res))
    assert meta_box['bbox_scale'][0, 0] < ours['bbox_scale'][0, 0] - 100
    with pytest.raises(ValueError, match='lower_body_ids'):
        RandomHalfBody(lower_body_ids='others')
