import numpy as np

from mmalphapose.tracking import CHI2INV95, KalmanFilterXYAH, xyah2xyxy, xyxy2xyah


def test_box_conversions_roundtrip():
    boxes = np.array([[10., 20., 50., 120.], [0., 0., 30., 60.]])
    xyah = xyxy2xyah(boxes)
    np.testing.assert_allclose(xyah[0], [30, 70, 0.4, 100])
    np.testing.assert_allclose(xyah2xyxy(xyah), boxes)


def test_constant_velocity_is_learned():
    kf = KalmanFilterXYAH()
    z0 = np.array([[100., 200., 0.5, 180.], [400., 300., 0.4, 150.]])
    vel = np.array([[4., -2., 0., 0.5], [-3., 1., 0., 0.]])
    mean, cov = kf.initiate(z0)
    assert mean.shape == (2, 8) and cov.shape == (2, 8, 8)
    for t in range(1, 40):
        mean, cov = kf.predict(mean, cov)
        mean, cov = kf.update(mean, cov, z0 + t * vel)
    np.testing.assert_allclose(mean[:, 4:], vel, atol=0.05)
    pred, _ = kf.predict(mean, cov)
    np.testing.assert_allclose(pred[:, :4], z0 + 40 * vel, atol=0.5)


def test_batched_equals_single_tracks():
    kf = KalmanFilterXYAH()
    z = np.array([[100., 200., 0.5, 180.], [400., 300., 0.4, 150.]])
    mean, cov = kf.predict(*kf.initiate(z))
    meas = z + [[3, 1, 0, 2], [-5, 0, 0.01, 1]]
    m_all, c_all = kf.update(mean, cov, meas)
    for i in range(2):
        m_i, c_i = kf.update(mean[i:i + 1], cov[i:i + 1], meas[i])
        np.testing.assert_allclose(m_i[0], m_all[i])
        np.testing.assert_allclose(c_i[0], c_all[i])


def test_gating_distance_matches_mahalanobis():
    kf = KalmanFilterXYAH()
    z = np.array([[100., 200., 0.5, 180.]])
    mean, cov = kf.predict(*kf.initiate(z))
    cands = np.array([[101., 201., 0.5, 181.], [260., 200., 0.5, 180.]])
    d = kf.gating_distance(mean, cov, cands)
    pm, pc = kf.project(mean, cov)
    diff = cands - pm[0]
    ref = np.einsum('mi,ij,mj->m', diff, np.linalg.inv(pc[0]), diff)
    np.testing.assert_allclose(d[0], ref, rtol=1e-8)
    assert d[0, 0] < CHI2INV95[4] < d[0, 1]
    assert kf.gating_distance(mean, cov, np.zeros((0, 4))).shape == (1, 0)


def test_batched_cholesky_and_solves_equal_lapack():
    from mmalphapose.tracking.kalman_filter import batched_cholesky, solve_lower, spd_solve
    rng = np.random.default_rng(0)
    for n in (2, 4):
        m = rng.normal(size=(7, n, n))
        a = m @ m.transpose(0, 2, 1) + 0.3 * np.eye(n)
        b = rng.normal(size=(7, n, 5))
        low = batched_cholesky(a)
        np.testing.assert_allclose(low, np.linalg.cholesky(a), atol=1e-12)
        np.testing.assert_allclose(solve_lower(low, b), np.linalg.solve(low, b), atol=1e-10)
        np.testing.assert_allclose(spd_solve(a, b), np.linalg.solve(a, b), atol=1e-10)
