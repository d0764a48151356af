import threading

import numpy as np
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.apis.detection import WholeImageDetector
from mmalphapose.apis.inputs import Frame, Source
from mmalphapose.apis.pipeline import SourceEnd, SourceStart
from mmalphapose.apis.stages import (DetectStage, boxes_from_poses, keypoint_thresholds,
                                     read_sources, tracker_predicted_boxes)
from mmalphapose.registry import TRACKERS
from mmalphapose.structures import PoseMetainfo


def _frames(n, kind='video'):
    src = Source(kind, 'x')
    return src, [Frame(src, i, f'{i}.jpg', np.zeros((8, 8, 3), np.uint8)) for i in range(n)]


def test_det_stage_batches_and_marks_propagated_frames():
    calls = []

    class Recorder(WholeImageDetector):

        def detect(self, frames, names=(), score_thr=None, nms_thr=None):
            calls.append(list(names))
            return super().detect(frames, names)

    src, frames = _frames(7)
    bad = Frame(src, 7, '7.jpg', None, error='broken')
    items = [SourceStart(src)] + frames[:5] + [bad] + frames[5:] + [SourceEnd(src)]
    out = list(DetectStage(Recorder(), det_batch=2, det_frequency=3)(iter(items)))
    assert out == items  # same items, same order
    # frames 0 and 3 and 6 are detected; the bad frame and markers flush batches
    assert calls == [['0.jpg'], ['3.jpg'], ['6.jpg']]
    assert [f.propagated for f in frames] == [False, True, True, False, True, True, False]
    assert frames[0].bboxes is not None and frames[1].bboxes is None


def test_read_sources_skips_inputs_that_cannot_be_opened(tmp_path):
    broken = Source('video', 'broken', path=str(tmp_path / 'nope.mp4'))
    items = list(read_sources([broken], threading.Event()))
    assert [type(i) for i in items] == [SourceStart, SourceEnd]


def test_boxes_from_poses_uses_confident_keypoints():
    inst = InstanceData(
        keypoints=np.array([[[10, 20], [30, 60], [99, 99]], [[0, 0], [1, 1], [2, 2]]], np.float32),
        keypoint_scores=np.array([[0.9, 0.8, 0.1], [0.9, 0.1, 0.1]], np.float32),
        bboxes=np.array([[0, 0, 5, 5], [7, 7, 9, 9]], np.float32),
        bbox_scores=np.array([0.5, 0.6], np.float32))
    boxes, scores = boxes_from_poses(inst, 0.3)
    np.testing.assert_allclose(boxes, [[10, 20, 30, 60], [7, 7, 9, 9]])
    np.testing.assert_allclose(scores, [0.5, 0.6])
    assert boxes_from_poses(None)[0].shape == (0, 4)


def test_tracker_predicted_boxes_follow_motion():
    tracker = TRACKERS.build(
        dict(type='PoseAwareTracker', pose_weight=0.0, appearance_weight=1.0, min_hits=1))
    for f in range(4):  # a box moving 10 px right per frame
        inst = InstanceData(
            bboxes=np.array([[10. + 10 * f, 20, 60. + 10 * f, 120]]), bbox_scores=np.ones(1))
        inst = tracker.update(inst, f)
    pred = tracker_predicted_boxes(tracker, inst)
    assert pred.shape == (1, 4) and pred[0, 0] > 45  # moved on beyond the last x1=40
    assert tracker_predicted_boxes(None, inst) is None


def test_keypoint_thresholds_follow_the_head():

    def model_with(thr):
        m = nn.Module()
        m.head = nn.Module()
        if thr is not None:
            m.head.vis_kpt_thr = thr
        return m

    meta = PoseMetainfo.for_num_keypoints(136)
    assert keypoint_thresholds(model_with(0.05), meta) == 0.05
    assert keypoint_thresholds(model_with(None), meta) == 0.3
    thr = keypoint_thresholds(
        model_with(dict(body=0.4, foot=0.4, face=0.05, left_hand=0.05, right_hand=0.05)), meta)
    assert np.allclose(thr[:26], 0.4) and np.allclose(thr[26:], 0.05)


def test_real_heads_declare_alphapose_thresholds():
    from mmalphapose.models.heads import CombinedHead, HeatmapHead, SIKRHead
    assert SIKRHead.vis_kpt_thr == 0.05 and HeatmapHead.vis_kpt_thr == 0.4
    assert CombinedHead.vis_kpt_thr['body'] == 0.4 and CombinedHead.vis_kpt_thr['face'] == 0.05
