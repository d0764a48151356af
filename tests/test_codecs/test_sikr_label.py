import numpy as np
import pytest
import torch

from mmalphapose.codecs import SIKRLabel, integral_decode
from mmalphapose.registry import KEYPOINT_CODECS


def _splat(points_hm, h, w):
    """Bilinear splat: a non-negative map whose mean position is the point."""
    n, k, _ = points_hm.shape
    hm = np.zeros((n, k, h, w))
    x0 = np.floor(points_hm[..., 0]).astype(int)
    y0 = np.floor(points_hm[..., 1]).astype(int)
    fx = points_hm[..., 0] - x0
    fy = points_hm[..., 1] - y0
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing='ij')
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            np.add.at(hm, (ni, ki, y0 + dy, x0 + dx), wy * wx)
    return hm


def test_encode_range_and_weights():
    codec = KEYPOINT_CODECS.build(
        dict(
            type='SIKRLabel',
            input_size=(192, 256),
            heatmap_size=(48, 64),
            body_weight=2,
            num_body_keypoints=2))
    kpts = np.array([[[0, 0], [192, 256], [96, 128]]], np.float32)
    enc = codec.encode(kpts, np.array([[1, 1, 0]]))
    np.testing.assert_allclose(enc['keypoint_labels'][0], [[-0.5, -0.5], [0.5, 0.5], [0, 0]])
    np.testing.assert_allclose(enc['keypoint_weights'], [[2, 2, 0]])


def test_round_trip_1e4():
    rng = np.random.default_rng(0)
    codec = SIKRLabel((192, 256), (48, 64), norm_type='divide_sum')
    kpts = rng.uniform(10, 180, size=(2, 26, 2)).astype(np.float32)
    labels = codec.encode(kpts)['keypoint_labels']
    np.testing.assert_allclose(codec.labels_to_keypoints(labels), kpts, atol=1e-4)
    # a heatmap whose soft-argmax is exactly the label position
    hm_pts = (labels.astype(np.float64) + 0.5) * np.array([48, 64])
    heatmaps = _splat(hm_pts, 64, 48)
    dec, scores = codec.decode(heatmaps)
    np.testing.assert_allclose(dec, kpts, atol=1e-4)
    np.testing.assert_allclose(scores, 1)


def test_norm_types_match_direct_soft_argmax():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(2, 3, 5, 4))
    ys, xs = np.mgrid[0:5, 0:4]
    for norm in ('sigmoid', 'softmax', 'divide_sum'):
        m = logits if norm != 'divide_sum' else np.abs(logits) + 0.1
        coords, scores = integral_decode(m, norm)
        if norm == 'sigmoid':
            p = 1 / (1 + np.exp(-m))
            np.testing.assert_allclose(scores, p.reshape(2, 3, -1).max(-1), rtol=1e-5)
        elif norm == 'softmax':
            p = np.exp(m)
        else:
            p = m
        p = p / p.sum((2, 3), keepdims=True)
        # normalised: pixel i at position i, c / size - 0.5
        np.testing.assert_allclose(
            coords[..., 0], (p * xs).sum((2, 3)) / 4 - 0.5, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            coords[..., 1], (p * ys).sum((2, 3)) / 5 - 0.5, rtol=1e-5, atol=1e-5)


def test_decode_tensor_and_array_agree():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 4, 16, 12)).astype(np.float32)
    codec = SIKRLabel((48, 64), (12, 16))
    ka, sa = codec.decode(logits)
    kt, st = codec.decode(torch.as_tensor(logits))
    np.testing.assert_array_equal(ka, kt)
    np.testing.assert_array_equal(sa, st)
    # AlphaPose: x_crop = (c / W_hm - 0.5 + 0.5) * W_in in float32
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    p = p / p.sum((2, 3), keepdims=True)
    cx = (p.sum(2) * np.arange(12)).sum(-1)
    np.testing.assert_allclose(ka[..., 0], cx / 12 * 48, rtol=1e-5)


def test_batch_decode_and_errors():
    codec = SIKRLabel((192, 256), (48, 64))
    out = codec.batch_decode(np.random.randn(4, 3, 64, 48))
    assert len(out) == 4 and out[1][0].shape == (1, 3, 2)
    assert ((out[0][1] > 0) & (out[0][1] < 1)).all()
    with pytest.raises(ValueError, match='norm_type'):
        SIKRLabel(norm_type='l2')
