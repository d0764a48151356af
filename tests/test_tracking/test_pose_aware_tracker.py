import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.evaluation.metrics.mot_metric import evaluate_mot
from mmalphapose.registry import TRACKERS
from mmalphapose.testing import load_real_poses, make_sequence, run_tracker
from mmalphapose.tracking import IoUTracker, PoseAwareTracker

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')

SEEDS = (0, 1, 3)


@pytest.fixture(scope='module')
def sequences():
    return {s: make_sequence(DATA, seed=s) for s in SEEDS}


@pytest.mark.parametrize('use_embeddings', [True, False])
def test_pose_aware_beats_iou_on_real_pose_sequences(sequences, use_embeddings):
    iou_sw = pose_sw = 0
    for seed, seq in sequences.items():
        assert len(seq['frames']) >= 100 and seq['num_hidden'] > 0
        ours = evaluate_mot(seq['gt'], run_tracker(PoseAwareTracker(), seq['frames'],
                                                   use_embeddings))
        base = evaluate_mot(seq['gt'], run_tracker(IoUTracker(), seq['frames'], False))
        print(f'seed {seed} embeddings={use_embeddings}: PoseAware IDF1 '
              f'{ours["idf1"]:.3f} IDsw {ours["num_switches"]} MOTA '
              f'{ours["mota"]:.3f} | IoU IDF1 {base["idf1"]:.3f} IDsw '
              f'{base["num_switches"]} MOTA {base["mota"]:.3f}')
        assert ours['idf1'] >= 0.9
        assert ours['idf1'] > base['idf1']
        iou_sw += base['num_switches']
        pose_sw += ours['num_switches']
    assert pose_sw < iou_sw


def _person(pose, centre, h, score=0.9):
    kp = pose['kpts'] * h + centre
    ks = np.where(pose['vis'], score, 0.05)
    w = h * pose['aspect']
    box = np.r_[centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2, centre[1] + h / 2]
    return box, kp, ks


def _frame(people):
    inst = InstanceData()
    n = len(people)
    inst.bboxes = np.array([p[0] for p in people]).reshape(n, 4)
    inst.keypoints = np.array([p[1] for p in people]).reshape(n, 17, 2)
    inst.keypoint_scores = np.array([p[2] for p in people]).reshape(n, 17)
    inst.bbox_scores = np.ones(n)
    return inst


def test_reidentification_after_occlusion_and_death_after_buffer():
    poses = load_real_poses(DATA)
    tracker = TRACKERS.build(
        dict(type='PoseAwareTracker', metainfo='configs/_base_/datasets/coco.py', track_buffer=20))
    ids = []
    for t in range(40):
        # person walks right at 6 px/frame, unseen in frames 15..24
        people = [] if 15 <= t < 25 else [_person(poses[0], np.array([200. + 6 * t, 300.]), 200.)]
        out = tracker.update(_frame(people), t)
        ids.extend(out.track_ids.tolist())
    assert set(ids) == {1}, 'same identity after a 10-frame occlusion'
    # unseen for longer than the buffer -> forgotten
    for t in range(40, 62):
        tracker.update(_frame([]), t)
    assert len(tracker.active_tracks) == 0
    out = tracker.update(_frame([_person(poses[0], np.array([440., 300.]), 200.)]), 62)
    assert out.track_ids.tolist() == [2]


def test_birth_needs_min_hits_and_unconfirmed_are_removed():
    poses = load_real_poses(DATA)
    tracker = PoseAwareTracker(sigmas=[0.08] * 17, output_unconfirmed=False)
    a = _person(poses[0], np.array([200., 300.]), 200.)
    b = _person(poses[1], np.array([800., 300.]), 200.)
    out = tracker.update(_frame([a]), 0)  # first frame: confirmed at once
    assert out.track_ids.tolist() == [1]
    out = tracker.update(_frame([a, b]), 1)
    assert out.track_ids.tolist() == [1, -1]  # b is unconfirmed
    out = tracker.update(_frame([a, b]), 2)
    assert out.track_ids.tolist() == [1, 2]  # b confirmed on its 2nd hit
    c = _person(poses[2], np.array([500., 600.]), 150.)
    tracker.update(_frame([a, b, c]), 3)  # c born, not reported: no id yet
    tracker.update(_frame([a, b]), 4)  # c missed once -> removed
    out = tracker.update(_frame([a, b, c]), 5)  # c born again, unreported
    assert out.track_ids.tolist() == [1, 2, -1]
    assert [t.track_id for t in tracker.active_tracks] == [1, 2, -1]
    out = tracker.update(_frame([a, b, c]), 6)  # confirmed: the next free id
    assert out.track_ids.tolist() == [1, 2, 3]


def test_inputs_tensors_nan_empty_and_errors():
    poses = load_real_poses(DATA)
    tracker = PoseAwareTracker()
    a = _person(poses[0], np.array([200., 300.]), 200.)
    inst = _frame([a, a])
    inst.bboxes[1] = np.nan
    inst = InstanceData(**{k: torch.as_tensor(v) for k, v in inst.items()})
    out = tracker.update(inst, 0)
    assert isinstance(out.track_ids, torch.Tensor)
    assert out.track_ids.tolist() == [1, -1]
    assert len(tracker.update(_frame([]), 3)) == 0  # gaps and empty frames
    with pytest.raises(ValueError, match='frame_id'):
        tracker.update(_frame([a]), 3)
    with pytest.raises(KeyError, match='bboxes'):
        tracker.update(InstanceData(bbox_scores=np.ones(1)), 4)
    with pytest.raises(ValueError, match='sigmas'):
        PoseAwareTracker(sigmas=[0.1] * 5).update(_frame([a]), 0)
    # boxes only (no keypoints, no embeddings): still tracks by IoU + motion
    tr = PoseAwareTracker()
    for t in range(5):
        box = a[0] + [5 * t, 0, 5 * t, 0]
        out = tr.update(InstanceData(bboxes=box[None]), t)
        assert out.track_ids.tolist() == [1]


def test_embeddings_resolve_crossing_with_identical_poses():
    """Two people with the same pose cross: only appearance separates them."""
    pose = load_real_poses(DATA)[0]
    rng = np.random.default_rng(0)
    emb = np.eye(8)[:2]
    tracker = PoseAwareTracker(sigmas=[0.08] * 17)
    hist = {0: set(), 1: set()}
    for t in range(60):
        xs = [100. + 10 * t, 700. - 10 * t]
        people = [_person(pose, np.array([x, 300. + rng.normal(0, 2)]), 200.) for x in xs]
        inst = _frame(people)
        inst.embeddings = emb + rng.normal(0, 0.05, emb.shape)
        out = tracker.update(inst, t)
        for p, i in enumerate(out.track_ids.tolist()):
            hist[p].add(i)
    assert hist == {0: {1}, 1: {2}}


def _jumped(person, factor):
    """The same person and keypoints with the box grown by ``factor``
    around its centre (a detector's box-size jump)."""
    box, kp, ks = person
    c, half = 0.5 * (box[:2] + box[2:]), 0.5 * (box[2:] - box[:2]) * factor
    return np.r_[c - half, c + half], kp, ks


@pytest.mark.parametrize('with_embedding', [False, True])
def test_one_frame_miss_with_a_box_size_jump_keeps_the_id(with_embedding):
    poses = load_real_poses(DATA)
    tracker = PoseAwareTracker(metainfo='configs/_base_/datasets/coco.py')
    emb = np.eye(8)[:2]
    ids = []
    for t in range(12):
        a = _person(poses[0], np.array([300. + 2 * t, 300.]), 160.)
        b = _person(poses[1], np.array([900. - 2 * t, 320.]), 150.)
        if t >= 6:  # after the miss the detector gives a box 1.6x as large
            a = _jumped(a, 1.6)
        people = [b] if t == 5 else [a, b]
        inst = _frame(people)
        if with_embedding:
            inst.embeddings = emb[[1] if t == 5 else [0, 1]]
        ids.append(tracker.update(inst, t).track_ids.tolist())
    assert all(i == [1, 2] for k, i in enumerate(ids) if k != 5)
    assert ids[5] == [2]
    # the old gate (4 dof, box size included) loses him without the re-identification
    strict = PoseAwareTracker(gate_position_only=False, reid_thr=0.0)
    for t in range(12):
        a = _person(poses[0], np.array([300. + 2 * t, 300.]), 160.)
        a = _jumped(a, 1.6) if t >= 6 else a
        out = strict.update(_frame([] if t == 5 else [a]), t)
    assert out.track_ids.tolist() == [2]


def test_reidentification_uses_the_embedding_to_pick_the_person():
    poses = load_real_poses(DATA)
    tracker = PoseAwareTracker(metainfo='configs/_base_/datasets/coco.py', reid_radius=3.0)
    emb = np.eye(8)[:3]
    a0 = _person(poses[0], np.array([300., 300.]), 160.)
    for t in range(4):
        inst = _frame([a0])
        inst.embeddings = emb[[0]]
        assert tracker.update(inst, t).track_ids.tolist() == [1]
    tracker.update(_frame([]), 4)  # lost for one frame
    # two candidates far from the prediction (beyond the gate), same pose:
    # the one that looks like him gets his id, the other a new one
    c1 = _person(poses[0], np.array([520., 300.]), 160.)
    c2 = _person(poses[0], np.array([80., 300.]), 160.)
    inst = _frame([c1, c2])
    inst.embeddings = emb[[2, 0]]
    assert tracker.update(inst, 5).track_ids.tolist() == [2, 1]


def test_every_tracker_accepts_metainfo():
    for name in ('PoseAwareTracker', 'PoseFlowTracker', 'IoUTracker'):
        tracker = TRACKERS.build(dict(type=name, metainfo='configs/_base_/datasets/coco.py'))
        poses = load_real_poses(DATA)
        out = tracker.update(_frame([_person(poses[0], np.array([300., 300.]), 160.)]), 0)
        assert out.track_ids.tolist() == [1]
