import numpy as np
import pytest

from mmalphapose.registry import KEYPOINT_CODECS


def test_encode_decode_round_trip():
    codec = KEYPOINT_CODECS.build(dict(type='HybrIKLabel', input_size=(256, 256)))
    rng = np.random.default_rng(0)
    kpts = rng.uniform(0, 256, (2, 29, 2)).astype(np.float32)
    kpts[0, 3] = [300, 10]  # outside the crop
    depth = rng.uniform(-1, 1, (2, 29)).astype(np.float32)
    depth[1, 4] = 2.0  # beyond the depth range
    vis = np.ones((2, 29))
    vis[0, 5] = 0
    enc = codec.encode(kpts, vis, depth)
    assert enc['keypoint_labels'].shape == (2, 29, 3) and enc['keypoint_weights'].shape == (2, 29,
                                                                                            3)
    np.testing.assert_allclose(enc['keypoint_labels'][..., 2], depth / 2.2, rtol=1e-6)
    w = enc['keypoint_weights']
    assert w[0, 3, 0] == 0 and w[0, 5, 1] == 0 and w[1, 4, 2] == 0 and w[1, 4, 0] == 1
    assert w.sum() == 2 * 29 * 3 - 2 - 2 - 1
    back, d = codec.decode(enc['keypoint_labels'])
    np.testing.assert_allclose(back, kpts, atol=1e-4)
    np.testing.assert_allclose(d, depth, atol=1e-6)
    # 2D-only data: zero depth weights
    assert codec.encode(kpts, vis)['keypoint_weights'][..., 2].sum() == 0


def test_bad_args():
    with pytest.raises(ValueError, match='depth_size'):
        KEYPOINT_CODECS.build(dict(type='HybrIKLabel', depth_size=0))
    codec = KEYPOINT_CODECS.build(dict(type='HybrIKLabel'))
    with pytest.raises(ValueError, match=r'\(N, K, 3\)'):
        codec.decode(np.zeros((2, 29, 2)))
