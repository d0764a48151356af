import numpy as np
import pytest

from mmalphapose.models.distillers.pseudo_labels import (
    DERIVED_WEIGHT, HALPE_FEET_FROM_BLAZEPOSE, SMALL_TOE_WEIGHT, SOURCE_CODES,
    assemble_halpe26, derive_head_neck_hip, merge_with_gt)


def _body(n=2):
    rng = np.random.default_rng(0)
    return rng.uniform(0, 100, (n, 17, 2)).astype(np.float32), \
        rng.uniform(0.5, 1.0, (n, 17)).astype(np.float32)


def test_derive_head_neck_hip():
    body, s = _body(1)
    body[0, 5], body[0, 6] = (40, 50), (60, 50)
    body[0, 11], body[0, 12] = (45, 90), (55, 90)
    body[0, 1:5] = [(48, 30), (52, 30), (45, 32), (55, 32)]
    s[0, 1:5] = 1.0
    k, w = derive_head_neck_hip(body, s)
    np.testing.assert_allclose(k[0, 1], (50, 50))     # neck = shoulder midpoint
    np.testing.assert_allclose(k[0, 2], (50, 90))     # hip = hip midpoint
    assert k[0, 0, 1] < 31 and abs(k[0, 0, 0] - 50) < 1e-4   # head above the eyes
    assert (w <= DERIVED_WEIGHT + 1e-6).all()


def test_assemble_layout_and_sources():
    body, s = _body()
    blaze = np.random.default_rng(1).uniform(0, 100, (2, 33, 2)).astype(np.float32)
    bs = np.full((2, 33), 0.9, np.float32)
    bs[1, 29] = 0.1  # a low-confidence left heel
    k, w, src = assemble_halpe26(body, s, blaze, bs, score_thr=0.3)
    assert k.shape == (2, 26, 2) and w.shape == (2, 26)
    np.testing.assert_allclose(k[:, :17], body)
    assert (src[:, :17] == SOURCE_CODES['movenet']).all()
    assert (src[:, 17:20] == SOURCE_CODES['derived']).all()
    for halpe, bp in HALPE_FEET_FROM_BLAZEPOSE.items():
        np.testing.assert_allclose(k[0, halpe], blaze[0, bp])
    np.testing.assert_allclose(w[0, 22], 0.9 * SMALL_TOE_WEIGHT)
    assert w[1, 24] == 0 and src[1, 24] == SOURCE_CODES['none']  # LHeel dropped


def test_assemble_without_feet_teacher():
    body, s = _body()
    k, w, src = assemble_halpe26(body, s)
    assert (w[:, 20:] == 0).all() and (src[:, 20:] == 0).all()
    with pytest.raises(ValueError, match='body'):
        assemble_halpe26(body[:, :10], s)


def test_gt_wins():
    body, s = _body()
    k, w, src = assemble_halpe26(body, s)
    gt = np.full((2, 26, 2), 7.0, np.float32)
    vis = np.zeros((2, 26))
    vis[0, 3] = 2
    vis[1, 20] = 1  # GT for a point no teacher labelled
    k2, w2, s2 = merge_with_gt(k, w, src, gt, vis)
    np.testing.assert_allclose(k2[0, 3], (7, 7))
    assert w2[0, 3] == 1 and s2[0, 3] == SOURCE_CODES['gt']
    assert w2[1, 20] == 1 and s2[1, 20] == SOURCE_CODES['gt']
    np.testing.assert_allclose(k2[0, 4], k[0, 4])  # untouched elsewhere
    with pytest.raises(ValueError):
        merge_with_gt(k, w, src, gt, vis[:, :10])
