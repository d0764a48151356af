import numpy as np

from mmalphapose.codecs import CombinedLabel


def test_combined_encode_decode():
    rng = np.random.default_rng(0)
    codec = CombinedLabel((192, 256), (48, 64), num_body_keypoints=3, norm_type='divide_sum')
    kpts = rng.uniform(20, 170, size=(1, 5, 2)).astype(np.float32)
    enc = codec.encode(kpts, np.ones((1, 5)))
    assert enc['heatmaps'].shape == (5, 64, 48)
    assert enc['heatmaps'][3:].max() == 0 and enc['heatmaps'][:3].max() == 1
    assert enc['keypoint_labels'].shape == (1, 5, 2)
    np.testing.assert_allclose(enc['keypoint_weights'], 1)
    # decode: body part by argmax, rest by soft-argmax of a one-hot map
    hm = enc['heatmaps'].copy()
    px = np.floor(kpts[0, 3:] / 4 + 0.5).astype(int)
    hm[3, px[0, 1], px[0, 0]] = 1
    hm[4, px[1, 1], px[1, 0]] = 1
    dec, scores = codec.decode(hm)
    assert dec.shape == (1, 5, 2)
    assert np.abs(dec - kpts).max() <= 2 + 1e-4
