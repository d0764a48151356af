"""KeypointConverter and rescore_instances."""
import numpy as np
import pytest

from mmalphapose.evaluation import KeypointConverter, rescore_instances


def test_converter_maps_and_zero_fills():
    conv = KeypointConverter(num_keypoints=4, mapping=[(2, 0), (0, 3)])
    kpts = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    scores = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    out, s = conv(kpts, scores)
    assert out.shape == (2, 4, 2) and s.shape == (2, 4)
    np.testing.assert_array_equal(out[:, 0], kpts[:, 2])
    np.testing.assert_array_equal(out[:, 3], kpts[:, 0])
    np.testing.assert_array_equal(out[:, 1:3], 0)
    np.testing.assert_allclose(s, [[0.3, 0, 0, 0.1], [0.6, 0, 0, 0.4]])
    with pytest.raises(ValueError, match='mapped twice'):
        KeypointConverter(4, [(0, 1), (2, 1)])
    with pytest.raises(ValueError, match='target ids'):
        KeypointConverter(4, [(0, 4)])
    with pytest.raises(ValueError, match='out of range'):
        KeypointConverter(4, [(5, 0)])(kpts)


def test_rescore_modes():
    bbox = np.array([0.5, 1.0, 0.8])
    ks = np.array([[0.1, 0.3, 0.5], [0.1, 0.1, 0.1], [1.0, 0.9, 0.8]])
    np.testing.assert_allclose(rescore_instances(bbox, ks, 'bbox'), bbox)
    np.testing.assert_allclose(
        rescore_instances(bbox, ks, 'bbox_keypoint', 0.2), [0.5 * 0.4, 0.0, 0.8 * 0.9])
    np.testing.assert_allclose(rescore_instances(bbox, ks, 'keypoint', 0.2), [0.4, 0.0, 0.9])
    np.testing.assert_allclose(
        rescore_instances(bbox, ks, 'alphapose'),
        ks.mean(1) + bbox + 1.25 * ks.max(1))
    with pytest.raises(ValueError, match='score_mode'):
        rescore_instances(bbox, ks, 'median')
