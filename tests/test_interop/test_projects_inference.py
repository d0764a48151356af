"""projects/pnms_inferencer and projects/pose_aware_tracking: AlphaPose's
P-NMS and PoseAwareTracker on the output of MMPose's inferencers, built as their
READMEs do: offline (the bundled ONNX person detector, no download), the dataset
meta from the project config (random weights, or a checkpoint without meta)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('mmpose')

from .conftest import REPO  # noqa: E402

IMG_ID = 196141
# MMPose's inferencer drops low-score boxes and runs box NMS before the pose
# model; keep every box, so the duplicates reach the pose NMS
KEEP_BOXES = dict(bbox_thr=0., nms_thr=1.)
IMG = osp.join(REPO, 'tests/data/coco/000000196141.jpg')
PNMS_CFG = osp.join(REPO, 'projects/pnms_inferencer/configs/td-hm_res18_pnms_coco-256x192.py')
TRACK_CFG = osp.join(REPO,
                     'projects/pose_aware_tracking/configs/td-hm_res18_tracking_coco-256x192.py')


class _DetFileDetector:
    """Stands for MMDetection's DetInferencer: serves the person boxes of the
    sample's detection file (plus a shifted copy of each, to make duplicates
    for the pose NMS), as DetInferencer's ``predictions`` data samples."""

    def __init__(self, shift=0.):
        from mmengine.structures import InstanceData
        dets = json.load(open(osp.join(REPO, 'tests/data/coco/test_coco_det_AP_H_56.json')))
        boxes = np.array([d['bbox'] for d in dets if d['image_id'] == IMG_ID and d['score'] > .3])
        scores = np.array([d['score'] for d in dets if d['image_id'] == IMG_ID and d['score'] > .3])
        xyxy = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1) + shift
        xyxy = np.concatenate([xyxy, xyxy + 3.])  # each box twice, 3 px apart
        scores = np.concatenate([scores, scores * 0.9])
        self.instances = InstanceData(
            bboxes=torch.as_tensor(xyxy, dtype=torch.float32),
            scores=torch.as_tensor(scores, dtype=torch.float32),
            labels=torch.zeros(len(xyxy), dtype=torch.long))

    def __call__(self, inputs, return_datasamples=True):
        from mmengine.structures import BaseDataElement
        return dict(predictions=[BaseDataElement(pred_instances=self.instances)])


def _with_detector(inferencer, detector):
    """The file detector in place of the inferencer's own."""
    inferencer.detector = detector
    inferencer.det_cat_ids = (0, )
    return inferencer


def test_pnms_pose2d_inferencer_equals_our_pnms_on_mmposes_output():
    from mmalphapose.post_processing import ParametricPoseNMS
    from projects.pnms_inferencer.inferencers import (PoseNMSMMPoseInferencer,
                                                      PoseNMSPose2DInferencer)
    torch.manual_seed(0)
    nms_cfg = dict(type='ParametricPoseNMS', score_thr=0.)  # random weights: low scores
    inf = _with_detector(
        PoseNMSPose2DInferencer(
            PNMS_CFG, None, device='cpu', det_model='whole_image', pose_nms=nms_cfg),
        _DetFileDetector())
    raw = next(inf(IMG, return_datasamples=True, pose_based_nms=False,
                   **KEEP_BOXES))['predictions'][0]
    out = next(inf(IMG, return_datasamples=True, **KEEP_BOXES))['predictions'][0]
    n = len(raw.pred_instances)
    assert n == len(_DetFileDetector().instances) and n >= 4
    expected, _ = ParametricPoseNMS(score_thr=0.).nms(raw.pred_instances.clone())
    assert 0 < len(out.pred_instances) < n  # the 3-px duplicates were merged
    np.testing.assert_allclose(out.pred_instances.keypoints, expected.keypoints, atol=1e-4)
    np.testing.assert_allclose(out.pred_instances.scores, expected.scores, atol=1e-5)
    # the dict results MMPose writes still work (split_instances)
    res = next(inf(IMG, **KEEP_BOXES))['predictions'][0]
    assert len(res) == len(expected) and len(res[0]['keypoints']) == 17

    mm = PoseNMSMMPoseInferencer(
        pose2d=PNMS_CFG, device='cpu', det_model='whole_image', pose_nms=nms_cfg)
    _with_detector(mm.inferencer, _DetFileDetector())
    raw2 = next(mm(IMG, return_datasamples=True, pose_based_nms=False,
                   **KEEP_BOXES))['predictions'][0]
    out2 = next(mm(IMG, return_datasamples=True, **KEEP_BOXES))['predictions'][0]
    expected2, _ = ParametricPoseNMS(score_thr=0.).nms(raw2.pred_instances.clone())
    assert len(raw2.pred_instances) == n and len(out2.pred_instances) == len(expected2) < n
    np.testing.assert_allclose(out2.pred_instances.keypoints, expected2.keypoints, atol=1e-4)


def test_pose_aware_tracker_on_mmpose_inferencer_output():
    from projects.pose_aware_tracking.inferencers import TrackingPose2DInferencer
    torch.manual_seed(0)
    inf = TrackingPose2DInferencer(TRACK_CFG, None, device='cpu', det_model='whole_image')
    _with_detector(inf, None)
    ids = []
    for frame in range(4):  # the people move 4 px per frame
        inf.detector = _DetFileDetector(shift=4. * frame)
        inf.detector.instances = inf.detector.instances[:len(inf.detector.instances) // 2]
        ds = next(inf(IMG, return_datasamples=True))['predictions'][0]
        ids.append(np.asarray(ds.pred_instances.track_ids))
    assert len(ids[0]) >= 2 and len(set(ids[0].tolist())) == len(ids[0])
    for later in ids[1:]:  # same people, same order -> the same ids
        np.testing.assert_array_equal(later, ids[0])
    inf.reset_tracks()
    assert inf.tracking.frame_id == 0


def _checkpoint_without_meta(tmp_path, config) -> str:
    """A state-dict-only checkpoint of the project's model (no meta['dataset_meta'])."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    path = str(tmp_path / 'no_meta.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.mark.parametrize('weights', ['none', 'no_meta'])
def test_projects_run_offline_as_their_readmes_say(tmp_path, weights):
    """No det_model: the bundled detector (no download, no mmdet needed); the meta
    comes from the config's train_dataloader (MMPose's own lookup)."""
    from projects.offline_detector import BundledDetInferencer
    from projects.pnms_inferencer.inferencers import (PoseNMSMMPoseInferencer,
                                                      PoseNMSPose2DInferencer)
    from projects.pose_aware_tracking.inferencers import TrackingPose2DInferencer
    pnms_w = None if weights == 'none' else _checkpoint_without_meta(tmp_path, PNMS_CFG)
    track_w = None if weights == 'none' else _checkpoint_without_meta(tmp_path, TRACK_CFG)
    nms_cfg = dict(type='ParametricPoseNMS', score_thr=0.)
    inferencers = [
        PoseNMSPose2DInferencer(PNMS_CFG, pnms_w, device='cpu', pose_nms=nms_cfg),
        TrackingPose2DInferencer(TRACK_CFG, track_w, device='cpu'),
    ]
    mm = PoseNMSMMPoseInferencer(
        pose2d=PNMS_CFG, pose2d_weights=pnms_w, device='cpu', pose_nms=nms_cfg)
    inferencers.append(mm)
    for inf in inferencers:
        pose2d = getattr(inf, 'inferencer', inf)
        assert isinstance(pose2d.detector, BundledDetInferencer)
        assert pose2d.model.dataset_meta['dataset_name'] == 'coco'
        ds = next(inf(IMG, return_datasamples=True))['predictions'][0]
        assert len(ds.pred_instances) >= 2  # the bundled detector found the people
        assert ds.pred_instances.keypoints.shape[1:] == (17, 2)
    assert inferencers[1].tracking.frame_id == 1  # the tracker saw the frame
