"""mmalphapose.testing.pose_samples: fake samples encoded by a real codec."""
import numpy as np

from mmalphapose.codecs import MSRAHeatmap
from mmalphapose.testing import make_samples


def test_make_samples_encodes_with_the_codec():
    codec = MSRAHeatmap(input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
    samples = make_samples(codec, n=3, k=4, flip_indices=[1, 0, 3, 2], seed=1)
    assert len(samples) == 3
    s = samples[0]
    assert s.gt_fields.heatmaps.shape == (4, 16, 12)
    assert s.gt_instance_labels.keypoint_weights.shape == (1, 4)
    assert s.metainfo['flip_indices'] == [1, 0, 3, 2]
    kp = np.asarray(s.gt_instances.keypoints)
    assert kp.shape == (1, 4, 2) and (kp >= 4).all() and (kp[..., 0] <= 44).all()
    # the heatmap peak is at the keypoint (heatmap stride 4)
    peak = np.unravel_index(np.asarray(s.gt_fields.heatmaps[0]).argmax(), (16, 12))
    assert abs(peak[1] - kp[0, 0, 0] / 4) <= 1 and abs(peak[0] - kp[0, 0, 1] / 4) <= 1
    other = make_samples(codec, n=3, k=4, seed=2)[0]
    assert not np.allclose(np.asarray(other.gt_instances.keypoints), kp)
