"""CocoMetric: GT-as-prediction AP = 1, perturbed AP == direct xtcocotools, NMS, converters."""
import contextlib
import io
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.datasets import (CocoDataset, CocoWholeBodyDataset, Halpe26Dataset,
                                  Halpe136Dataset, PoseTrack18Dataset)
from mmalphapose.evaluation import CocoMetric
from mmalphapose.evaluation.metrics.coco_metric import STAT_NAMES
from mmalphapose.registry import POSE_NMS

FORMATS = {
    'coco': (CocoDataset, 'coco/test_coco.json', 'coco/', {}),
    # 136-keypoint Halpe GT evaluated as Halpe-26: the first 26 are used
    'halpe26': (Halpe26Dataset, 'halpe/test_halpe.json', 'coco/', {}),
    'halpe136': (Halpe136Dataset, 'halpe/test_halpe.json', 'coco/', {}),
    'coco_wholebody':
    (CocoWholeBodyDataset, 'coco_wholebody/test_coco_wholebody.json', 'coco/', {}),
    'posetrack18':
    (PoseTrack18Dataset, 'posetrack18/annotations/test_posetrack18_val.json', 'posetrack18/', {}),
}


def _dataset(name, data_root):
    cls, ann, prefix, _ = FORMATS[name]
    return cls(ann_file=ann, data_root=data_root, data_prefix=dict(img=prefix), test_mode=True)


def _gt_samples(ds, noise=0.0, seed=0, vis_scores=False):
    """One data sample per GT instance with the GT (optionally perturbed) as prediction.

    ``vis_scores``: keypoint scores = GT visibility, so unlabelled keypoints
    count as not predicted (xtcocotools ignores score-0 keypoints of a part).
    """
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'].astype(np.float64)
        wh = info['bbox'][0, 2:] - info['bbox'][0, :2]
        size = np.sqrt(max(float(wh[0] * wh[1]) * 0.53, 1.0))
        kpts = kpts + rng.normal(0, noise, kpts.shape) * size * 0.05
        scores = np.clip(info['keypoints_visible'] * 0.8 + rng.uniform(0, 0.2, (1, kpts.shape[1])),
                         0, 1)
        if vis_scores:
            scores = info['keypoints_visible'].astype(np.float64)
        pred = InstanceData(
            keypoints=kpts,
            keypoint_scores=scores,
            bbox_scores=np.array([rng.uniform(0.5, 1.0)]),
            bboxes=info['bbox'])
        samples.append(
            dict(
                pred_instances=pred.to_dict(), img_id=info['img_id'], id=info['id'], category_id=1))
    return samples


def _metric(name, data_root, **kwargs):
    ds = _dataset(name, data_root)
    cfg = dict(FORMATS[name][3])
    cfg.update(kwargs)
    metric = CocoMetric(ann_file=osp.join(data_root, FORMATS[name][1]), **cfg)
    metric.dataset_meta = ds.metainfo
    return ds, metric


@pytest.mark.parametrize('name', list(FORMATS))
def test_gt_as_prediction_gives_ap_one(name, data_root):
    ds, metric = _metric(name, data_root)
    metric.process(None, _gt_samples(ds, vis_scores=True))
    res = metric.evaluate(len(ds))
    assert res['coco/AP'] == pytest.approx(1.0)
    assert res['coco/AR'] == pytest.approx(1.0)
    if name in ('coco_wholebody', 'halpe136'):
        for part in ('body', 'foot', 'face', 'left_hand', 'right_hand'):
            assert res[f'coco/{part}/AP'] == pytest.approx(1.0), part


def _direct_eval(gt_file, res_file, iou_type, sigmas, use_area=True):
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_file)
        dt = gt.loadRes(res_file)
        ev = COCOeval(gt, dt, iou_type, np.asarray(sigmas), use_area)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


def _write_halpe_split_gt(src, dst, parts, k):
    """Test-side Halpe-136 -> xtcocotools whole-body fields, written independently."""
    with open(src) as f:
        gt = json.load(f)
    fields = ['keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts', 'righthand_kpts']
    for ann in gt['annotations']:
        flat = ann['keypoints']
        for field, part in zip(fields, ['body', 'foot', 'face', 'left_hand', 'right_hand']):
            ids = parts[part]
            ann[field] = [v for i in ids for v in flat[3 * i:3 * i + 3]]
    with open(dst, 'w') as f:
        json.dump(gt, f)


@pytest.mark.parametrize('name', list(FORMATS))
def test_perturbed_matches_direct_cocoeval(name, data_root, tmp_path):
    prefix = str(tmp_path / name)
    ds, metric = _metric(name, data_root, outfile_prefix=prefix)
    metric.process(None, _gt_samples(ds, noise=1.0, seed=1))
    res = metric.evaluate(len(ds))
    assert 0.0 < res['coco/AP'] < 1.0
    res_file = prefix + '.keypoints.json'
    assert osp.isfile(res_file)
    with open(res_file) as f:
        dumped = json.load(f)
    # recompute the scores the metric must have written (bbox score x mean kpt score > 0.2)
    assert len(dumped) == len(ds)
    gt_file = osp.join(data_root, FORMATS[name][1])
    sigmas = ds.metainfo['sigmas']
    if name == 'coco':
        stats = _direct_eval(gt_file, res_file, 'keypoints', sigmas)
        assert res['coco/AP'] == pytest.approx(stats[0], abs=1e-12)
        assert res['coco/AR'] == pytest.approx(stats[5], abs=1e-12)
    elif name == 'posetrack18':  # no "area" in PoseTrack GT
        stats = _direct_eval(gt_file, res_file, 'keypoints', sigmas, use_area=False)
        assert res['coco/AP'] == pytest.approx(stats[0], abs=1e-12)
    elif name == 'halpe26':
        with open(gt_file) as f:
            gt = json.load(f)
        for ann in gt['annotations']:
            ann['keypoints'] = ann['keypoints'][:78]
        gt26 = str(tmp_path / 'gt26.json')
        with open(gt26, 'w') as f:
            json.dump(gt, f)
        stats = _direct_eval(gt26, res_file, 'keypoints', sigmas)
        assert res['coco/AP'] == pytest.approx(stats[0], abs=1e-12)
    else:
        parts = ds.metainfo['parts']
        if name == 'halpe136':
            split = str(tmp_path / 'halpe_split.json')
            _write_halpe_split_gt(gt_file, split, parts, 136)
            gt_file = split
        whole = _direct_eval(gt_file, res_file, 'keypoints_wholebody', sigmas)
        assert res['coco/AP'] == pytest.approx(whole[0], abs=1e-12)
        for part, iou in [('body', 'keypoints'), ('foot', 'keypoints_foot'),
                          ('face', 'keypoints_face'), ('left_hand', 'keypoints_lefthand'),
                          ('right_hand', 'keypoints_righthand')]:
            stats = _direct_eval(gt_file, res_file, iou, sigmas[parts[part]])
            assert res[f'coco/{part}/AP'] == pytest.approx(stats[0], abs=1e-12), part


def test_score_rescoring_written_to_results(data_root, tmp_path):
    prefix = str(tmp_path / 'r')
    ds, metric = _metric('coco', data_root, outfile_prefix=prefix, format_only=True)
    samples = _gt_samples(ds, seed=3)
    metric.process(None, samples)
    assert metric.evaluate(len(ds)) == {}
    with open(prefix + '.keypoints.json') as f:
        dumped = json.load(f)
    for s, d in zip(samples, dumped):
        ks = s['pred_instances']['keypoint_scores'][0]
        # no keypoint above 0.2 -> score 0
        expect = s['pred_instances']['bbox_scores'][0] * ks[ks > 0.2].mean() \
            if (ks > 0.2).any() else 0.0
        assert d['score'] == pytest.approx(expect)
        assert d['image_id'] == s['img_id']
        np.testing.assert_allclose(
            np.array(d['keypoints']).reshape(-1, 3)[:, :2],
            s['pred_instances']['keypoints'][0],
            atol=1e-6)


def test_pred_converter_136_model_on_coco_gt(data_root):
    ds136 = _dataset('halpe136', data_root)
    ds, metric = _metric(
        'coco',
        data_root,
        pred_converter=dict(num_keypoints=17, mapping=[(i, i) for i in range(17)]))
    metric.process(None, _gt_samples(ds136))
    assert metric.evaluate(len(ds))['coco/AP'] == pytest.approx(1.0)
    # without the converter the keypoint count mismatch is a clear error
    _, plain = _metric('coco', data_root)
    plain.process(None, _gt_samples(ds136))
    with pytest.raises(ValueError, match='pred_converter'):
        plain.evaluate(len(ds))


@POSE_NMS.register_module(force=True)
class _KeepBestPerImageNMS:
    """Tiny test NMS: keep only the highest bbox score of each image."""

    def __init__(self, metainfo=None):
        self.metainfo = metainfo

    def nms(self, instances):
        keep = np.array([int(np.argmax(instances.bbox_scores))])
        return instances[keep], keep


def test_nms_mode_uses_pose_nms_registry(data_root):
    ds, metric = _metric('coco', data_root, nms_mode='_KeepBestPerImageNMS')
    metric.process(None, _gt_samples(ds))
    res = metric.evaluate(len(ds))
    assert metric._nms.metainfo['dataset_name'] == 'coco'
    # 4 images, 12 annotated people: one prediction per image cannot reach AR 1
    assert res['coco/AR'] < 0.5
    with pytest.raises(ValueError, match='nms_mode'):
        CocoMetric(ann_file='x.json', nms_mode='NoSuchNMS')


def test_bad_arguments(data_root):
    with pytest.raises(ValueError, match='outfile_prefix'):
        CocoMetric(format_only=True)
    with pytest.raises(ValueError, match='score_mode'):
        CocoMetric(score_mode='max')
    ds, metric = _metric('coco', data_root)
    metric.ann_file = osp.join(data_root, 'coco', 'missing.json')
    metric.process(None, _gt_samples(ds)[:1])
    with pytest.raises(FileNotFoundError, match='missing.json'):
        metric.evaluate(1)


def test_gt_rebuilt_from_packed_samples_without_ann_file(data_root):
    ds = CocoDataset(
        ann_file='coco/test_coco.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True,
        pipeline=[dict(type='PackPoseInputs')])
    metric = CocoMetric(ann_file=None)
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        gt = sample.gt_instances
        sample.pred_instances = InstanceData(
            keypoints=gt.keypoints,
            keypoint_scores=gt.keypoints_visible,
            bbox_scores=gt.bbox_scores)
        samples.append(sample.to_dict())
    metric.process(None, samples)
    assert metric.evaluate(len(ds))['coco/AP'] == pytest.approx(1.0)
    bare = CocoMetric(ann_file=None)
    bare.dataset_meta = ds.metainfo
    s = dict(samples[0])
    s.pop('raw_ann_info')
    bare.process(None, [s])
    with pytest.raises(ValueError, match='raw_ann_info'):
        bare.evaluate(1)


@pytest.mark.parametrize('nms_mode', ['OKSNMS', 'ParametricPoseNMS'])
def test_real_pose_nms_removes_duplicates(nms_mode, data_root):
    import mmalphapose.post_processing  # noqa: F401
    if nms_mode not in POSE_NMS:
        pytest.skip(f'{nms_mode} not available')
    ds = _dataset('coco', data_root)
    samples = _gt_samples(ds, vis_scores=True)
    dups = []
    for s in samples:  # a slightly shifted, less confident copy of every person
        p = dict(s['pred_instances'])
        p['keypoints'] = p['keypoints'] + 1.5
        # ranked below its original but above less confident originals -> FPs cost AP
        p['bbox_scores'] = p['bbox_scores'] * 0.8
        dups.append(dict(s, pred_instances=p))
    results = {}
    for mode in ('none', nms_mode):
        _, metric = _metric('coco', data_root, nms_mode=mode)
        metric.process(None, samples + dups)
        # evaluate(size) truncates to ``size`` results (distributed padding)
        results[mode] = metric.evaluate(len(samples + dups))['coco/AP']
    assert results['none'] < 0.99
    assert results[nms_mode] == pytest.approx(1.0)


def test_nan_predictions_are_dropped_with_warning(data_root):
    ds, metric = _metric('coco', data_root)
    samples = _gt_samples(ds, vis_scores=True)
    bad = dict(samples[0])
    p = dict(bad['pred_instances'])
    p['keypoints'] = np.full_like(p['keypoints'], np.nan)
    bad['pred_instances'] = p
    metric.process(None, samples + [bad])
    assert len(metric.results[-1]['keypoints']) == 0
    assert metric.evaluate(len(samples) + 1)['coco/AP'] == pytest.approx(1.0)


def test_explicit_gt_converter(data_root):
    ds, metric = _metric(
        'halpe26',
        data_root,
        gt_converter=dict(num_keypoints=26, mapping=[(i, i) for i in range(17)]))
    samples = _gt_samples(ds, vis_scores=True)
    for s in samples:  # the GT keeps only 17 mapped points; predict only those
        s['pred_instances']['keypoint_scores'][:, 17:] = 0
    metric.process(None, samples)
    assert metric.evaluate(len(samples))['coco/AP'] == pytest.approx(1.0)
    _, wrong = _metric('coco', data_root)
    wrong.ann_file = osp.join(data_root, 'halpe', 'test_halpe.json')
    wrong.process(None, _gt_samples(_dataset('coco', data_root)))
    with pytest.raises(ValueError, match='136 keypoints.*gt_converter'):
        wrong.evaluate(14)


def _import_mmpose_coco_metric():
    """MMPose's CocoMetric, or skip. mmpose imports torchvision only for a
    visualisation helper; a tiny stand-in module is enough when it is missing."""
    import importlib.util
    import sys
    import types
    if importlib.util.find_spec('mmpose') is None:
        pytest.skip('mmpose is not installed')
    if importlib.util.find_spec('torchvision') is None:
        tv = types.ModuleType('torchvision')
        tr = types.ModuleType('torchvision.transforms')
        tr.ToPILImage = object
        tv.transforms = tr
        sys.modules.setdefault('torchvision', tv)
        sys.modules.setdefault('torchvision.transforms', tr)
    try:
        from mmpose.evaluation.metrics import CocoMetric as MMPoseCocoMetric
    except Exception as exc:  # version clash with mmcv / mmengine
        pytest.skip(f'mmpose is not importable: {exc}')
    return MMPoseCocoMetric


def _samples_with_false_positives(ds, seed):
    """GT-derived predictions with enlarged boxes (the 1.25x crop box) plus
    displaced, less confident copies (false positives), so that the area
    ranges of AP (M) / AP (L) matter."""
    rng = np.random.default_rng(seed)
    samples = _gt_samples(ds, noise=1.0, seed=seed)
    out = []
    for s in samples:
        p = dict(s['pred_instances'])
        box = np.asarray(p['bboxes'], np.float64).reshape(1, 4)
        c, wh = (box[:, :2] + box[:, 2:]) / 2, (box[:, 2:] - box[:, :2]) * 1.25
        p['bboxes'] = np.concatenate([c - wh / 2, c + wh / 2], 1)
        out.append(dict(s, pred_instances=p))
        fp = dict(p)
        fp['keypoints'] = p['keypoints'] + rng.uniform(30, 60, size=(1, 1, 2))
        fp['bbox_scores'] = p['bbox_scores'] * 0.7
        out.append(dict(s, pred_instances=fp, id=s['id'] + 10**6))
    return out


def test_all_ten_stats_equal_mmpose_coco_metric(data_root, tmp_path):
    MMPoseCocoMetric = _import_mmpose_coco_metric()
    ds, ours = _metric('coco', data_root)
    ann = osp.join(data_root, FORMATS['coco'][1])
    theirs = MMPoseCocoMetric(ann_file=ann)
    theirs.dataset_meta = ds.metainfo
    samples = _samples_with_false_positives(ds, seed=4)
    ours.process(None, samples)
    theirs.process(None, [dict(s, gt_instances={}) for s in samples])
    with contextlib.redirect_stdout(io.StringIO()):
        a = ours.evaluate(len(samples))
        b = theirs.evaluate(len(samples))
    assert 0 < a['coco/AP'] < 1
    for name in STAT_NAMES:
        assert a[f'coco/{name}'] == pytest.approx(b[f'coco/{name}'], abs=1e-12), name


def test_results_carry_the_prediction_box(data_root, tmp_path):
    prefix = str(tmp_path / 'r')
    ds, metric = _metric('coco', data_root, outfile_prefix=prefix, format_only=True)
    samples = _samples_with_false_positives(ds, seed=5)
    metric.process(None, samples)
    metric.evaluate(len(samples))
    with open(prefix + '.keypoints.json') as f:
        dumped = json.load(f)
    for s, d in zip(samples, dumped):
        x1, y1, x2, y2 = np.asarray(s['pred_instances']['bboxes']).reshape(4)
        np.testing.assert_allclose(d['bbox'], [x1, y1, x2 - x1, y2 - y1])
