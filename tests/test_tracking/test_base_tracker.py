import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.structures import PoseMetainfo
from mmalphapose.tracking import Detections, resolve_sigmas
from mmalphapose.tracking.base_tracker import default_sigmas


def test_resolve_sigmas_sources():
    path = 'configs/_base_/datasets/coco.py'
    s = resolve_sigmas(path)
    assert s.shape == (17, ) and np.isclose(s[0], 0.026)
    np.testing.assert_allclose(resolve_sigmas(dict(from_file=path)), s)
    np.testing.assert_allclose(resolve_sigmas(dict(sigmas=s.tolist())), s)
    np.testing.assert_allclose(resolve_sigmas(path, sigmas=[0.1] * 3), [0.1] * 3)
    assert resolve_sigmas() is None
    with pytest.raises(ValueError, match='metainfo'):
        resolve_sigmas(dict(foo=1))


def test_detections_from_keypoints_and_validity():
    kp = np.array([[[10., 20.], [30., 60.]], [[np.nan, 0.], [1., 1.]]])
    d = Detections(InstanceData(keypoints=kp))
    np.testing.assert_allclose(d.bboxes[0], [10, 20, 30, 60])
    assert d.valid.tolist() == [True, False]  # 2nd box has zero width
    assert d.keypoint_valid(0.5).tolist() == [[True, True], [False, True]]
    with pytest.raises(ValueError, match='keypoints'):
        Detections(InstanceData(keypoints=np.zeros((2, 3))))


def test_default_sigmas_come_from_the_bundled_metainfo():
    coco = default_sigmas(17)
    assert coco.dtype == np.float64 and np.isclose(coco[0], 0.026)
    for k in (26, 133, 136):
        np.testing.assert_allclose(default_sigmas(k), PoseMetainfo.for_num_keypoints(k).sigmas)
    np.testing.assert_allclose(default_sigmas(5), [0.05] * 5)
    meta = PoseMetainfo.for_num_keypoints(26)
    np.testing.assert_allclose(resolve_sigmas(meta), meta.sigmas)
