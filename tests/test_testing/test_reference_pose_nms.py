"""mmalphapose.testing.reference_pose_nms: the loop-per-pose P-NMS oracle."""
import numpy as np

from mmalphapose.testing.reference_pose_nms import BODY, reference_pose_nms


def _pose(x0, y0, k=17, rng=None, jitter=0.0):
    base = np.stack([np.linspace(x0, x0 + 60, k), np.linspace(y0, y0 + 120, k)], -1)
    if rng is not None:
        base = base + rng.normal(0, jitter, base.shape)
    return base


def test_duplicates_merge_and_distinct_people_stay():
    rng = np.random.default_rng(0)
    kpts = np.stack([_pose(100, 100), _pose(100, 100, rng=rng, jitter=1.0), _pose(400, 50)])
    scores = np.array([np.full(17, 0.9), np.full(17, 0.6), np.full(17, 0.8)])
    boxes = np.array([[100, 100, 160, 220], [99, 99, 161, 221], [400, 50, 460, 170]], float)
    out = reference_pose_nms(kpts, scores, boxes, np.array([0.9, 0.8, 0.7]))
    assert [r['index'] for r in out] == [0, 2]  # highest mean score first
    assert sorted(out[0]['members']) == [0, 1] and out[1]['members'] == [2]
    # merged keypoints: score-weighted mean of the duplicates within the radius
    w = np.array([0.9, 0.6]) / 1.5
    np.testing.assert_allclose(out[0]['keypoints'], w[0] * kpts[0] + w[1] * kpts[1])
    r = out[1]
    assert np.isclose(r['proposal_score'], 0.8 + 0.7 + 1.25 * 0.8)


def test_low_scores_are_dropped():
    kpts = _pose(10, 10)[None]
    scores = np.full((1, 17), BODY['score_thr'] / 2)
    out = reference_pose_nms(kpts, scores, np.array([[10., 10, 70, 130]]), np.array([0.9]))
    assert out == []
