import numpy as np
import pytest

from mmalphapose.codecs import MSRAHeatmap
from mmalphapose.registry import KEYPOINT_CODECS


def _random_keypoints(n, k, size, rng):
    return rng.uniform(8, np.array(size) - 8, size=(n, k, 2)).astype(np.float32)


def test_build_and_shapes():
    codec = KEYPOINT_CODECS.build(
        dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2))
    kpts = _random_keypoints(1, 17, (192, 256), np.random.default_rng(0))
    enc = codec.encode(kpts, np.ones((1, 17)))
    assert enc['heatmaps'].shape == (17, 64, 48)
    assert enc['keypoint_weights'].shape == (1, 17)
    assert enc['heatmaps'].max() == pytest.approx(1.0)
    # 13x13 truncated patch (3 sigma radius)
    assert ((enc['heatmaps'][0] > 0).sum(0) > 0).sum() == 13


def test_round_trip_within_half_heatmap_pixel():
    rng = np.random.default_rng(1)
    codec = MSRAHeatmap((192, 256), (48, 64), sigma=2)
    kpts = _random_keypoints(1, 26, (192, 256), rng)
    enc = codec.encode(kpts, np.ones((1, 26)))
    dec, scores = codec.decode(enc['heatmaps'])
    assert dec.shape == (1, 26, 2) and scores.shape == (1, 26)
    err_hm = np.abs(dec - kpts) / codec.stride
    assert err_hm.max() <= 0.5 + 1e-5
    np.testing.assert_allclose(scores, 1.0)


def test_weights_and_invisible():
    codec = MSRAHeatmap((192, 256), (48, 64), sigma=2)
    kpts = np.array([[[50, 60], [-100, 20], [10, 10], [np.nan, 3]]], np.float32)
    vis = np.array([[1, 1, 0, 1]])
    enc = codec.encode(kpts, vis)
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1, 0, 0, 0]])
    assert enc['heatmaps'][1:].max() == 0


def test_quarter_refinement_and_nonpositive_peak():
    codec = MSRAHeatmap((16, 16), (8, 8), sigma=1)
    hm = np.zeros((2, 8, 8), np.float32)
    hm[0, 4, 3] = 1.0
    hm[0, 4, 4] = 0.5  # right neighbour higher -> +0.25 in x
    hm[0, 5, 3] = 0.2  # lower neighbour higher -> +0.25 in y
    hm[1] = -1.0  # non-positive peak -> (0, 0)
    kpts, scores = codec.decode(hm)
    np.testing.assert_allclose(kpts[0, 0], [3.25 * 2, 4.25 * 2])
    np.testing.assert_allclose(kpts[0, 1], [0, 0])
    np.testing.assert_allclose(scores[0], [1.0, -1.0])
    plain = MSRAHeatmap((16, 16), (8, 8), sigma=1, refine='none')
    np.testing.assert_allclose(plain.decode(hm)[0][0, 0], [6, 8])


def test_batch_decode_and_errors():
    codec = MSRAHeatmap((192, 256), (48, 64))
    out = codec.batch_decode(np.random.rand(3, 5, 64, 48))
    assert len(out) == 3 and out[0][0].shape == (1, 5, 2)
    with pytest.raises(ValueError, match='keypoints'):
        codec.encode(np.zeros((5, 2)))
    with pytest.raises(ValueError, match='refine'):
        MSRAHeatmap(refine='dark')


def _loop_reference(hm):
    """AlphaPose's heatmap_to_coord_simple (crop side), one keypoint at a
    time: argmax; refine only when 1 < px < W-1 and 1 < py < H-1, then both
    axes by 0.25 * sign(neighbour difference); (0, 0) when the peak <= 0."""
    n, k, h, w = hm.shape
    out = np.zeros((n, k, 2))
    for i in range(n):
        for j in range(k):
            m = hm[i, j]
            idx = int(np.argmax(m))
            px, py = idx % w, idx // w
            x, y = float(px), float(py)
            if m.flat[idx] <= 0:
                continue
            if 1 < px < w - 1 and 1 < py < h - 1:
                x += 0.25 * np.sign(m[py, px + 1] - m[py, px - 1])
                y += 0.25 * np.sign(m[py + 1, px] - m[py - 1, px])
            out[i, j] = x, y
    return out


def test_border_peak_on_one_axis_is_not_refined():
    codec = MSRAHeatmap((16, 16), (8, 8), sigma=1)
    hm = np.zeros((3, 8, 8), np.float32)
    hm[0, 4, 1] = 1.0  # x = 1 (not strictly inside), y = 4 inside
    hm[0, 5, 1] = 0.5  # lower neighbour higher: the old per-axis code moved y
    hm[1, 0, 4] = 1.0  # y = 0 on the border, x = 4 inside
    hm[1, 0, 5] = 0.5  # right neighbour higher: the old code moved x
    hm[2, 7, 6] = 1.0  # y = H - 1, x = W - 2 inside
    hm[2, 7, 5] = 0.5
    kpts, _ = codec.decode(hm)
    np.testing.assert_array_equal(kpts[0], [[1 * 2, 4 * 2], [4 * 2, 0], [6 * 2, 7 * 2]])


def test_refinement_matches_loop_reference_everywhere():
    rng = np.random.default_rng(5)
    n, k, h, w = 4, 30, 10, 9
    hm = rng.uniform(0, 0.5, size=(n, k, h, w)).astype(np.float32)
    # peaks at every kind of position, borders included
    ys = rng.integers(0, h, size=(n, k))
    xs = rng.integers(0, w, size=(n, k))
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing='ij')
    hm[ni, ki, ys, xs] = 1.0
    hm[0, 0] = -1.0
    codec = MSRAHeatmap((18, 20), (w, h), sigma=1)
    kpts, _ = codec.decode(hm)  # heatmap pixels times the stride (2, 2)
    np.testing.assert_array_equal(kpts / codec.stride, _loop_reference(hm))


def _alphapose_target(joints: np.ndarray, vis: np.ndarray, heatmap_size, stride, sigma=2):
    """AlphaPose's ``_target_generator`` (simple_transform.py:127-160) with
    its Python ``int()`` centre, written out per joint: (K,H,W), (K,)."""
    w, h = heatmap_size
    target = np.zeros((len(joints), h, w), np.float32)
    weight = vis.astype(np.float32).copy()
    tmp = sigma * 3
    for i, (x, y) in enumerate(joints):
        mu_x, mu_y = int(x / stride + 0.5), int(y / stride + 0.5)
        ul = [int(mu_x - tmp), int(mu_y - tmp)]
        br = [int(mu_x + tmp + 1), int(mu_y + tmp + 1)]
        if ul[0] >= w or ul[1] >= h or br[0] < 0 or br[1] < 0:
            weight[i] = 0
            continue
        size = 2 * tmp + 1
        xs = np.arange(0, size, 1, np.float32)
        g = np.exp(-((xs - size // 2)**2 + (xs[:, None] - size // 2)**2) / (2 * sigma**2))
        gx = max(0, -ul[0]), min(br[0], w) - ul[0]
        gy = max(0, -ul[1]), min(br[1], h) - ul[1]
        ix = max(0, ul[0]), min(br[0], w)
        iy = max(0, ul[1]), min(br[1], h)
        if weight[i] > 0.5:
            target[i, iy[0]:iy[1], ix[0]:ix[1]] = g[gy[0]:gy[1], gx[0]:gx[1]]
    return target, weight


def test_centre_truncates_toward_zero_as_alphapose_int():
    codec = MSRAHeatmap((192, 256), (48, 64), sigma=2)
    # 3 px left of the crop: int(-0.75 + 0.5) = 0 (floor would give -1)
    enc = codec.encode(np.array([[[-3., 100.]]], np.float32), np.ones((1, 1)))
    row = enc['heatmaps'][0, 25]
    assert row[0] == pytest.approx(1.0)
    # 31 px left: int(-7.25) = -7, the patch [-13, 0) is off the map but
    # AlphaPose keeps the weight (floor's -8 would zero it)
    enc = codec.encode(np.array([[[-31., 100.]]], np.float32), np.ones((1, 1)))
    assert enc['keypoint_weights'][0, 0] == 1 and enc['heatmaps'].max() == 0


def test_encode_equals_alphapose_target_generator():
    rng = np.random.default_rng(3)
    codec = MSRAHeatmap((192, 256), (48, 64), sigma=2)
    kpts = rng.uniform(-40, 260, size=(1, 60, 2)).astype(np.float32)
    vis = (rng.uniform(size=(1, 60)) > 0.2).astype(np.float32)
    enc = codec.encode(kpts, vis)
    ref, ref_w = _alphapose_target(kpts[0], vis[0], (48, 64), 4)
    np.testing.assert_array_equal(enc['keypoint_weights'][0], ref_w)
    np.testing.assert_allclose(enc['heatmaps'], ref, atol=1e-6)
