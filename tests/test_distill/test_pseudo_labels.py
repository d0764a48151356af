import numpy as np
import pytest

from mmalphapose.models.distillers.pseudo_labels import (DERIVED_WEIGHT, FACEMESH_TO_IBUG68,
                                                         HALPE_FEET_FROM_BLAZEPOSE,
                                                         SMALL_TOE_WEIGHT, SOURCE_CODES,
                                                         assemble_halpe26, assemble_halpe136,
                                                         derive_head_neck_hip, merge_with_gt)


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
    np.testing.assert_allclose(k[0, 1], (50, 50))  # neck = shoulder midpoint
    np.testing.assert_allclose(k[0, 2], (50, 90))  # hip = hip midpoint
    assert k[0, 0, 1] < 31 and abs(k[0, 0, 0] - 50) < 1e-4  # head above the eyes
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


# ----------------------------------------------------------------- Halpe-136
def test_source_codes_for_136():
    # the old codes keep their numbers; the part teachers are appended
    assert {k: SOURCE_CODES[k] for k in ('none', 'gt', 'movenet', 'blazepose', 'derived')} \
        == dict(none=0, gt=1, movenet=2, blazepose=3, derived=4)
    assert SOURCE_CODES['hand'] == 5 and SOURCE_CODES['facemesh'] == 6


def test_facemesh_to_ibug68_table():
    idx = np.asarray(FACEMESH_TO_IBUG68)
    assert idx.shape == (68, ) and len(set(idx.tolist())) == 68
    assert idx.min() >= 0 and idx.max() < 468
    # landmarks with a well-known mesh index: chin, nose tip, outer eye corners
    # (subject's right = 33, left = 263), mouth corners (61 right, 291 left)
    assert idx[8] == 152 and idx[30] == 4
    assert idx[36] == 33 and idx[45] == 263 and idx[48] == 61 and idx[54] == 291


def test_assemble_halpe136_layout_and_thresholds():
    n = 2
    rng = np.random.default_rng(3)
    body, s = _body(n)
    k26, w26, s26 = assemble_halpe26(body, s)
    mesh = rng.uniform(0, 100, (n, 468, 2)).astype(np.float32)
    mesh_s = np.full((n, 468), 0.95, np.float32)
    mesh_s[1] = 0.2  # an unsure face
    lh = rng.uniform(0, 100, (n, 21, 2)).astype(np.float32)
    rh = rng.uniform(0, 100, (n, 21, 2)).astype(np.float32)
    lh_s = np.full((n, 21), 0.8, np.float32)
    rh_s = np.full((n, 21), 0.6, np.float32)
    rh_s[0] = 0.0  # no right-hand box
    k, w, src = assemble_halpe136(k26, w26, s26, mesh, mesh_s, lh, lh_s, rh, rh_s, score_thr=0.3)
    assert k.shape == (n, 136, 2) and w.shape == (n, 136) and src.shape == (n, 136)
    np.testing.assert_allclose(k[:, :26], k26)
    np.testing.assert_allclose(w[:, :26], w26)
    assert (src[:, :26] == s26).all()
    np.testing.assert_allclose(k[:, 26:94], mesh[:, list(FACEMESH_TO_IBUG68)])
    np.testing.assert_allclose(k[:, 94:115], lh)  # Halpe left hand = subject's left
    np.testing.assert_allclose(k[:, 115:136], rh)
    assert (w[0, 26:94] == np.float32(0.95)).all()
    assert (src[0, 26:94] == SOURCE_CODES['facemesh']).all()
    assert (w[1, 26:94] == 0).all() and (src[1, 26:94] == SOURCE_CODES['none']).all()
    assert (w[:, 94:115] == np.float32(0.8)).all()
    assert (src[:, 94:115] == SOURCE_CODES['hand']).all()
    assert (w[0, 115:] == 0).all() and (src[0, 115:] == 0).all()
    assert (w[1, 115:] == np.float32(0.6)).all()
    # already-mapped 68 face points are taken as they are; missing parts stay unsupervised
    f68 = mesh[:, list(FACEMESH_TO_IBUG68)]
    k2, w2, src2 = assemble_halpe136(k26, w26, s26, f68, np.ones((n, 68)))
    np.testing.assert_allclose(k2[:, 26:94], f68)
    assert (w2[:, 94:] == 0).all() and (src2[:, 94:] == 0).all()
    with pytest.raises(ValueError, match='hand'):
        assemble_halpe136(k26, w26, s26, left_hand=lh[:, :20], left_hand_scores=lh_s[:, :20])
    with pytest.raises(ValueError, match='kpts26'):
        assemble_halpe136(k, w, src)


def test_halpe136_part_order_matches_metainfo():
    """The slices used by assemble_halpe136 are the metainfo's face / hands,
    and its flip pairs swap the two hands point by point."""
    import os.path as osp

    from mmalphapose.datasets.datasets.utils import parse_pose_metainfo
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    meta = parse_pose_metainfo(
        dict(from_file=osp.join(root, 'configs', '_base_', 'datasets', 'halpe136.py')))
    names = [meta['keypoint_id2name'][i] for i in range(136)]
    assert names[9] == 'left_wrist' and names[94] == 'left_hand_root'
    assert names[95] == 'left_thumb1' and names[115] == 'right_hand_root'
    assert names[26] == 'face-0' and names[93] == 'face-67'
    flip = np.asarray(meta['flip_indices'])
    np.testing.assert_array_equal(flip[94:115], np.arange(115, 136))
    # the face flip pairs mirror the iBUG jaw: point 0 <-> 16
    assert flip[26] == 42 and flip[34] == 34
