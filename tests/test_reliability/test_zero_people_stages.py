"""The zero-people contract (issue 28 item 1): every stage after the
detector accepts a frame with no people, both as the pipeline makes it (a
per-frame slice of a batch: every field, shape (0, ...)) and as a bare
``InstanceData()``. The trackers have their own module
(tests/test_tracking/test_zero_people.py)."""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.structures import PoseMetainfo

K = 17


def _people(n: int, seed: int = 0) -> InstanceData:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(50, 400, (n, 1, 2))
    kpts = centres + rng.normal(0, 20, (n, K, 2))
    return InstanceData(
        bboxes=np.concatenate([kpts.min(1), kpts.max(1)], 1),
        bbox_scores=rng.uniform(0.5, 1, n),
        keypoints=kpts,
        keypoint_scores=rng.uniform(0.3, 1, (n, K)),
        scores=rng.uniform(0.3, 1, n),
        embeddings=rng.normal(0, 1, (n, 64)),
        track_ids=np.arange(n, dtype=np.int64))


EMPTY = {'sliced': lambda: _people(3)[np.zeros(0, np.int64)], 'bare': InstanceData}


@pytest.fixture(scope='module')
def meta():
    return PoseMetainfo.for_num_keypoints(K)


@pytest.mark.parametrize('kind', ['ParametricPoseNMS', 'OKSNMS', 'SoftOKSNMS'])
@pytest.mark.parametrize('empty', list(EMPTY))
def test_pose_nms_of_a_frame_without_people(kind, empty, meta):
    from mmalphapose.registry import POSE_NMS
    from mmalphapose.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    nms = POSE_NMS.build(dict(type=kind, metainfo=meta))
    kept, keep = nms.nms(EMPTY[empty]())
    assert len(kept) == 0 and np.asarray(keep).shape == (0, )
    kept, keep = nms.nms(_people(3))  # and the next frame with people still works
    assert len(kept) >= 1


@pytest.mark.parametrize('fmt', ['alphapose', 'cmu', 'open', 'openpose', 'coco'])
@pytest.mark.parametrize('empty', list(EMPTY))
def test_writers_keep_frames_without_people(fmt, empty, meta, tmp_path):
    from functools import partial
    from types import SimpleNamespace

    from mmalphapose.apis.inputs import Frame, Source, SourceEnd, SourceStart
    from mmalphapose.apis.writers import FrameWriter, ResultWriter
    vis = SimpleNamespace(draw_instances=lambda img, inst, **kw: img)
    writer = FrameWriter(
        vis,
        0.3,
        str(tmp_path),
        partial(ResultWriter, str(tmp_path), metainfo=meta, fmt=fmt, tracking=True),
        save_vis=False,
        save_video=True)
    src = Source('video', 'v', path='v.mp4', size=(64, 48), fps=10.0)
    writer(SourceStart(src))
    img = np.zeros((48, 64, 3), np.uint8)
    for i, inst in enumerate([EMPTY[empty](), _people(2), EMPTY[empty]()]):
        assert writer(Frame(src, i, f'{i}.jpg', img, instances=inst))[3] is img
    writer(SourceEnd(src))
    paths = writer.close()
    data = json.load(open(osp.join(str(tmp_path), 'v.json')))
    assert data is not None and any(p.endswith('v_vis.mp4') for p in paths)
    if fmt in ('alphapose', 'coco'):
        assert len(data) == 2  # the two people of frame 1; empty frames write no record


def test_metrics_accept_images_without_predictions(data_root):
    from mmalphapose.datasets import CocoDataset
    from mmalphapose.evaluation import CocoMetric
    from mmalphapose.evaluation.metrics import PoseTrack18Metric
    ds = CocoDataset(
        ann_file='coco/test_coco.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True)
    metric = CocoMetric(ann_file=osp.join(data_root, 'coco/test_coco.json'), nms_mode='OKSNMS')
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        pred = dict(
            keypoints=np.zeros((0, K, 2)),
            keypoint_scores=np.zeros((0, K)),
            bbox_scores=np.zeros(0),
            bboxes=np.zeros((0, 4)))
        samples.append(dict(pred_instances=pred, img_id=info['img_id'], id=info['id']))
    metric.process(None, samples)
    res = metric.evaluate(len(samples))
    assert res['coco/AP'] == 0.0 or np.isnan(res['coco/AP']) or res['coco/AP'] < 0

    gt = osp.join(data_root, 'posetrack18', 'constructed', '012834_6frames.json')
    from mmalphapose.evaluation.metrics import load_posetrack_gt
    frames = load_posetrack_gt(gt)['012834']
    pt = PoseTrack18Metric(ann_file=gt)
    pt.dataset_meta = dict(dataset_name='posetrack18')
    pt.process({}, [
        dict(
            img_id=fr['image_id'],
            pred_instances=dict(
                keypoints=np.zeros((0, 17, 2)),
                keypoint_scores=np.zeros((0, 17)),
                track_ids=np.zeros(0, np.int64))) for fr in frames
    ])
    res = pt.evaluate(len(frames))
    assert res['posetrack/Recall'] == 0.0


def test_scoring_and_nan_filter_of_a_frame_without_people():
    from mmalphapose.apis.stages import drop_non_finite
    from mmalphapose.evaluation.functional.keypoint_convert import rescore_instances
    for mode in ('bbox', 'bbox_keypoint', 'keypoint', 'alphapose'):
        assert rescore_instances(np.zeros(0), np.zeros((0, K)), mode).shape == (0, )
    assert len(drop_non_finite(_people(3)[np.zeros(0, np.int64)], 'f')) == 0
