import os.path as osp

import cv2
import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.evaluation.metrics.mot_metric import evaluate_mot
from mmalphapose.registry import TRACKERS
from mmalphapose.testing import make_sequence, run_tracker
from mmalphapose.tracking import ORBMatcher, PoseFlowTracker

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
VIDEO = osp.join(DATA, 'posetrack18', 'videos', '000001_mpiinew_test')


def _two_frames():
    """Two consecutive real video frames, or a real photo and the same
    photo shifted by a few pixels when the video frames are not copied."""
    if osp.isfile(osp.join(VIDEO, '000001.jpg')):
        return (cv2.imread(osp.join(VIDEO,
                                    '000000.jpg')), cv2.imread(osp.join(VIDEO, '000001.jpg')))
    f0 = cv2.imread(osp.join(DATA, 'coco', '000000197388.jpg'))
    return f0, np.roll(f0, (3, 6), axis=(0, 1))


def test_poseflow_tracks_real_pose_sequence():
    seq = make_sequence(DATA, seed=2)
    tracker = TRACKERS.build(dict(type='PoseFlowTracker'))
    s = evaluate_mot(seq['gt'], run_tracker(tracker, seq['frames'], False))
    print(f'PoseFlow IDF1 {s["idf1"]:.3f} IDsw {s["num_switches"]}')
    assert s['idf1'] > 0.8 and s['mota'] > 0.9


def test_poseflow_scores_and_new_ids():
    tr = PoseFlowTracker(mag=30, num=2)
    kp = np.array([[[100., 100.], [100., 200.], [150., 150.]]])
    inst = InstanceData(keypoints=kp, keypoint_scores=np.ones((1, 3)), bbox_scores=np.ones(1))
    assert tr.update(inst, 0).track_ids.tolist() == [1]
    # 10 px shift: pose IoU (top-2 of 60x60 boxes) = 50*60/(2*3600-3000)
    moved = InstanceData(
        keypoints=kp + [10., 0.], keypoint_scores=np.ones((1, 3)), bbox_scores=np.ones(1))
    feats = tr._features((tr._person_boxes(_dets(inst), None), kp, np.ones(1)),
                         tr._person_boxes(_dets(moved), None), kp + [10., 0.], np.ones(1), None)
    np.testing.assert_allclose(feats[0, 0, 3], 3000 / 4200)
    assert 0 < feats[0, 0, 1] < 1 and feats[0, 0, 0] == 0
    far = InstanceData(keypoints=kp + 500., keypoint_scores=np.ones((1, 3)), bbox_scores=np.ones(1))
    out = tr.update(InstanceData.cat([moved, far]), 1)
    assert out.track_ids.tolist() == [1, 2]
    # a pose below the drop threshold is not tracked
    tr = PoseFlowTracker(drop=2.0)
    low = InstanceData(
        keypoints=kp, keypoint_scores=np.full((1, 3), 0.2), bbox_scores=np.full(1, 0.5))
    assert tr.update(low, 0).track_ids.tolist() == [-1]


def _dets(inst):
    from mmalphapose.tracking import Detections
    return Detections(inst)


def test_orb_correspondences_on_real_frames():
    f0, f1 = _two_frames()
    orb = ORBMatcher()
    p0, p1 = orb.match(orb.detect(f0), orb.detect(f1))
    assert len(p0) == len(p1) > 100
    # consecutive frames: most correspondences move only a little
    assert np.median(np.linalg.norm(p0 - p1, axis=1)) < 20
    h, w = f0.shape[:2]
    box = np.array([[w * .25, h * .25, w * .75, h * .75]])
    tr = PoseFlowTracker()
    inst = InstanceData(bboxes=box, bbox_scores=np.ones(1))
    tr.update(inst, 0, img=f0)
    out = tr.update(inst, 1, img=f1)
    assert out.track_ids.tolist() == [1]
    feats = tr._features((box, None, np.ones(1)), box, None, np.ones(1), (p0, p1))
    assert feats[0, 0, 0] > 0.5  # dm_iou of the same region
