import itertools
import os.path as osp

import numpy as np

from mmalphapose.testing import load_real_poses
from mmalphapose.tracking import (KalmanFilterXYAH, embedding_distance, fuse_motion, iou_distance,
                                  linear_assignment, pose_oks)

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')


def _brute_force(cost, thresh):
    """Min over all partial matchings of: matched cost + thresh/2 per
    unmatched row or column (the LAPJV cost_limit objective)."""
    n, m = cost.shape
    best = np.inf
    rows = range(n)
    for k in range(min(n, m) + 1):
        for rs in itertools.combinations(rows, k):
            for cs in itertools.permutations(range(m), k):
                c = cost[list(rs), list(cs)]
                if np.all(c < thresh):
                    best = min(best, c.sum() + thresh / 2 * (n + m - 2 * k))
    return best


def test_linear_assignment_threshold_and_optimality():
    rng = np.random.default_rng(0)
    for _ in range(20):
        cost = rng.uniform(0, 1, (4, 3))
        cost[rng.random(cost.shape) < 0.2] = np.inf
        matches, un_r, un_c = linear_assignment(cost, 0.6)
        assert (cost[matches[:, 0], matches[:, 1]] < 0.6).all()
        assert len(set(matches[:, 0]) | set(un_r)) == 4
        assert len(set(matches[:, 1]) | set(un_c)) == 3
        obj = cost[matches[:, 0], matches[:, 1]].sum() + 0.3 * (7 - 2 * len(matches))
        assert np.isclose(obj, _brute_force(cost, 0.6))
    m, r, c = linear_assignment(np.zeros((0, 2)), 0.5)
    assert m.shape == (0, 2) and len(r) == 0 and list(c) == [0, 1]


def test_iou_and_embedding_distance():
    a = np.array([[0., 0., 10., 10.]])
    b = np.array([[0., 0., 10., 10.], [5., 0., 15., 10.], [20, 20, 30, 30]])
    np.testing.assert_allclose(iou_distance(a, b), [[0, 1 - 50 / 150, 1]], atol=1e-6)
    f = np.array([[1., 0.], [0., 2.]])
    d = embedding_distance(f, np.array([[2., 0.], [-1., 0.]]))
    np.testing.assert_allclose(d, [[0, 2], [1, 1]], atol=1e-12)


def test_pose_oks_on_real_pose():
    pose = load_real_poses(DATA)[0]
    kp = pose['kpts'] * 200 + 300
    vis = pose['vis']
    sig = np.full(17, 0.079)
    shifted = kp + [3., 4.]  # 5 px everywhere
    area = np.full((1, 2), 100. * 200.)
    oks = pose_oks(kp[None], vis[None], np.stack([kp, shifted]), np.stack([vis, vis]), area, sig)
    expected = np.exp(-25. / (2 * 20000 * (2 * 0.079)**2))
    np.testing.assert_allclose(oks, [[1.0, expected]])
    # positional uncertainty softens the penalty
    soft = pose_oks(
        kp[None], vis[None], shifted[None], vis[None], area[:, :1], sig, extra_var=np.array([50.]))
    assert soft[0, 0] > expected
    # no shared keypoint -> NaN
    none = pose_oks(kp[None], vis[None], kp[None], ~vis[None], area[:, :1], sig)
    assert np.isnan(none).all()


def test_fuse_motion_gates_far_detections():
    kf = KalmanFilterXYAH()
    mean, cov = kf.predict(*kf.initiate(np.array([[100., 100., .5, 100.]])))
    dets = np.array([[101., 100., .5, 100.], [300., 100., .5, 100.]])
    fused = fuse_motion(kf, np.array([[0.2, 0.1]]), mean, cov, dets)
    assert np.isfinite(fused[0, 0]) and np.isinf(fused[0, 1])
    gd = kf.gating_distance(mean, cov, dets[:1])[0, 0]
    np.testing.assert_allclose(fused[0, 0], 0.98 * 0.2 + 0.02 * gd)
