"""mmalphapose's CocoMetric and MMPose's give the same numbers on the same
predictions (the COCO sample's GT poses, perturbed, with random scores)."""
import os.path as osp

import numpy as np
import pytest

pytest.importorskip('mmpose')

from .conftest import REPO  # noqa: E402

ANN = osp.join(REPO, 'tests/data/coco/test_coco.json')


def _data_samples(seed):
    """One MMPose-style data sample dict per annotated person, as
    ``PoseDataSample.to_dict()`` of a top-down model's output gives them."""
    from mmpose.datasets import CocoDataset
    ds = CocoDataset(
        ann_file=ANN,
        data_root='',
        data_mode='topdown',
        test_mode=True,
        pipeline=[],
        serialize_data=False)
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'] + rng.normal(0, 4, info['keypoints'].shape)
        samples.append(
            dict(
                id=info['id'],
                img_id=info['img_id'],
                category_id=info['category_id'],
                ori_shape=(info['img_shape'] if 'img_shape' in info else (480, 640)),
                raw_ann_info=info['raw_ann_info'],
                gt_instances=dict(
                    bbox_scales=(info['bbox'][:, 2:] - info['bbox'][:, :2]) * 1.25,
                    bbox_scores=np.ones(1, np.float32)),
                pred_instances=dict(
                    keypoints=kpts.astype(np.float32),
                    keypoint_scores=rng.uniform(0.1, 1, kpts.shape[:2]).astype(np.float32),
                    bboxes=info['bbox'].astype(np.float32),
                    bbox_scores=rng.uniform(0.5, 1, 1).astype(np.float32))))
    return ds.metainfo, samples


@pytest.mark.parametrize('seed', [0, 1])
@pytest.mark.parametrize('score_mode', ['bbox', 'bbox_keypoint'])
def test_coco_metric_equals_mmposes(seed, score_mode):
    from mmpose.evaluation.metrics import CocoMetric as MMPoseCocoMetric

    from mmalphapose.evaluation.metrics import CocoMetric
    meta, samples = _data_samples(seed)
    ours = CocoMetric(ann_file=ANN, score_mode=score_mode)
    theirs = MMPoseCocoMetric(ann_file=ANN, score_mode=score_mode, nms_mode='none')
    results = []
    for metric in (ours, theirs):
        metric.dataset_meta = meta
        metric.process([], samples)
        results.append(metric.evaluate(len(samples)))
    assert set(results[0]) == set(results[1])
    assert 0 < results[1]['coco/AP'] < 1  # perturbed: a non-trivial AP
    for key, val in results[1].items():
        assert results[0][key] == pytest.approx(val, abs=1e-6), key
