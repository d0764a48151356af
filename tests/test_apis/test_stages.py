import threading

import numpy as np
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.apis.detection import WholeImageDetector
from mmalphapose.apis.inputs import Frame, Source, SourceEnd, SourceStart
from mmalphapose.apis.stages import (DetectStage, NMSStage, PoseStage, TrackStage, drop_non_finite,
                                     keypoint_thresholds)
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


def test_an_input_that_cannot_be_opened_gives_one_error_frame(tmp_path):
    broken = Source('video', 'broken', path=str(tmp_path / 'nope.mp4'))
    items = list(broken.frames(threading.Event()))
    # one unreadable frame carries the error (logged and counted downstream)
    assert [type(i).__name__ for i in items] == ['Frame']
    assert items[0].img is None and 'cannot open video' in items[0].error


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
    from mmalphapose.models.heads import CombinedHead, FastPoseHeatmapHead, SIKRHead
    assert SIKRHead.vis_kpt_thr == 0.05 and FastPoseHeatmapHead.vis_kpt_thr == 0.4
    assert CombinedHead.vis_kpt_thr['body'] == 0.4 and CombinedHead.vis_kpt_thr['face'] == 0.05


class _TruePoses:
    """A pose 'model' that finds, for each box, the true pose of the person
    whose keypoint centroid is inside the box (none found: the box's own
    centre, score 0)."""

    def __init__(self, truth):
        self.truth = truth  # frame index -> list of (K, 2) poses

    def __call__(self, imgs, image_ids, bboxes, scores, img_paths=None, with_heatmaps=False):
        kpts, ks = [], []
        for i, b in zip(image_ids, bboxes):
            frame = int(img_paths[i])
            hit = [
                p for p in self.truth.get(frame, [])
                if b[0] <= p.mean(0)[0] <= b[2] and b[1] <= p.mean(0)[1] <= b[3]
            ]
            kpts.append(hit[0] if hit else np.tile(0.5 * (b[:2] + b[2:]), (17, 1)))
            ks.append(np.full(17, 0.9 if hit else 0.0))
        n = len(bboxes)
        return InstanceData(
            keypoints=np.asarray(kpts, np.float32).reshape(n, 17, 2),
            keypoint_scores=np.asarray(ks, np.float32).reshape(n, 17),
            bboxes=np.asarray(bboxes, np.float32).reshape(n, 4),
            bbox_scores=np.asarray(scores, np.float32).reshape(n))


def _walker(offset, t, speed=(6.0, 1.0)):
    """A real-looking COCO-17 stick pose (70 px tall) moving at ``speed``."""
    base = np.array(
        [[0, -30], [-2, -32], [2, -32], [-4, -30], [4, -30], [-10, -18], [10, -18], [-14, -6],
         [14, -6], [-16, 4], [16, 4], [-7, 5], [7, 5], [-8, 20], [8, 20], [-8, 35], [8, 35]],
        np.float64)
    return base + np.asarray(offset) + t * np.asarray(speed)


def _run_follow(people, frames_detected, n=10, tracker=True):
    from mmalphapose.apis.stages import PoseStage
    src = Source('video', 'x')
    truth = {t: [_walker(o, t) for o in people] for t in range(n)}
    stage = PoseStage(
        _TruePoses(truth),
        [TrackStage(TRACKERS.build(dict(type='PoseAwareTracker')))] if tracker else [])
    out = []
    for t in range(n):
        f = Frame(src, t, f'{t}.jpg', np.zeros((8, 8, 3), np.uint8), path=str(t))
        dets = frames_detected.get(t)
        if dets is None:
            f.propagated = True
        else:  # detector boxes: 10 px margin around the poses listed
            boxes = [np.r_[truth[t][j].min(0) - 10, truth[t][j].max(0) + 10] for j in dets]
            f.bboxes = np.asarray(boxes, np.float32).reshape(-1, 4)
            f.bbox_scores = np.full(len(boxes), 0.9, np.float32)
        out.extend(stage(iter([f])))
    return out, truth


def test_propagated_boxes_follow_the_poses_without_growing():
    frames, truth = _run_follow([(100, 100)], {0: [0], 5: [0]}, n=10)
    sizes = np.array([f.bboxes[0, 2:] - f.bboxes[0, :2] for f in frames])
    np.testing.assert_allclose(sizes - sizes[0], 0, atol=1e-3)  # the detected size, kept
    for f in frames:  # each box holds the person at its frame
        c = truth[f.index][0].mean(0)
        b = f.bboxes[0]
        assert b[0] < c[0] < b[2] and b[1] < c[1] < b[3]
        assert abs(0.5 * (b[0] + b[2]) - c[0]) < 8  # centred within the motion of a frame
    ids = [f.instances.track_ids.tolist() for f in frames]
    assert ids == [[1]] * 10


def test_a_person_missed_at_a_keyframe_reenters_at_the_next_frame():
    # person 1 is missed by the detector at keyframe 5 only
    frames, _ = _run_follow([(100, 100), (300, 120)], {0: [0, 1], 5: [0]}, n=9)
    ids = [sorted(f.instances.track_ids.tolist()) for f in frames]
    assert ids[5] == [1] and all(i == [1, 2] for k, i in enumerate(ids) if k != 5)
    # without a tracker the carried person is followed by row
    frames, truth = _run_follow([(100, 100), (300, 120)], {0: [0, 1], 5: [0]}, n=9, tracker=False)
    assert [len(f.instances) for f in frames] == [2, 2, 2, 2, 2, 1, 2, 2, 2]
    # and keeps its key once found again: its box moves with it at frames 7 and 8
    for f in frames[7:]:
        centres = 0.5 * (f.bboxes[:, :2] + f.bboxes[:, 2:])
        for person in truth[f.index]:
            assert np.abs(centres - person.mean(0)).max(1).min() < 8


def test_untracked_people_are_followed_by_who_they_are_not_by_row():
    """Without a tracker the rows of a frame say nothing about who is who: at
    detected frame 2 the detector lists only person 0, who was row 1 before
    (basketball clip, ``--det-frequency 2``: the follower took person 1's
    motion for person 0's and moved the box 200 px off). Each followed box
    must hold its own person, and the person missed at frame 2 comes back."""
    people = [(100, 100), (300, 120)]
    frames, truth = _run_follow(
        people, {
            0: [1, 0],
            2: [0],
            4: [0, 1],
            6: [1, 0]
        }, n=8, tracker=False)
    assert [len(f.instances) for f in frames] == [2, 2, 1, 2, 2, 2, 2, 2]
    for f in frames:
        if not f.propagated:
            continue
        found = np.asarray(f.instances.keypoint_scores).max(1)
        assert (found > 0.5).all(), f'frame {f.index}: a followed box lost its person'
        centres = np.asarray(f.instances.keypoints).mean(1)
        for person in truth[f.index]:
            assert np.abs(centres - person.mean(0)).sum(1).min() < 1e-3


def test_followed_boxes_do_not_jump_when_limbs_come_and_go():
    """The box moves with the keypoints seen in both poses: a pose model that
    loses the legs every other frame (scores 0) must not move the box by the
    jump of the confident keypoints' centroid (basketball, --det-frequency 5:
    boxes jumped 30-90 px a frame and the players were lost in 45 frames)."""
    from mmalphapose.apis.stages import PoseStage

    class LegsFlicker(_TruePoses):

        def __call__(self, imgs, image_ids, bboxes, scores, img_paths=None, **kw):
            inst = super().__call__(imgs, image_ids, bboxes, scores, img_paths)
            if int(img_paths[0]) % 2:
                inst.keypoint_scores[:, 11:] = 0.0  # hips, knees, ankles
            return inst

    src = Source('video', 'x')
    n = 10
    truth = {t: [_walker((100, 100), t)] for t in range(n)}
    stage = PoseStage(LegsFlicker(truth), [])
    boxes = []
    for t in range(n):
        f = Frame(src, t, f'{t}.jpg', np.zeros((8, 8, 3), np.uint8), path=str(t))
        if t == 0:
            f.bboxes = np.r_[truth[0][0].min(0) - 10,
                             truth[0][0].max(0) + 10][None].astype(np.float32)
            f.bbox_scores = np.full(1, 0.9, np.float32)
        else:
            f.propagated = True
        out = list(stage(iter([f])))[0]
        boxes.append(out.bboxes[0])
    # the detected box, moved by the walker's motion (known from frame 2 on: at frame 1
    # one pose gives no motion yet, and the box stays where the person was detected)
    for t, b in enumerate(boxes):
        moved = t * np.array([6.0, 1.0]) if t != 1 else np.zeros(2)
        np.testing.assert_allclose(b - boxes[0], np.tile(moved, 2), atol=1e-3)


def test_one_reset_for_a_new_input():
    """PoseStage.reset (a SourceStart, AlphaPose.reset) forgets the followed
    poses and resets every step (the tracker)."""
    from mmalphapose.apis.stages import PoseStage

    class _Step:
        resets = 0

        def __call__(self, frame, inst):
            return inst

        def reset(self):
            _Step.resets += 1

    stage = PoseStage(lambda *a, **k: None, [_Step(), _Step()])
    stage.follower.last_index = 7
    list(stage(iter([SourceStart(Source('video', 'x'))])))
    assert _Step.resets == 2 and stage.follower.last_index == -1


def test_no_reset_without_state():
    """A new input resets only what keeps state: without a tracker and
    without followed poses (det_frequency 1) nothing is reset."""

    class _NoNMS:

        def nms(self, inst):
            return inst, np.arange(len(inst))

    stage = PoseStage(lambda *a, **k: None, [NMSStage(_NoNMS())], follow=False)
    assert stage.resets == []
    items = [SourceStart(Source('video', 'x')), SourceEnd(Source('video', 'x'))]
    assert list(stage(iter(items))) == items


def _people(n, k=3, seed=0):
    rng = np.random.default_rng(seed)
    inst = InstanceData()
    inst.keypoints = rng.uniform(0, 50, (n, k, 2)).astype(np.float32)
    inst.keypoint_scores = rng.uniform(0, 1, (n, k)).astype(np.float32)
    inst.bboxes = rng.uniform(0, 50, (n, 4)).astype(np.float32)
    return inst


def test_drop_non_finite_keeps_the_good_people(capsys):
    inst = _people(4)
    assert drop_non_finite(inst, 'f') is inst  # all finite: unchanged
    inst.keypoints[1, 2, 0] = np.nan
    inst.keypoint_scores[3, 0] = np.inf
    good = _people(4).keypoints
    good[:] = inst.keypoints
    out = drop_non_finite(inst, 'clip.mp4 frame 7.jpg')
    assert len(out) == 2
    np.testing.assert_array_equal(out.keypoints, good[[0, 2]])
    assert len(drop_non_finite(InstanceData(), 'f')) == 0
