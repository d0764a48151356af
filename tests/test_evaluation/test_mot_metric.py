import os.path as osp

import numpy as np
import pytest

from mmalphapose.evaluation.metrics.mot_metric import (ClearMOTAccumulator, evaluate_keypoint_mota,
                                                       evaluate_mot, head_sizes, load_mot_txt)

mm = pytest.importorskip('motmetrics')
MOT15 = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'mot15', 'train')
KEYS = [
    'mota', 'motp', 'idf1', 'idp', 'idr', 'num_switches', 'num_false_positives', 'num_misses',
    'num_matches', 'num_objects', 'num_predictions'
]


@pytest.mark.parametrize('seq', ['TUD-Campus', 'TUD-Stadtmitte'])
def test_box_metrics_equal_motmetrics_on_mot15(seq):
    gt_file = osp.join(MOT15, seq, 'gt', 'gt.txt')
    res_file = osp.join(MOT15, 'results', f'{seq}.txt')
    # py-motmetrics end to end, with its own loader
    gt = mm.io.loadtxt(gt_file, fmt='mot15-2D', min_confidence=1)
    ts = mm.io.loadtxt(res_file, fmt='mot15-2D')
    acc = mm.utils.compare_to_groundtruth(gt, ts, 'iou', distth=0.5)
    ref = mm.metrics.create().compute(acc, metrics=KEYS, name=seq)
    ours = evaluate_mot(load_mot_txt(gt_file, min_confidence=1), load_mot_txt(res_file))
    print(seq, {k: round(float(ours[k]), 4) for k in KEYS})
    for k in KEYS:
        assert ours[k] == pytest.approx(float(ref[k].iloc[0]), abs=1e-9), k
    assert ours['num_switches'] > 0 and 0 < ours['mota'] < 1
    back = evaluate_mot(
        load_mot_txt(gt_file, min_confidence=1), load_mot_txt(res_file), backend='motmetrics')
    for k in KEYS:
        assert back[k] == pytest.approx(ours[k], abs=1e-9), k


def test_accumulator_switch_and_idf1_by_hand():
    acc = ClearMOTAccumulator()
    nan = np.nan
    acc.update([1, 2], ['a', 'b'], [[0.1, nan], [nan, 0.2]])
    acc.update([1, 2], ['a', 'b'], [[nan, 0.1], [0.3, nan]])  # 2 switches
    acc.update([1], ['c'], [[nan]])  # miss + false positive
    s = acc.summary()
    assert (s['num_switches'], s['num_misses'], s['num_false_positives'], s['num_matches'],
            s['num_objects']) == (2, 1, 1, 2, 5)
    assert s['mota'] == pytest.approx(1 - 4 / 5)
    assert s['motp'] == pytest.approx(0.7 / 4)
    # best id pairs: (1, a) and (2, b) once each -> IDTP 2 of 5 + 5
    assert s['idf1'] == pytest.approx(2 * 2 / 10)


def _random_pose_frames(rng, n_frames=30, n_people=4, K=5):
    base = rng.uniform(0, 400, (n_people, K, 2))
    frames = []
    for t in range(n_frames):
        gt_kp = base + t * 3.0
        pred_kp = gt_kp + rng.normal(0, 6, gt_kp.shape)
        pred_ids = np.arange(n_people) + 10
        if 10 <= t < 14:  # swap two ids for a while
            pred_ids[[0, 1]] = pred_ids[[1, 0]]
        keep = rng.random(n_people) > 0.1
        frames.append(
            dict(
                gt_ids=np.arange(n_people),
                gt_keypoints=gt_kp,
                gt_visible=rng.random((n_people, K)) > 0.2,
                head_sizes=np.full(n_people, 15.),
                pred_ids=pred_ids[keep],
                pred_keypoints=pred_kp[keep],
                pred_scores=rng.random((keep.sum(), K))))
    return frames


def test_keypoint_mota_equals_motmetrics_per_keypoint():
    rng = np.random.default_rng(0)
    frames = _random_pose_frames(rng)
    out = evaluate_keypoint_mota(frames, kpt_score_thr=0.1)
    K = 5
    tot = np.zeros(4)
    for k in range(K):
        acc = mm.MOTAccumulator(auto_id=True)
        for fr in frames:
            gi = np.flatnonzero(fr['gt_visible'][:, k])
            pi = np.flatnonzero(fr['pred_scores'][:, k] > 0.1)
            d = np.linalg.norm(
                fr['gt_keypoints'][gi, None, k] - fr['pred_keypoints'][None, pi, k], axis=-1)
            d = d / fr['head_sizes'][gi, None]
            d[d > 0.5] = np.nan
            acc.update(fr['gt_ids'][gi], fr['pred_ids'][pi], d)
        s = mm.metrics.create().compute(
            acc,
            metrics=['mota', 'num_misses', 'num_switches', 'num_false_positives', 'num_objects'])
        assert out[f'mota/kpt{k}'] == pytest.approx(float(s['mota'].iloc[0]))
        tot += [
            float(s[c].iloc[0])
            for c in ('num_misses', 'num_switches', 'num_false_positives', 'num_objects')
        ]
    assert out['mota'] == pytest.approx(1 - tot[:3].sum() / tot[3])
    assert out['num_switches'] == tot[1] > 0


def test_head_sizes_and_bad_files(tmp_path):
    boxes = np.array([[0., 0., 30., 40.], [0., 0., 60., 80.]])
    heads = np.array([[0., 0., 6., 8.], [0., 0., 0., 0.]])
    np.testing.assert_allclose(head_sizes(boxes, heads), [6., 0.15 * 100])
    bad = tmp_path / 'bad.txt'
    bad.write_text('1,2,3\n')
    with pytest.raises(ValueError, match='bad.txt'):
        load_mot_txt(str(bad))
    with pytest.raises(ValueError, match='backend'):
        evaluate_mot(np.zeros((0, 6)), np.zeros((0, 6)), backend='x')
