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
    t = TRANSFORMS.build(dict(type='RandomPhotometric', color_prob=1.0, gray_prob=1.0,
                              blur_prob=1.0, lowres_prob=1.0))
    res, kpts = _results()
    src = res['img'].copy()
    out = t(res)
    assert out['img'].shape == src.shape and out['img'].dtype == np.uint8
    assert not np.array_equal(out['img'], src)
    # grey: all three channels equal
    np.testing.assert_array_equal(out['img'][..., 0], out['img'][..., 1])
    np.testing.assert_array_equal(out['keypoints'], kpts)


def test_photometric_all_off_is_identity():
    t = TRANSFORMS.build(dict(type='RandomPhotometric', color_prob=0, gray_prob=0,
                              blur_prob=0, lowres_prob=0))
    res, _ = _results()
    src = res['img'].copy()
    np.testing.assert_array_equal(t(res)['img'], src)


def test_photometric_rejects_float_images():
    t = TRANSFORMS.build(dict(type='RandomPhotometric'))
    with pytest.raises(ValueError, match='BGR uint8'):
        t(dict(img=np.zeros((4, 4, 3), np.float32)))


def test_occlusion_pastes_patches_and_copies():
    np.random.seed(1)
    t = TRANSFORMS.build(dict(type='RandomOcclusion', prob=1.0, max_patches=2,
                              area=(0.1, 0.2)))
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
