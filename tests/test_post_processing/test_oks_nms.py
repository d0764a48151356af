"""OKSNMS / SoftOKSNMS and oks_iou."""
import os.path as osp

import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.post_processing import OKSNMS, SoftOKSNMS, oks_iou
from mmalphapose.registry import POSE_NMS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO_META = osp.join(ROOT, 'configs/_base_/datasets/coco.py')
SIGMAS = np.array(
    [.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10.0


def _oks_loop(g, d, ag, ad, sigmas):
    var = (2 * sigmas)**2
    out = []
    for pose, a in zip(d, ad):
        e = [((pose[k, 0] - g[k, 0])**2 + (pose[k, 1] - g[k, 1])**2) / var[k] /
             ((ag + a) / 2 + np.spacing(1)) / 2 for k in range(len(sigmas))]
        out.append(np.mean(np.exp(-np.array(e))))
    return np.array(out)


def _scene(rng, n_people=4, dups=3):
    kpts, scores, boxes, bscores = [], [], [], []
    for i in range(n_people):
        base = rng.uniform(0, 100, (17, 2)) + [i * 300, 0]
        for _ in range(dups):
            kpts.append(base + rng.normal(0, 1.0, base.shape))
            scores.append(rng.uniform(0.1, 1, 17))
            boxes.append([i * 300, 0, i * 300 + 100, 100])
            bscores.append(rng.uniform(0.5, 1))
    return InstanceData(
        keypoints=np.array(kpts),
        keypoint_scores=np.array(scores),
        bboxes=np.array(boxes, dtype=float),
        bbox_scores=np.array(bscores))


def test_oks_iou_matches_loop():
    rng = np.random.default_rng(0)
    g = rng.uniform(0, 200, (17, 2))
    d = g + rng.normal(0, 5, (6, 17, 2))
    areas = rng.uniform(1000, 5000, 6)
    np.testing.assert_allclose(
        oks_iou(g, d, 3000., areas, SIGMAS), _oks_loop(g, d, 3000., areas, SIGMAS), rtol=1e-12)
    # vis_thr: only keypoints scored above it in both poses count
    s_ref, s = np.ones(17), np.ones((6, 17))
    s[:, :5] = 0
    full = oks_iou(g, d, 3000., areas, SIGMAS)
    part = oks_iou(g, d, 3000., areas, SIGMAS, s_ref, s, vis_thr=0.5)
    np.testing.assert_allclose(
        part, _oks_loop(g[5:], d[:, 5:], 3000., areas, SIGMAS[5:]), rtol=1e-12)
    assert not np.allclose(full, part)


def test_oks_nms_keeps_one_per_person():
    rng = np.random.default_rng(1)
    inst = _scene(rng)
    nms = OKSNMS(metainfo=COCO_META)
    np.testing.assert_allclose(nms.sigmas, SIGMAS, atol=1e-7)
    kept, idx = nms.nms(inst)
    assert sorted(i // 3 for i in idx) == [0, 1, 2, 3]
    # the kept one is the best rescored duplicate: box score x mean(kp > 0.2)
    s = inst.keypoint_scores
    vis = s > 0.2
    rescored = inst.bbox_scores * (s * vis).sum(1) / vis.sum(1)
    for i in idx:
        grp = np.arange(i // 3 * 3, i // 3 * 3 + 3)
        assert i == grp[np.argmax(rescored[grp])]
    assert np.all(np.diff(kept.nms_scores) <= 0)
    np.testing.assert_allclose(kept.nms_scores, rescored[idx])
    # thr 1.0 keeps everything
    kept, idx = OKSNMS(sigmas=SIGMAS, thr=1.0).nms(inst)
    assert len(idx) == len(inst)


def test_soft_oks_nms():
    rng = np.random.default_rng(2)
    inst = _scene(rng, n_people=3, dups=4)
    soft = POSE_NMS.build(dict(type='SoftOKSNMS', metainfo=COCO_META, max_dets=20))
    kept, idx = soft.nms(inst)
    assert len(idx) == len(inst)  # soft: nobody removed below max_dets
    # the first pick of each person keeps its score; duplicates get decayed
    hard, hard_idx = OKSNMS(metainfo=COCO_META).nms(inst)
    assert set(hard_idx.tolist()) <= set(idx[:3].tolist())
    assert kept.nms_scores[3:].max() < hard.nms_scores.min()
    kept, idx = SoftOKSNMS(metainfo=COCO_META, max_dets=5).nms(inst)
    assert len(idx) == 5
    kept, idx = SoftOKSNMS(metainfo=COCO_META, method='linear', thr=0.5, score_thr=0.05).nms(inst)
    assert kept.nms_scores.min() >= 0.05
    with pytest.raises(ValueError, match='method'):
        SoftOKSNMS(metainfo=COCO_META, method='cubic')


def test_soft_oks_nms_writes_person_scores_and_applies_score_thr():
    rng = np.random.default_rng(4)
    inst = _scene(rng, n_people=3, dups=4)
    inst.scores = np.full(len(inst), 7.0)  # e.g. a proposal score from upstream
    kept, idx = SoftOKSNMS(metainfo=COCO_META).nms(inst)
    assert kept.scores.shape == (len(idx), )
    np.testing.assert_allclose(kept.scores, kept.nms_scores)
    assert (kept.scores < 7.0).all()
    # duplicates are decayed: their person scores fall below every first pick
    assert kept.scores[3:].max() < kept.scores[:3].min()
    thr = float(np.sort(kept.scores)[len(idx) // 2])
    kept_thr, idx_thr = SoftOKSNMS(metainfo=COCO_META, score_thr=thr).nms(inst)
    assert 0 < len(idx_thr) < len(idx)
    assert kept_thr.scores.min() >= thr
    np.testing.assert_array_equal(idx_thr, idx[:len(idx_thr)])


def test_oks_errors_and_empty():
    with pytest.raises(ValueError, match='sigmas'):
        OKSNMS()
    empty = InstanceData(
        keypoints=np.zeros((0, 17, 2)),
        keypoint_scores=np.zeros((0, 17)),
        bboxes=np.zeros((0, 4)),
        bbox_scores=np.zeros(0))
    for nms in (OKSNMS(metainfo=COCO_META), SoftOKSNMS(metainfo=COCO_META)):
        kept, idx = nms.nms(empty)
        assert len(kept) == 0 and idx.size == 0
    rng = np.random.default_rng(3)
    inst = _scene(rng)
    with pytest.raises(ValueError, match='17 sigmas'):
        OKSNMS(sigmas=np.ones(17)).nms(
            InstanceData(
                keypoints=np.zeros((2, 26, 2)),
                keypoint_scores=np.ones((2, 26)),
                bboxes=np.zeros((2, 4)),
                bbox_scores=np.ones(2)))
    inst.keypoints[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match='keypoints'):
        OKSNMS(metainfo=COCO_META).nms(inst)
