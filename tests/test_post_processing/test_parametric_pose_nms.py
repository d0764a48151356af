"""ParametricPoseNMS against the loop-per-pose oracle, plus COCO AP check."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.post_processing import ParametricPoseNMS
from mmalphapose.post_processing.utils import resolve_wholebody_groups
from mmalphapose.registry import POSE_NMS
from mmalphapose.testing.reference_pose_nms import REGRESSION, reference_pose_nms

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO_META = osp.join(ROOT, 'configs/_base_/datasets/coco.py')
WB_META = osp.join(ROOT, 'configs/_base_/datasets/coco_wholebody.py')
HALPE_META = osp.join(ROOT, 'configs/_base_/datasets/halpe136.py')
COCO_JSON = osp.join(ROOT, 'tests/data/coco/test_coco.json')


def make_scene(rng,
               num_people,
               k,
               dup_max=4,
               jitter=1.5,
               zero_frac=0.05,
               tie=False,
               identical=False):
    """People spread over a 640x480 frame, each with 1..dup_max noisy
    duplicates (optionally exact copies / tied scores)."""
    kpts, scores, boxes, box_scores = [], [], [], []
    for _ in range(num_people):
        w, h = rng.uniform(20, 200), rng.uniform(40, 300)
        x0, y0 = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
        base = np.stack([x0 + rng.uniform(0, w, k), y0 + rng.uniform(0, h, k)], -1)
        base_s = rng.uniform(0, 1, k)
        for _ in range(rng.integers(1, dup_max + 1)):
            if identical:
                p, s = base.copy(), base_s.copy()
            else:
                p = base + rng.normal(0, jitter, base.shape)
                s = np.clip(base_s + rng.normal(0, 0.15, k), 0, 1.2)
            s[rng.uniform(size=k) < zero_frac] = 0.0
            kpts.append(p)
            scores.append(s)
            b = np.array([x0, y0, x0 + w, y0 + h]) + rng.normal(0, 3, 4)
            boxes.append(b)
            box_scores.append(rng.uniform(0.05, 1))
    kpts, scores = np.array(kpts), np.array(scores)
    if tie and len(scores) > 1:
        scores[1] = scores[0][rng.permutation(k)]  # same mean, other order
    return InstanceData(
        keypoints=kpts,
        keypoint_scores=scores,
        bboxes=np.array(boxes),
        bbox_scores=np.array(box_scores))


def check_against_oracle(nms, inst, groups=None, consts=None, **kw):
    kept, idx = nms.nms(inst)
    ref = reference_pose_nms(
        inst.keypoints,
        inst.keypoint_scores,
        inst.bboxes,
        inst.bbox_scores,
        consts=consts,
        groups=groups,
        **kw)
    assert idx.tolist() == [r['index'] for r in ref]
    assert len(kept) == len(ref)
    for i, r in enumerate(ref):
        np.testing.assert_allclose(kept.keypoints[i], r['keypoints'], atol=1e-6)
        np.testing.assert_allclose(kept.keypoint_scores[i], r['keypoint_scores'], atol=1e-6)
        np.testing.assert_allclose(kept.scores[i], r['proposal_score'], atol=1e-6)
        assert kept.idx[i] == r['members']
        np.testing.assert_array_equal(kept.bboxes[i], inst.bboxes[r['index']])
    return kept, idx


@pytest.mark.parametrize('seed', range(40))
def test_body17_matches_oracle(seed):
    rng = np.random.default_rng(seed)
    inst = make_scene(
        rng,
        int(rng.integers(1, 9)),
        17,
        jitter=float(rng.choice([0.5, 2.0, 6.0])),
        tie=seed % 3 == 0,
        identical=seed % 7 == 0)
    area = float(rng.choice([0, 2000, 20000]))
    nms = ParametricPoseNMS(metainfo=COCO_META, min_box_area=area)
    check_against_oracle(nms, inst, min_box_area=area)


@pytest.mark.parametrize('seed', range(15))
def test_body26_matches_oracle(seed):
    rng = np.random.default_rng(100 + seed)
    inst = make_scene(rng, int(rng.integers(1, 7)), 26, jitter=3.0)
    check_against_oracle(ParametricPoseNMS(), inst)


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('meta,k', [(HALPE_META, 136), (WB_META, 133)])
@pytest.mark.parametrize('preset', ['default', 'regression'])
@pytest.mark.parametrize('norm', ['valid', 'alphapose'])
def test_wholebody_matches_oracle(seed, meta, k, preset, norm):
    rng = np.random.default_rng(1000 + seed)
    inst = make_scene(
        rng, int(rng.integers(1, 6)), k, jitter=2.0, tie=seed % 4 == 0, identical=seed % 5 == 0)
    nms = ParametricPoseNMS(
        metainfo=meta, preset=preset, wholebody_match_norm=norm, person_stats='all')
    groups = resolve_wholebody_groups(k, nms.parts)
    consts = REGRESSION if preset == 'regression' else None
    check_against_oracle(nms, inst, groups=groups, consts=consts, match_norm=norm)


@pytest.mark.parametrize('seed', range(8))
def test_wholebody_body_stats_equal_the_body_nms(seed):
    """person_stats='body': a 136-point model writes the people and the body
    keypoints that the body P-NMS writes for its 26 body points, whatever its
    face / hand scores, and its face / hands are merged over the same groups."""
    rng = np.random.default_rng(2000 + seed)
    inst = make_scene(rng, int(rng.integers(2, 7)), 136, jitter=2.0, tie=seed % 4 == 0)
    # face / hand scores unrelated to the body's: low for some people
    inst.keypoint_scores[:, 26:] *= rng.uniform(0, 1, (len(inst), 1))
    body_inst = inst.clone()
    body_inst.keypoints = inst.keypoints[:, :26].copy()
    body_inst.keypoint_scores = inst.keypoint_scores[:, :26].copy()
    whole, w_idx = ParametricPoseNMS(metainfo=HALPE_META).nms(inst)
    body, b_idx = ParametricPoseNMS().nms(body_inst)
    np.testing.assert_array_equal(w_idx, b_idx)
    np.testing.assert_allclose(whole.keypoints[:, :26], body.keypoints, rtol=1e-12)
    np.testing.assert_allclose(whole.keypoint_scores[:, :26], body.keypoint_scores, rtol=1e-12)
    np.testing.assert_allclose(whole.scores, body.scores, rtol=1e-12)
    assert whole.idx == body.idx
    # the face of each kept pose is the score-weighted merge of its group
    for g, members in enumerate(whole.idx):
        ref = w_idx[g]
        d = np.linalg.norm(inst.keypoints[members, 26:94] - inst.keypoints[ref, 26:94], axis=-1)
        wh = inst.bboxes[ref, 2:] - inst.bboxes[ref, :2]
        s = inst.keypoint_scores[members, 26:94]
        w = np.where(s == 0, 1e-5, s) * (d <= min(0.1 * wh.max(), 15.0))
        tot = w.sum(0)
        ok = tot > 0
        exp = (inst.keypoints[members, 26:94] * w[..., None]).sum(0)[ok] / tot[ok, None]
        np.testing.assert_allclose(whole.keypoints[g, 26:94][ok], exp, rtol=1e-9)
    # 'all' keeps AlphaPose's all-keypoint statistics; other values are refused
    assert ParametricPoseNMS(metainfo=HALPE_META, person_stats='all').person_stats == 'all'
    with pytest.raises(ValueError, match='person_stats'):
        ParametricPoseNMS(person_stats='face')


def test_wholebody_133_parts_from_metainfo():
    nms = ParametricPoseNMS(metainfo=WB_META)
    body, face, hand = resolve_wholebody_groups(133, nms.parts)
    assert body.tolist() == list(range(23))
    assert face.tolist() == list(range(23, 91))
    assert hand.tolist() == list(range(91, 133))
    halpe = ParametricPoseNMS(metainfo=HALPE_META)
    body, face, hand = resolve_wholebody_groups(136, halpe.parts)
    assert (body.size, face[0], hand[0]) == (26, 26, 94)
    # no metainfo: whole-body detected from K with the last-110 layout
    auto = ParametricPoseNMS()
    assert auto._is_wholebody(133) and auto._is_wholebody(136)
    assert not auto._is_wholebody(17) and not auto._is_wholebody(68)


def test_single_person_and_empty():
    rng = np.random.default_rng(5)
    inst = make_scene(rng, 1, 17, dup_max=1)
    kept, idx = ParametricPoseNMS().nms(inst)
    assert idx.tolist() == [0]
    # merging a pose with itself only must return it unchanged
    np.testing.assert_allclose(kept.keypoints[0], inst.keypoints[0])
    assert kept.idx == [[0]]
    empty = InstanceData(
        keypoints=np.zeros((0, 17, 2)),
        keypoint_scores=np.zeros((0, 17)),
        bboxes=np.zeros((0, 4)),
        bbox_scores=np.zeros(0))
    kept, idx = ParametricPoseNMS().nms(empty)
    assert len(kept) == 0 and idx.shape == (0, )


def test_identical_duplicates_merge_to_one():
    rng = np.random.default_rng(3)
    inst = make_scene(rng, 3, 17, dup_max=1)
    dup = InstanceData(**{k: np.concatenate([v, v, v]) for k, v in inst.items()})
    dup.ids = np.arange(9) + 100
    kept, idx = ParametricPoseNMS().nms(dup)
    # tied human scores: the lowest input index becomes the reference
    assert len(kept) <= 3 and all(i < 3 for i in idx)
    for i, members in zip(idx, kept.idx):
        assert len(members) >= 3 and (i + 100) in members
        np.testing.assert_allclose(kept.keypoints[list(idx).index(i)], dup.keypoints[i], atol=1e-9)


def test_zero_scores_and_thresholds():
    rng = np.random.default_rng(9)
    inst = make_scene(rng, 4, 17)
    inst.keypoint_scores[0] = 0.0  # all-zero pose: below score_thr -> dropped
    kept, idx = ParametricPoseNMS().nms(inst)
    assert 0 not in idx.tolist()
    check_against_oracle(ParametricPoseNMS(), inst)
    # a huge area threshold removes everything
    kept, idx = ParametricPoseNMS(min_box_area=1e9).nms(inst)
    assert len(kept) == 0


def test_presets_and_overrides_are_per_instance():
    reg = ParametricPoseNMS(preset='regression')
    default = ParametricPoseNMS()
    assert (reg.gamma, reg.mu, reg.delta2, reg.match_thr) == (3.6, 1.65, 8.0, 3.0)
    assert (default.gamma, default.mu, default.alpha) == (22.48, 1.7, 0.1)
    assert ParametricPoseNMS(gamma=10).gamma == 10
    with pytest.raises(ValueError, match='preset'):
        ParametricPoseNMS(preset='nope')
    nms = POSE_NMS.build(dict(type='ParametricPoseNMS', metainfo=COCO_META))
    assert isinstance(nms, ParametricPoseNMS)


def test_bad_input_errors():
    nms = ParametricPoseNMS(metainfo=COCO_META)
    rng = np.random.default_rng(0)
    inst = make_scene(rng, 2, 26)
    with pytest.raises(ValueError, match='17 keypoints'):
        nms.nms(inst)
    inst = make_scene(rng, 2, 17)
    inst.keypoint_scores[0, 0] = np.nan
    with pytest.raises(ValueError, match='keypoint_scores'):
        nms.nms(inst)
    bad = InstanceData(keypoints=np.zeros((2, 17, 2)), keypoint_scores=np.ones((2, 17)))
    with pytest.raises(KeyError, match='bboxes'):
        nms.nms(bad)


def test_torch_inputs_and_extra_fields():
    rng = np.random.default_rng(11)
    inst = make_scene(rng, 3, 17)
    inst.labels = np.arange(len(inst))
    tinst = InstanceData(**{k: torch.from_numpy(np.asarray(v)) for k, v in inst.items()})
    kept_np, idx_np = ParametricPoseNMS().nms(inst)
    kept_t, idx_t = ParametricPoseNMS().nms(tinst)
    assert idx_np.tolist() == idx_t.tolist()
    assert isinstance(kept_t.keypoints, torch.Tensor)
    np.testing.assert_allclose(kept_t.keypoints.numpy(), kept_np.keypoints)
    assert kept_np.labels.tolist() == idx_np.tolist()


# ----------------------------------------------------------------------------
# Real COCO sample: duplicated jittered GT poses as false positives
# ----------------------------------------------------------------------------
def _coco_eval(coco_gt, results, sigmas):
    from xtcocotools.cocoeval import COCOeval
    if not results:
        return 0.0
    coco_dt = coco_gt.loadRes(copy.deepcopy(results))
    ev = COCOeval(coco_gt, coco_dt, 'keypoints', sigmas, use_area=True)
    ev.params.useSegm = None
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return float(ev.stats[0])


def _instances_to_results(img_id, kpts, scores, pose_scores):
    out = []
    for p, s, sc in zip(kpts, scores, pose_scores):
        kp = np.concatenate([p, s[:, None]], axis=1).reshape(-1)
        out.append(dict(image_id=img_id, category_id=1, keypoints=kp.tolist(), score=float(sc)))
    return out


def test_pnms_restores_ap_on_coco_sample(capsys):
    from xtcocotools.coco import COCO

    from mmalphapose.datasets import parse_pose_metainfo
    sigmas = parse_pose_metainfo(dict(from_file=COCO_META))['sigmas']
    coco_gt = COCO(COCO_JSON)
    rng = np.random.default_rng(2024)
    nms = ParametricPoseNMS(metainfo=COCO_META)
    oks = POSE_NMS.build(dict(type='OKSNMS', metainfo=COCO_META))
    gt_res, none_res, pnms_res, oks_res = [], [], [], []
    for img_id in coco_gt.getImgIds():
        anns = [
            a for a in coco_gt.loadAnns(coco_gt.getAnnIds(imgIds=img_id))
            if a['num_keypoints'] > 0 and not a['iscrowd']
        ]
        kpts, scores, boxes, box_scores = [], [], [], []
        for a in anns:
            kp = np.array(a['keypoints'], dtype=np.float64).reshape(-1, 3)
            x, y, w, h = a['bbox']
            vis = kp[:, 2] > 0
            # unlabelled joints: put them at the box centre with a low score
            kp[~vis, :2] = [x + w / 2, y + h / 2]
            base_s = np.where(vis, 0.9, 0.05)
            gt_res += _instances_to_results(img_id, kp[None, :, :2], base_s[None], [1.0])
            sigma_px = 0.015 * max(w, h)
            for _ in range(6):  # true pose + 5 duplicates, all detector-like
                p = kp[:, :2] + rng.normal(0, sigma_px, (17, 2))
                s = np.clip(base_s * rng.uniform(0.5, 1.0), 0, 1)
                kpts.append(p)
                scores.append(s)
                boxes.append(np.array([x, y, x + w, y + h]) + rng.normal(0, 0.03 * w, 4))
                box_scores.append(rng.uniform(0.3, 1.0))
        inst = InstanceData(
            keypoints=np.array(kpts),
            keypoint_scores=np.array(scores),
            bboxes=np.array(boxes),
            bbox_scores=np.array(box_scores))
        prop = inst.keypoint_scores.mean(1) + inst.bbox_scores + \
            1.25 * inst.keypoint_scores.max(1)
        none_res += _instances_to_results(img_id, inst.keypoints, inst.keypoint_scores, prop)
        kept, _ = nms.nms(inst)
        pnms_res += _instances_to_results(img_id, kept.keypoints, kept.keypoint_scores,
                                          kept.scores)
        kept, idx = oks.nms(inst)
        oks_res += _instances_to_results(img_id, kept.keypoints, kept.keypoint_scores, prop[idx])
    ap_gt = _coco_eval(coco_gt, gt_res, sigmas)
    ap_none = _coco_eval(coco_gt, none_res, sigmas)
    ap_pnms = _coco_eval(coco_gt, pnms_res, sigmas)
    ap_oks = _coco_eval(coco_gt, oks_res, sigmas)
    with capsys.disabled():
        print(f'\nCOCO sample AP: GT only {ap_gt:.4f} | duplicates, no NMS '
              f'{ap_none:.4f} | duplicates + P-NMS {ap_pnms:.4f} '
              f'({len(none_res)} -> {len(pnms_res)} poses) | duplicates + OKS-NMS '
              f'{ap_oks:.4f} ({len(oks_res)} poses)')
    assert ap_gt == pytest.approx(1.0)
    assert ap_pnms > ap_none + 0.05
    assert ap_pnms >= ap_gt - 0.1


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize(
    'consts',
    [
        dict(gamma=5.0, mu=2.0, delta2=20.0),  # far-reaching spatial term
        dict(match_thr=2.0, alpha=0.3, score_thr=0.1),
        dict(gamma=-1.0),  # everything similar: pruning must switch off
    ])
def test_custom_constants_match_oracle(seed, consts):
    rng = np.random.default_rng(500 + seed)
    inst = make_scene(rng, int(rng.integers(2, 8)), 17, jitter=8.0)
    check_against_oracle(ParametricPoseNMS(**consts), inst, consts=consts)


def test_pipeline_arrays_pass_without_conversion_and_layout_set_once(monkeypatch):
    """The pipeline's float32 numpy instances go through P-NMS without a
    copy, and what depends only on the configuration and K
    (whole-body groups, interaction radius) is computed when P-NMS is built
    (with metainfo) or at the first call of a K (without)."""
    import mmalphapose.post_processing.parametric_pose_nms as pnms_mod
    import mmalphapose.post_processing.utils as utils_mod
    rng = np.random.default_rng(3)
    inst = make_scene(rng, 4, 136)
    for key in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
        inst.set_field(np.asarray(inst.get(key), np.float32), key)
    expected, expected_idx = ParametricPoseNMS(metainfo=HALPE_META).nms(inst)
    with_meta = ParametricPoseNMS(metainfo=HALPE_META)
    without = ParametricPoseNMS()
    without.nms(inst)  # its first call of K = 136 sets the layout
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError('called per call')

    fields = ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores')
    shared = []
    read_arrays = utils_mod.get_pose_arrays

    def spy(instances, *args, **kwargs):  # the arrays P-NMS reads: the input's, no copy
        arrays = read_arrays(instances, *args, **kwargs)
        shared.append([np.shares_memory(a, instances.get(f)) for a, f in zip(arrays, fields)])
        return arrays

    monkeypatch.setattr(pnms_mod, 'get_pose_arrays', spy)
    monkeypatch.setattr(pnms_mod, 'resolve_wholebody_groups', refuse)
    for nms in (with_meta, without):
        kept, idx = nms.nms(inst)
        assert idx.tolist() == expected_idx.tolist() and kept.keypoints.dtype == np.float32
        np.testing.assert_array_equal(kept.keypoints, expected.keypoints)
        np.testing.assert_array_equal(kept.scores, expected.scores)
    assert not calls
    assert shared == [[True] * 4] * 2
    monkeypatch.undo()
    # tensors, float64 or NaN are not the pipeline's: converted / refused as before
    as_tensors = inst.clone()
    for key in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
        as_tensors.set_field(torch.from_numpy(inst.get(key)), key)
    kept, idx = with_meta.nms(as_tensors)
    assert idx.tolist() == expected_idx.tolist()
    np.testing.assert_array_equal(kept.keypoints.numpy(), expected.keypoints)
    bad = inst.clone()
    bad.keypoints = bad.keypoints.copy()
    bad.keypoints[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='instances.keypoints contains NaN'):
        with_meta.nms(bad)
    # a new K without metainfo: a new layout, the same result as a fresh P-NMS
    body = make_scene(rng, 3, 17)
    np.testing.assert_array_equal(without.nms(body)[1], ParametricPoseNMS().nms(body)[1])
