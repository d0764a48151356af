"""PoseTrack18 metric on GT constructed from real annotated frames.

``tests/data/posetrack18/constructed/012834_6frames.json``: the 11 real
annotated people of PoseTrack18 val video 012834 (frame 0), repeated over 6
frames with a per-person constant shift, frame 3 marked unlabelled, the real
ignore regions kept (see tests/data/README.md).
"""
import copy
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.evaluation.metrics import (PoseTrack18Metric, evaluate_keypoint_mota,
                                            evaluate_posetrack, load_posetrack_gt)
from mmalphapose.evaluation.metrics.posetrack18_metric import (POSETRACK_EVAL_NAMES,
                                                               apply_ignore_regions,
                                                               points_in_polygons, voc_ap)
from mmalphapose.registry import METRICS

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'posetrack18')
GT = osp.join(DATA, 'constructed', '012834_6frames.json')


@pytest.fixture(scope='module')
def videos():
    return load_posetrack_gt(GT)


def _perfect(videos, noise=0.0, seed=0, junk=False):
    """GT as predictions (ids shifted); ``junk``: the unannotated joints are
    predicted too, with score 0.1."""
    rng = np.random.default_rng(seed)
    preds = {}
    for frames in videos.values():
        for fr in frames:
            kp = fr['keypoints'] + rng.normal(0, noise, fr['keypoints'].shape)
            preds[fr['image_id']] = dict(
                ids=fr['ids'] + 7, keypoints=kp, scores=fr['visible'] * 0.8 + 0.1 * junk)
    return preds


def test_loader_reads_the_constructed_video(videos):
    assert list(videos) == ['012834']
    frames = videos['012834']
    assert len(frames) == 6 and [f['labeled'] for f in frames].count(False) == 1
    assert all(len(f['ids']) == 11 for f in frames) and len(frames[0]['ignore']) == 4
    # head size 0.6 * head-box diagonal
    np.testing.assert_allclose(frames[0]['head_sizes'][0], 0.6 * np.hypot(44, 53))
    with pytest.raises(ValueError, match='PoseTrack18'):
        load_posetrack_gt(osp.join(osp.dirname(DATA), 'coco', 'test_coco_det_AP_H_56.json'))


def test_perfect_and_shifted_predictions(videos):
    m = evaluate_posetrack(videos, _perfect(videos))
    assert m['AP'] == 1.0 and m['MOTA'] == 1.0 and m['Recall'] == 1.0
    assert m['num_switches'] == 0 and m['MOTP'] == 1.0
    # 5 labelled frames, every visible GT joint outside the ignore regions once
    vis = sum(
        (f['visible']
         & ~points_in_polygons(f['keypoints'].reshape(-1, 2), f['ignore']).reshape(-1, 17)).sum()
        for f in videos['012834'] if f['labeled'])
    assert m['num_objects'] == vis
    # low-score joints where the GT has none: false positives unless thresholded
    m = evaluate_posetrack(videos, _perfect(videos, junk=True))
    assert m['AP'] == 1.0 and m['MOTA'] < 1.0 and m['Precision'] < 1.0
    m = evaluate_posetrack(videos, _perfect(videos, junk=True), mota_kpt_thr=0.5)
    assert m['MOTA'] == 1.0
    # joints moved beyond 0.5 head sizes are misses and false positives
    preds = _perfect(videos)
    for p, fr in zip(preds.values(), videos['012834']):
        p['keypoints'] = p['keypoints'] + fr['head_sizes'][:, None, None] * 0.6
    m = evaluate_posetrack(videos, preds)
    assert m['MOTA'] < 0 and m['AP'] == 0.0 and m['Recall'] == 0.0
    # noise: MOTP drops below 1, AP stays high
    m = evaluate_posetrack(videos, _perfect(videos, noise=1.0))
    assert 0.9 < m['MOTP'] < 1.0 and m['AP'] > 0.95


def test_id_swap_matches_motmetrics(videos):
    mm = pytest.importorskip('motmetrics')
    preds = _perfect(videos)
    frames = videos['012834']
    for fr in frames[4:]:  # swap two people from frame 4 on
        ids = preds[fr['image_id']]['ids']
        ids[[0, 1]] = ids[[1, 0]]
    m = evaluate_posetrack(videos, preds)
    switches = 0
    for k in range(17):
        acc = mm.MOTAccumulator(auto_id=True)
        for fr in frames:
            if not fr['labeled']:
                continue
            fr, p = apply_ignore_regions(fr, preds[fr['image_id']])
            g = np.flatnonzero(fr['visible'][:, k])
            q = np.flatnonzero(p['scores'][:, k] > 0)
            d = np.linalg.norm(fr['keypoints'][g, None, k] - p['keypoints'][None, q, k], axis=-1)
            d = d / fr['head_sizes'][g, None]
            acc.update(fr['ids'][g], p['ids'][q], np.where(d <= 0.5, d, np.nan))
        s = mm.metrics.create().compute(acc, metrics=['num_switches'], name='x')
        switches += int(s['num_switches'].iloc[0])
    assert m['num_switches'] == switches > 0
    assert m['MOTA'] < 1.0 and m['AP'] == 1.0  # AP ignores identities


def test_ignore_regions(videos):
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    pts = np.array([[5, 5], [15, 5], [-1, 5], [9.9, 0.1]])
    assert points_in_polygons(pts, [square]).tolist() == [True, False, False, True]
    fr = videos['012834'][0]
    poly = fr['ignore'][0]
    # a grid off the vertex coordinates (on an edge both rules may differ)
    xs, ys = np.meshgrid(
        np.linspace(poly[:, 0].min(), poly[:, 0].max(), 41) + 0.37,
        np.linspace(poly[:, 1].min(), poly[:, 1].max(), 41) + 0.29)
    grid = np.stack([xs.ravel(), ys.ravel()], 1)
    mine = points_in_polygons(grid, [poly])
    path = pytest.importorskip('matplotlib.path')
    closed = path.Path(np.r_[poly, poly[:1]], closed=True)
    np.testing.assert_array_equal(mine, closed.contains_points(grid))
    inside = grid[np.flatnonzero(mine)[len(np.flatnonzero(mine)) // 2]]
    # a predicted person inside an ignore region is no false positive
    preds = _perfect(videos)
    ghost = np.repeat(inside[None, None], 17, 1)
    for p in preds.values():
        p['ids'] = np.r_[p['ids'], 99]
        p['keypoints'] = np.concatenate([p['keypoints'], ghost])
        p['scores'] = np.concatenate([p['scores'], np.full((1, 17), 0.95)])
    m = evaluate_posetrack(videos, preds)
    assert m['num_false_positives'] == 0 and m['AP'] == 1.0
    # the same person outside: false positives and a lower AP
    for p in preds.values():
        p['keypoints'][-1] = -50.0 + np.arange(17)[:, None]
    m = evaluate_posetrack(videos, preds)
    assert m['num_false_positives'] > 0


def test_voc_ap_and_keypoint_mota_counts():
    assert voc_ap(np.array([0.5, 1.0]), np.array([1.0, 1.0])) == 1.0
    assert voc_ap(np.array([0.5, 0.5]), np.array([1.0, 0.5])) == 0.5
    frames = [
        dict(
            gt_ids=[1],
            gt_keypoints=np.zeros((1, 2, 2)),
            gt_visible=np.ones((1, 2)),
            head_sizes=[10.0],
            pred_ids=[5],
            pred_keypoints=np.ones((1, 2, 2)),
            pred_scores=np.ones((1, 2)))
    ]
    m = evaluate_keypoint_mota(frames, keypoint_names=['a', 'b'])
    assert m['num_matches/a'] == 1 and m['dist_sum/b'] == pytest.approx(np.sqrt(2) / 10)


def test_registered_metric_with_data_samples(videos):
    metric = METRICS.build(dict(type='PoseTrack18Metric', ann_file=GT))
    assert isinstance(metric, PoseTrack18Metric)
    metric.dataset_meta = dict(dataset_name='posetrack18')
    samples = []
    for fr in videos['012834']:
        samples.append(
            dict(
                img_id=fr['image_id'],
                pred_instances=dict(
                    keypoints=fr['keypoints'],
                    keypoint_scores=fr['visible'] * 0.9,
                    track_ids=fr['ids'])))
    metric.process({}, samples)
    res = metric.evaluate(len(samples))
    assert res['posetrack/AP'] == 1.0 and res['posetrack/MOTA'] == 1.0
    # COCO-17 predictions (no layout given) go through the COCO mapping: the
    # PoseTrack head_bottom / head_top columns stay empty
    metric = PoseTrack18Metric(ann_file=GT)
    metric.dataset_meta = dict(dataset_name='coco')
    metric.process({}, samples)
    res = metric.evaluate(len(samples))
    assert res['posetrack/AP/head_top'] == 0.0 and res['posetrack/AP/left_knee'] == 1.0
    with pytest.raises(ValueError, match='no default mapping'):
        metric.to_posetrack(np.zeros((1, 5, 2)), np.zeros((1, 5)))


def _tool(repo_root):
    spec = importlib.util.spec_from_file_location('test_tracking_tool_pt',
                                                  osp.join(repo_root, 'tools', 'test_tracking.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tool_reads_posetrack_gt_and_alphapose_json(repo_root, tmp_path):
    with open(GT) as f:
        gt = json.load(f)
    names = {im['id']: im['file_name'] for im in gt['images']}
    entries = []
    for a in gt['annotations']:
        kp = copy.deepcopy(a['keypoints'])
        entries.append(dict(image_id=names[a['image_id']], keypoints=kp, idx=a['track_id'] + 1))
    path = tmp_path / 'res.json'
    path.write_text(json.dumps(entries))
    tool = _tool(repo_root)
    m = tool.main([str(path), '--gt', GT, '--pred-layout', 'posetrack', '--quiet'])
    assert m['AP'] == 1.0 and m['MOTA'] == 1.0
    # without ids the pose-aware tracker assigns them: still no switch
    for e in entries:
        del e['idx']
    path.write_text(json.dumps(entries))
    m = tool.main([str(path), '--gt', osp.dirname(GT), '--pred-layout', 'posetrack', '--quiet'])
    assert m['MOTA'] == 1.0 and m['num_switches'] == 0


def test_tool_reads_per_joint_scores_of_posetrack_predictions(repo_root, tmp_path):
    """PoseTrack-format predictions carry the keypoint scores in ``scores``
    (their keypoints' third value is a flag); poseval ranks by ``scores``."""
    with open(GT) as f:
        gt = json.load(f)
    pred = dict(images=gt['images'], annotations=[])
    for a in gt['annotations']:
        kp = np.asarray(a['keypoints'], np.float64).reshape(-1, 3)
        vis = kp[:, 2] > 0
        real = np.c_[kp[:, :2], np.ones(17)]
        pred['annotations'].append(
            dict(
                image_id=a['image_id'],
                track_id=a['track_id'],
                keypoints=real.ravel().tolist(),
                scores=(0.9 * vis + 0.05).tolist()))
        ghost = np.c_[kp[:, :2] + 40.0, np.ones(17)]  # a wrong second pose, low scores
        pred['annotations'].append(
            dict(
                image_id=a['image_id'],
                track_id=a['track_id'] + 500,
                keypoints=ghost.ravel().tolist(),
                scores=[0.02] * 17))
    path = tmp_path / 'pred.json'
    path.write_text(json.dumps(pred))
    tool = _tool(repo_root)
    m = tool.main([str(path), '--gt', GT, '--pred-layout', 'posetrack', '--quiet'])
    assert m['AP'] == 1.0
    for a in pred['annotations']:  # without scores every joint ties at 1
        del a['scores']
    path.write_text(json.dumps(pred))
    assert tool.main([str(path), '--gt', GT, '--pred-layout', 'posetrack', '--quiet'])['AP'] < 1.0
    pred['annotations'][0]['scores'] = [0.5] * 3
    path.write_text(json.dumps(pred))
    with pytest.raises(ValueError, match='"scores"'):
        tool.main([str(path), '--gt', GT, '--pred-layout', 'posetrack', '--quiet'])


def test_totals_are_means_over_the_15_posetrack_joints(videos):
    """poseval averages the per-joint MOTA / precision over its 15 joints;
    ear predictions (PoseTrack18 has no ear labels) are not evaluated."""
    preds = _perfect(videos)
    for p in preds.values():  # confident ear predictions: no false positives
        p['scores'] = p['scores'].copy()
        p['scores'][:, 3:5] = 0.9
    m = evaluate_posetrack(videos, preds)
    assert m['MOTA'] == 1.0 and m['Precision'] == 1.0 and m['num_false_positives'] == 0
    assert 'AP/left_ear' not in m and 'MOTA/left_ear' not in m
    all17 = evaluate_posetrack(videos, preds, eval_names=None)
    assert all17['Precision'] < 1.0 and all17['num_false_positives'] > 0
    # one joint entirely missed: the total is the mean of per-joint values,
    # not pooled counts
    for p in preds.values():
        p['scores'][:, 0] = 0.0
    m = evaluate_posetrack(videos, preds)
    per = [m[f'MOTA/{n}'] for n in POSETRACK_EVAL_NAMES if f'MOTA/{n}' in m]
    assert m['MOTA/nose'] == 0.0 and len(per) == 15
    assert m['MOTA'] == pytest.approx(np.mean(per)) == pytest.approx(14 / 15)
    assert m['MOTP/nose'] == 0.0  # poseval: MOTP 0 without detections
    with pytest.raises(ValueError, match='eval_names'):
        evaluate_posetrack(videos, preds, eval_names=['elbow'])
