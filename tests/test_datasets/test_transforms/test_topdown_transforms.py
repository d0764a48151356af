"""TopdownAffine, the warp matrix and the inference crop (TopdownCrop)."""
import numpy as np
import pytest
import torch

from mmalphapose.datasets.transforms import (TopdownAffine, TopdownCrop, apply_affine,
                                             get_warp_matrix, warp_crops)


def _results(img=None, center=(100., 60.), scale=(40., 80.), kpts=None):
    img = np.zeros((200, 300, 3), np.uint8) if img is None else img
    r = dict(
        img=img,
        bbox_center=np.array([center], np.float32),
        bbox_scale=np.array([scale], np.float32))
    if kpts is not None:
        r['keypoints'] = np.asarray(kpts, np.float32)[None]
        r['keypoints_visible'] = np.ones((1, len(kpts)), np.float32)
    return r


def test_warp_matrix_maps_center_and_is_isotropic():
    mat = get_warp_matrix(np.array([100., 60.]), np.array([60., 80.]), 0., (192, 256))
    np.testing.assert_allclose(apply_affine(np.array([[100., 60.]]), mat), [[96., 128.]], atol=1e-4)
    assert mat[0, 0] == pytest.approx(192 / 60) and mat[1, 1] == pytest.approx(192 / 60)
    inv = get_warp_matrix(np.array([100., 60.]), np.array([60., 80.]), 0., (192, 256), inv=True)
    pts = np.array([[3., 4.], [150., 20.]])
    np.testing.assert_allclose(apply_affine(apply_affine(pts, mat), inv), pts, atol=1e-3)
    rot = get_warp_matrix(np.array([0., 0.]), np.array([2., 2.]), 90., (2, 2))
    # a point above the center (y=-1) lands to the side after a 90 degree rotation
    out = apply_affine(np.array([[0., -1.]]), rot)[0]
    assert out[1] == pytest.approx(1.0, abs=1e-5) and abs(out[0] - 1.0) == pytest.approx(1.0)


def test_aspect_fixed_and_input_fields():
    r = TopdownAffine(input_size=(192, 256))(_results(kpts=[[100., 60.], [100., 20.]]))
    assert r['img'].shape == (256, 192, 3) and r['img_shape'] == (256, 192)
    # (40, 80) padded to w/h = 0.75 -> (60, 80)
    np.testing.assert_allclose(r['input_scale'], [60., 80.])
    np.testing.assert_allclose(r['bbox_scale'], [[60., 80.]])
    np.testing.assert_allclose(r['input_center'], [100., 60.])
    assert r['input_size'] == (192, 256)
    np.testing.assert_allclose(
        r['transformed_keypoints'][0], [[96., 128.], [96., 128. - 40 * 192 / 60]], atol=1e-3)
    wide = TopdownAffine(input_size=(192, 256))(_results(scale=(120., 40.)))
    np.testing.assert_allclose(wide['input_scale'], [120., 160.])


def test_image_content_is_warped():
    img = np.zeros((200, 300, 3), np.uint8)
    img[50:70, 90:110] = 255  # white square around (100, 60)
    r = TopdownAffine(input_size=(192, 256))(_results(img=img))
    assert r['img'][128, 96].min() == 255 and r['img'][5, 5].max() == 0


def test_rotation_used_and_errors():
    r0 = _results(kpts=[[100., 20.]])
    r0['bbox_rotation'] = np.array([90.], np.float32)
    r = TopdownAffine(input_size=(192, 256))(r0)
    # the point above the center moves horizontally away from the crop center
    assert abs(r['transformed_keypoints'][0, 0, 1] - 128.) < 1e-3
    assert abs(r['transformed_keypoints'][0, 0, 0] - 96.) == pytest.approx(128., abs=1e-3)
    two = _results()
    two['bbox_center'] = np.zeros((2, 2), np.float32)
    two['bbox_scale'] = np.ones((2, 2), np.float32)
    with pytest.raises(ValueError, match='exactly one instance'):
        TopdownAffine(input_size=(192, 256))(two)
    with pytest.raises(ValueError, match='degenerate'):
        TopdownAffine(input_size=(192, 256))(_results(scale=(0., 0.)))
    with pytest.raises(ValueError, match='input_size'):
        TopdownAffine(input_size=(0, 256))


def test_batched_warp_matrix_is_the_per_box_one():
    rng = np.random.default_rng(0)
    centers = rng.uniform(0, 300, (6, 2))
    scales = rng.uniform(10, 200, (6, 2))
    rots = rng.uniform(-40, 40, 6)
    for inv in (False, True):
        mats = get_warp_matrix(centers, scales, rots, (192, 256), inv)
        assert mats.shape == (6, 2, 3)
        for i in range(6):
            np.testing.assert_array_equal(
                mats[i], get_warp_matrix(centers[i], scales[i], rots[i], (192, 256), inv))
    assert get_warp_matrix(np.zeros((0, 2)), np.zeros((0, 2)), 0., (4, 4)).shape == (0, 2, 3)


def test_inference_crop_is_the_pipeline_crop():
    """TopdownCrop (boxes of several frames) gives the crop, centre and scale
    of GetBBoxCenterScale + TopdownAffine on each sample, bit for bit."""
    from mmalphapose.datasets.transforms import GetBBoxCenterScale
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 255, (120, 160, 3), np.uint8) for _ in range(2)]
    boxes = np.array([[10, 20, 60, 110], [100, 5, 150, 40], [30, 30, 30, 30]], np.float32)
    ids = np.array([0, 1, 1])
    crop = TopdownCrop(1.25, (48, 64))
    assert repr(crop) == 'TopdownCrop(padding=1.25, input_size=(48, 64))'
    crops, centers, scales = crop(images, ids, boxes)
    assert crops.shape == (3, 3, 64, 48) and crops.dtype == torch.float32
    assert centers.dtype == scales.dtype == np.float32
    crops = crops.permute(0, 2, 3, 1).numpy().astype(np.uint8)  # (N,h,w,C) as the transform
    for i in range(2):  # the degenerate third box still gives a (1 px) crop
        r = GetBBoxCenterScale(1.25).transform(dict(bbox=boxes[i:i + 1], img=images[ids[i]]))
        r = TopdownAffine(input_size=(48, 64)).transform(r)
        np.testing.assert_array_equal(crops[i], r['img'])
        np.testing.assert_array_equal(centers[i], r['input_center'])
        np.testing.assert_array_equal(scales[i], r['input_scale'])
    np.testing.assert_allclose(scales[2], [1.25, 1.25 / 0.75])
    gray, _, _ = warp_crops([images[0][..., 0]], [0], centers[:1], scales[:1], (48, 64))
    np.testing.assert_array_equal(gray[0], crops[0, ..., 0])
    with pytest.raises(ValueError, match='2 image ids'):
        warp_crops(images, [0, 0], centers, scales, (48, 64))
