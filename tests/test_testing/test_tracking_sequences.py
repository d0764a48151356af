"""mmalphapose.testing.tracking_sequences: sequences from real poses."""
import numpy as np
import pytest

from mmalphapose.testing import load_real_poses, make_sequence, run_tracker
from mmalphapose.tracking import IoUTracker


def test_real_poses_are_normalised(data_root):
    poses = load_real_poses(data_root)
    assert len(poses) >= 10
    p = poses[0]
    assert p['kpts'].shape == (17, 2) and p['vis'].shape == (17, ) and p['vis'].sum() >= 8
    # normalised by the box height, centred on the box: inside about [-0.5, 0.5]
    assert np.abs(p['kpts'][p['vis']]).max() < 1.0


def test_missing_data_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='test_coco.json'):
        load_real_poses(str(tmp_path))


def test_sequence_and_tracker_rows(data_root):
    seq = make_sequence(data_root, seed=0, num_frames=40)
    assert len(seq['frames']) == 40
    f0 = seq['frames'][0]
    assert f0.keypoints.shape[1:] == (17, 2) and f0.embeddings.shape[1] == 64
    gt = seq['gt']
    assert gt.shape[1] == 6 and set(np.unique(gt[:, 1])) <= set(range(1, 9))
    again = make_sequence(data_root, seed=0, num_frames=40)
    np.testing.assert_array_equal(again['gt'], gt)
    rows = run_tracker(IoUTracker(), seq['frames'], use_embeddings=False)
    assert rows.shape[1] == 6 and len(rows) > 0
    assert set(np.unique(rows[:, 0])) <= set(range(40))
