"""PGPG: fit_pgpg.py on the real COCO samples and the PartGuidedProposal
transform (fitted sampling and AlphaPose addDPG fallback)."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.datasets.transforms.pgpg import (DPG_EDGE_MEAN, DPG_EDGE_STD, PartGuidedProposal,
                                                  apply_box_offsets, assign_atomic_pose,
                                                  box_offsets, dpg_jitter, masked_kmeans)
from mmalphapose.registry import TRANSFORMS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO_JSON = osp.join(ROOT, 'tests/data/coco/test_coco.json')
DET_JSON = osp.join(ROOT, 'tests/data/coco/test_coco_det_AP_H_56.json')
WB_JSON = osp.join(ROOT, 'tests/data/coco_wholebody/test_coco_wholebody.json')
COMMITTED = osp.join(ROOT, 'configs/_base_/pgpg/coco_sample_det_k3.json')


def _load_tool():
    path = osp.join(ROOT, 'tools/analysis_tools/fit_pgpg.py')
    spec = importlib.util.spec_from_file_location('fit_pgpg', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fit_tool = _load_tool()


def _gt_person(idx=0):
    with open(COCO_JSON) as f:
        anns = [a for a in json.load(f)['annotations'] if a['num_keypoints'] > 5]
    a = anns[idx]
    kp = np.array(a['keypoints'], dtype=np.float32).reshape(-1, 3)
    x, y, w, h = a['bbox']
    return dict(
        bbox=np.array([[x, y, x + w, y + h]], np.float32),
        bbox_score=np.ones(1, np.float32),
        keypoints=kp[None, :, :2].copy(),
        keypoints_visible=(kp[None, :, 2] > 0).astype(np.float32),
        img_shape=(4000, 4000))


def test_offsets_roundtrip():
    rng = np.random.default_rng(0)
    gt = np.array([[10, 20, 110, 320.], [0, 0, 50, 60]])
    det = gt + rng.normal(0, 5, gt.shape)
    np.testing.assert_allclose(apply_box_offsets(gt, box_offsets(gt, det)), det, atol=1e-9)


def test_masked_kmeans_recovers_clusters():
    rng = np.random.default_rng(1)
    centres = rng.uniform(0, 1, (3, 17, 2))
    labels = rng.integers(0, 3, 300)
    poses = centres[labels] + rng.normal(0, 0.02, (300, 17, 2))
    vis = rng.uniform(size=(300, 17)) > 0.3
    fitted, got = masked_kmeans(poses, vis, 3, seed=0)
    # same partition up to a relabelling
    for c in range(3):
        assert len(np.unique(got[labels == c])) == 1
    assert len(np.unique(got)) == 3
    assert assign_atomic_pose(poses[:1], np.zeros((1, 17), bool), fitted)[0] == -1


def test_fit_on_real_sample_with_detections(tmp_path):
    out = tmp_path / 'pgpg.json'
    fit_tool.main([COCO_JSON, '--det', DET_JSON, '--k', '3', '--out', str(out)])
    data = json.loads(out.read_text())
    assert data['num_keypoints'] == 17 and data['num_clusters'] == 3
    assert np.asarray(data['centres']).shape == (3, 17, 2)
    src = data['source']
    assert src['num_offsets'] > 14 and not src['simulated']
    assert sum(c['num_poses'] for c in data['clusters']) == 12  # annotated persons
    g = data['global']
    # the detector boxes hug the GT boxes: small mean offset, non-zero spread
    assert np.all(np.abs(g['mean']) < 0.15)
    assert np.all(np.asarray(g['std']) > 0.01)
    # the committed file is the same fit (deterministic)
    committed = json.load(open(COMMITTED))
    np.testing.assert_allclose(committed['global']['mean'], g['mean'], atol=1e-9)
    np.testing.assert_allclose(committed['centres'], data['centres'], atol=1e-6)


def test_fit_wholebody_and_one_to_one(tmp_path):
    res = fit_tool.fit_pgpg(WB_JSON, DET_JSON, k=2)
    assert res['num_keypoints'] == 133
    res = fit_tool.fit_pgpg(COCO_JSON, DET_JSON, k=3, one_to_one=True)
    assert res['source']['num_offsets'] <= 14
    with pytest.raises(FileNotFoundError, match='nope.json'):
        fit_tool.fit_pgpg(COCO_JSON, 'nope.json')


def test_fit_simulated_matches_dpg_statistics():
    res = fit_tool.fit_pgpg(COCO_JSON, None, k=3, sim_samples=600, seed=3)
    g = res['global']
    # centre offset = mean of the two edge offsets; sizes are log(1 + e2 - e1)
    exp_mean_cx = (DPG_EDGE_MEAN[0] + DPG_EDGE_MEAN[2]) / 2
    exp_std_cx = np.hypot(DPG_EDGE_STD[0], DPG_EDGE_STD[2]) / 2
    exp_std_cy = np.hypot(DPG_EDGE_STD[1], DPG_EDGE_STD[3]) / 2
    assert g['mean'][0] == pytest.approx(exp_mean_cx, abs=0.004)
    assert g['std'][0] == pytest.approx(exp_std_cx, rel=0.05)
    assert g['std'][1] == pytest.approx(exp_std_cy, rel=0.05)


def test_transform_samples_follow_fitted_statistics():
    np.random.seed(0)
    t = PartGuidedProposal(pgpg_file=COMMITTED, clip=False)
    data = json.load(open(COMMITTED))
    person = _gt_person(0)
    from mmalphapose.datasets.transforms.pgpg import normalize_pose_by_box
    pose = normalize_pose_by_box(person['keypoints'], person['bbox'])
    label = assign_atomic_pose(pose, person['keypoints_visible'] > 0,
                               np.asarray(data['centres']))[0]
    stats = data['clusters'][label]
    for _ in range(3):  # single draws keep the results-dict contract
        res = t(dict(person, bbox=person['bbox'].copy()))
        np.testing.assert_array_equal(res['pgpg_gt_bbox'], person['bbox'])
        assert res['bbox'].shape == (1, 4) and res['bbox'].dtype == np.float32
        assert not np.array_equal(res['bbox'], person['bbox'])
    n = 20000
    t = PartGuidedProposal(pgpg_file=COMMITTED, clip=False, num_samples=n)
    res = t(dict(person, bbox=person['bbox'].copy()))
    offs = box_offsets(np.repeat(person['bbox'], n, 0), res['bbox'])
    mean, std = np.asarray(stats['mean']), np.asarray(stats['std'])
    np.testing.assert_allclose(offs.mean(0), mean, atol=4 * std.max() / np.sqrt(n) + 1e-4)
    np.testing.assert_allclose(offs.std(0), std, rtol=0.06, atol=1e-4)
    # with the full covariance the sample correlation matches too
    cov = np.asarray(stats['cov'])
    np.testing.assert_allclose(np.cov(offs, rowvar=False), cov, atol=0.1 * np.abs(cov).max())


def test_transform_prob_samples_and_clip():
    np.random.seed(1)
    person = _gt_person(1)
    t = PartGuidedProposal(pgpg_file=COMMITTED, prob=0.0)
    res = t(dict(person, bbox=person['bbox'].copy()))
    np.testing.assert_array_equal(res['bbox'], person['bbox'])
    t = TRANSFORMS.build(dict(type='PartGuidedProposal', pgpg_file=COMMITTED, num_samples=5))
    res = t(dict(person, bbox=person['bbox'].copy(), img_shape=(100, 120)))
    assert res['bbox'].shape == (5, 4) and res['keypoints'].shape == (5, 17, 2)
    assert res['keypoints_visible'].shape == (5, 17)
    assert res['bbox_score'].shape == (5, )
    assert res['bbox'][:, 0::2].max() <= 119 and res['bbox'][:, 1::2].max() <= 99
    assert np.all(res['bbox'][:, 2:] - res['bbox'][:, :2] >= 2 - 1e-4)


def test_transform_errors():
    person = _gt_person(0)
    with pytest.raises(FileNotFoundError, match='missing.json'):
        PartGuidedProposal(pgpg_file='missing.json')
    t = PartGuidedProposal(pgpg_file=COMMITTED)
    bad = dict(person, keypoints=np.zeros((1, 26, 2)), keypoints_visible=np.ones((1, 26)))
    with pytest.raises(ValueError, match='17 keypoints'):
        t(bad)
    with pytest.raises(KeyError, match='keypoints_visible'):
        t(dict(bbox=person['bbox'], keypoints=person['keypoints']))


def test_dpg_fallback_statistics():
    np.random.seed(2)
    gt = np.tile(np.array([[1000., 1000., 1200., 1500.]]), (20000, 1))
    out = dpg_jitter(gt, 4000, 4000)
    w, h = 200., 500.
    ratio = (out[:, 2:] - out[:, :2])
    # sub-patch crops keep the aspect ratio and lie inside the box (+1 px)
    patch = np.isclose((ratio[:, 1] - 1) / (ratio[:, 0] - 1), h / w)
    assert patch.mean() == pytest.approx(0.15, abs=0.015)
    assert np.all(out[patch, :2] >= gt[patch, :2] - 1e-9)
    edges = (out[~patch] - gt[~patch]) / np.array([w, h, w, h])
    np.testing.assert_allclose(edges.mean(0), DPG_EDGE_MEAN, atol=0.004)
    np.testing.assert_allclose(edges.std(0), DPG_EDGE_STD, rtol=0.05)
    # the transform uses it without a fitted file, and clamps to the image
    t = PartGuidedProposal()
    person = _gt_person(0)
    res = t(dict(person, bbox=person['bbox'].copy(), img_shape=(50, 60)))
    b = res['bbox'][0]
    assert b[0] >= 0 and b[1] >= 0


class _FixedRng:
    """Stands in for np.random: fixed uniform / normal draws."""

    def __init__(self, patch_scale, u, noise):
        self.draws = dict(
            uniform=[np.array([patch_scale]), np.array([u])], normal=[np.array([noise])])

    def uniform(self, lo, hi, size):
        return self.draws['uniform'].pop(0).reshape(size)

    def normal(self, size):
        return self.draws['normal'].pop(0).reshape(size)


def _alphapose_add_dpg(bbox, imgwidth, imght, patch_scale, u, noise):
    """AlphaPose's addDPG (transforms.py:38-68) with its random draws given."""
    width, ht = bbox[2] - bbox[0], bbox[3] - bbox[1]
    if patch_scale > 0.85:
        ratio = ht / width
        if width < ht:
            pw = patch_scale * width
            ph = pw * ratio
        else:
            ph = patch_scale * ht
            pw = ph / ratio
        xmin = bbox[0] + u[0] * (width - pw)
        ymin = bbox[1] + u[1] * (ht - ph)
        return [xmin, ymin, xmin + pw + 1, ymin + ph + 1]
    n = noise * DPG_EDGE_STD + DPG_EDGE_MEAN
    xmin = max(1, min(bbox[0] + n[0] * width, imgwidth - 3))
    ymin = max(1, min(bbox[1] + n[1] * ht, imght - 3))
    xmax = min(max(xmin + 2, bbox[2] + n[2] * width), imgwidth - 3)
    ymax = min(max(ymin + 2, bbox[3] + n[3] * ht), imght - 3)
    return [xmin, ymin, xmax, ymax]


@pytest.mark.parametrize('patch_scale', [0.95, 0.5])
def test_dpg_jitter_equals_alphapose_add_dpg(patch_scale):
    """The sub-patch branch is not clamped (a box at the image border
    keeps its +1 px beyond W - 3), the jitter branch is."""
    box = np.array([0., 0., 100., 200.])
    u, noise = np.array([0.3, 0.7]), np.array([-1.5, -2.0, 2.5, 3.0])
    out = dpg_jitter(box[None], 100, 200, rng=_FixedRng(patch_scale, u, noise))[0]
    ref = _alphapose_add_dpg(box, 100, 200, patch_scale, u, noise)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9)
    if patch_scale > 0.85:
        assert out[3] > 200 - 3  # AlphaPose does not clamp the sub-patch


def test_pipeline_with_get_bbox_center_scale():
    from mmcv.transforms import Compose
    person = _gt_person(0)
    pipe = Compose([
        TRANSFORMS.build(dict(type='PartGuidedProposal', pgpg_file=COMMITTED)),
        TRANSFORMS.build(dict(type='GetBBoxCenterScale'))
    ])
    res = pipe(dict(person, bbox=person['bbox'].copy()))
    assert res['bbox_center'].shape == (1, 2) and res['bbox_scale'].shape == (1, 2)


def test_pgpg_training_config_yields_samples(tmp_path, monkeypatch):
    from mmengine import Config

    from mmalphapose.registry import DATASETS
    from mmalphapose.utils import register_all_modules
    register_all_modules()
    cfg_dir = osp.join(ROOT, 'configs/body_2d_keypoint/sikr/coco')
    cfg = Config.fromfile(
        osp.join(cfg_dir, 'sikr-pgpg_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py'))
    big = Config.fromfile(
        osp.join(cfg_dir, 'sikr-pgpg_fastpose-se-res50_8xb32-270e_coco-256x192.py'))
    assert big.train_dataloader.dataset.pipeline[1].type == 'PartGuidedProposal'
    assert big.train_dataloader.batch_size == 32  # the rest is inherited
    monkeypatch.chdir(tmp_path)  # relative pgpg_file resolves via the repo root
    cfg.train_dataloader.dataset.data_root = osp.join(ROOT, 'tests/data/coco/')
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    np.random.seed(0)
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 128, 96)
    gt = item['data_samples'].gt_instances
    assert gt.bboxes.shape == (1, 4)
