"""projects/mmdet_pnms: P-NMS and the PoseAwareTracker named in an MMDetection
config resolve from mmdet's registries (no custom_imports) and run."""
import json
import os.path as osp

import numpy as np
import pytest

pytest.importorskip('mmdet')

from .conftest import REPO  # noqa: E402

CFG = osp.join(REPO, 'projects/mmdet_pnms/configs/rtmdet-tiny_person_pnms-tracking.py')


def _gt_people():
    """Every person of the COCO sample's image 197388 with >= 5 labelled
    keypoints, plus a jittered duplicate of each (as a detector gives)."""
    from mmengine.structures import InstanceData
    coco = json.load(open(osp.join(REPO, 'tests/data/coco/test_coco.json')))
    img = 197388  # five people
    anns = [a for a in coco['annotations'] if a['image_id'] == img and a['num_keypoints'] >= 5]
    kpts = np.array([a['keypoints'] for a in anns], np.float32).reshape(len(anns), 17, 3)
    boxes = np.array([a['bbox'] for a in anns], np.float32)
    boxes[:, 2:] += boxes[:, :2]
    rng = np.random.default_rng(0)
    dup = kpts[..., :2] + rng.normal(0, 1.5, kpts[..., :2].shape).astype(np.float32)
    return InstanceData(
        keypoints=np.concatenate([kpts[..., :2], dup]),
        keypoint_scores=np.concatenate([np.where(kpts[..., 2] > 0, .9, .05)] * 2),
        bboxes=np.concatenate([boxes, boxes + 2]),
        bbox_scores=np.concatenate([np.full(len(anns), .9),
                                    np.full(len(anns), .8)]))


def test_pnms_and_tracker_from_mmdet_config():
    from mmdet.registry import MODELS, TASK_UTILS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmalphapose.post_processing import ParametricPoseNMS
    from mmalphapose.tracking import PoseAwareTracker
    cfg = Config.fromfile(CFG)
    assert cfg.default_scope == 'mmdet'
    with DefaultScope.overwrite_default_scope('mmdet'):
        nms = TASK_UTILS.build(cfg.pose_nms)
        tracker = TASK_UTILS.build(cfg.pose_tracker)
        detector = MODELS.build(cfg.model)
    assert isinstance(nms, ParametricPoseNMS) and isinstance(tracker, PoseAwareTracker)
    assert type(detector).__name__ == 'RTMDet'
    people = _gt_people()
    n = len(people) // 2
    assert n >= 2
    kept, kept_idx = nms.nms(people)
    assert len(kept) == n  # each duplicate merged into its original
    assert sorted(kept_idx.tolist()) == list(range(n))  # the higher-scored originals
    ids = tracker.update(kept, frame_id=0).track_ids
    assert len(set(np.asarray(ids).tolist())) == n
