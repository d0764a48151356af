import cv2
import numpy as np
import torch

from mmalphapose.apis.crop import (boxes_to_center_scale, crop_affine_matrices,
                                   crop_people, group_by_frame)


def test_center_scale_pads_to_aspect_and_125():
    c, s = boxes_to_center_scale(np.array([[10, 20, 110, 220], [0, 0, 300, 100]]), (192, 256))
    np.testing.assert_allclose(c, [[60, 120], [150, 50]])
    # tall box: w grows to 0.75 h; wide box: h grows to w / 0.75; both x1.25
    np.testing.assert_allclose(s, [[150 * 1.25, 200 * 1.25], [300 * 1.25, 400 * 1.25]])


def test_degenerate_box_gives_finite_crop():
    c, s = boxes_to_center_scale(np.array([[5, 5, 5, 5]]), (48, 64))
    assert np.isfinite(s).all() and (s > 0).all()
    out = crop_people([np.zeros((20, 20, 3), np.uint8)], np.array([0]), c, s, (48, 64))
    assert out.shape == (1, 3, 64, 48) and torch.isfinite(out).all()


def test_matrices_invert_each_other():
    c = np.array([[100., 50.], [30., 40.]])
    s = np.array([[90., 120.], [30., 40.]])
    fwd = crop_affine_matrices(c, s, (192, 256))
    inv = crop_affine_matrices(c, s, (192, 256), inverse=True)
    pts = np.array([[10., 20., 1.]]).T
    for f, i in zip(fwd, inv):
        back = i @ np.vstack([f @ pts, [[1.]]])
        np.testing.assert_allclose(back[:, 0], [10, 20], atol=1e-3)
    # the center maps to the crop center
    np.testing.assert_allclose(fwd[0] @ [100, 50, 1], [96, 128], atol=1e-4)


def test_one_step_crop_matches_cv2_warp(data_root):
    img1 = cv2.imread(f'{data_root}/coco/000000197388.jpg')
    img2 = cv2.imread(f'{data_root}/coco/000000000785.jpg')  # another size
    boxes = np.array([[100, 50, 300, 380], [10, 10, 60, 200], [400, 100, 640, 300],
                      [600, 300, 700, 500]], np.float32)  # the last leaves the image
    fids = np.array([0, 0, 1, 1])
    c, s = boxes_to_center_scale(boxes, (192, 256))
    out = crop_people([img1, img2], fids, c, s, (192, 256))
    assert out.shape == (4, 3, 256, 192)
    mats = crop_affine_matrices(c, s, (192, 256))
    for i in range(4):
        ref = cv2.warpAffine([img1, img2][fids[i]], mats[i], (192, 256),
                             flags=cv2.INTER_LINEAR).astype(np.float32)
        diff = np.abs(out[i].permute(1, 2, 0).numpy() - ref)
        assert diff.mean() < 0.5 and np.percentile(diff, 99) < 3


def test_group_by_frame_keeps_order():
    groups = group_by_frame(np.array([1, 0, 1, 2, 0]), 4)
    assert [g.tolist() for g in groups] == [[1, 4], [0, 2], [3], []]
