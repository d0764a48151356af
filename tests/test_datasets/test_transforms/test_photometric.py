"""Appearance augmentations keep geometry and keypoints."""
import numpy as np
import pytest

from mmalphapose.registry import TRANSFORMS


def _results(seed=0):
    rng = np.random.RandomState(seed)
    img = rng.randint(0, 256, (40, 30, 3), dtype=np.uint8)
    kpts = rng.rand(1, 5, 2).astype(np.float32) * 30
    return dict(img=img, keypoints=kpts.copy()), kpts


def test_photometric_changes_pixels_not_shape_or_keypoints():
    np.random.seed(0)
    t = TRANSFORMS.build(
        dict(
            type='RandomPhotometric', color_prob=1.0, gray_prob=1.0, blur_prob=1.0,
            lowres_prob=1.0))
    res, kpts = _results()
    src = res['img'].copy()
    out = t(res)
    assert out['img'].shape == src.shape and out['img'].dtype == np.uint8
    assert not np.array_equal(out['img'], src)
    # grey: all three channels equal
    np.testing.assert_array_equal(out['img'][..., 0], out['img'][..., 1])
    np.testing.assert_array_equal(out['keypoints'], kpts)


def test_photometric_all_off_is_identity():
    t = TRANSFORMS.build(
        dict(type='RandomPhotometric', color_prob=0, gray_prob=0, blur_prob=0, lowres_prob=0))
    res, _ = _results()
    src = res['img'].copy()
    np.testing.assert_array_equal(t(res)['img'], src)


def test_photometric_rejects_float_images():
    t = TRANSFORMS.build(dict(type='RandomPhotometric'))
    with pytest.raises(ValueError, match='BGR uint8'):
        t(dict(img=np.zeros((4, 4, 3), np.float32)))


def test_occlusion_pastes_patches_and_copies():
    np.random.seed(1)
    t = TRANSFORMS.build(dict(type='RandomOcclusion', prob=1.0, max_patches=2, area=(0.1, 0.2)))
    res, _ = _results()
    src = res['img'].copy()
    src.setflags(write=False)  # read-only input (e.g. the image cache) is not edited
    res['img'] = src
    out = t(res)
    changed = (out['img'] != src).any(-1).mean()
    assert 0.0 < changed <= 0.45
    assert out['img'].shape == src.shape


def test_occlusion_prob_zero():
    t = TRANSFORMS.build(dict(type='RandomOcclusion', prob=0.0))
    res, _ = _results()
    src = res['img']
    assert t(res)['img'] is src


def test_crowd_paste_puts_a_copy_on_one_side():
    # a bright "person" column in the middle of a dark crop
    img = np.zeros((64, 48, 3), np.uint8)
    img[8:56, 20:28] = 255
    kpts = np.array([[[24., 10.], [24., 50.]]])
    t = TRANSFORMS.build(
        dict(
            type='RandomCrowdPaste',
            prob=1.0,
            shift=(0.375, 0.375),
            band=(0.4, 0.4),
            scale=(1.0, 1.0)))
    np.random.seed(0)
    res = t.transform(dict(img=img.copy(), keypoints=kpts.copy()))
    out = res['img']
    assert out.shape == img.shape
    np.testing.assert_array_equal(res['keypoints'], kpts)  # targets untouched
    np.testing.assert_array_equal(out[:, 20:28], img[:, 20:28])  # the target stays
    left, right = out[:, :19].max(), out[:, 29:].max()
    assert max(left, right) == 255 and min(left, right) == 0  # one distractor, one side
    cols = np.where(out[32].max(-1) == 255)[0]
    assert len(cols) == 16  # two 8-px people


def test_crowd_paste_prob_zero():
    img = np.random.randint(0, 255, (32, 24, 3), np.uint8)
    t = TRANSFORMS.build(dict(type='RandomCrowdPaste', prob=0.0))
    assert t.transform(dict(img=img))['img'] is img
