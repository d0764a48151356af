"""Every tracker accepts frames with no people (issue 28, item 1): empty
frames as the pipeline makes them (a per-frame slice of a batch keeps every
field, e.g. ``embeddings`` (0, D)), and a bare ``InstanceData()``."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.testing import make_sequence
from mmalphapose.tracking import IoUTracker, PoseAwareTracker, PoseFlowTracker
from mmalphapose.tracking.base_tracker import Detections

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
TRACKERS = [PoseAwareTracker, PoseFlowTracker, IoUTracker]


@pytest.fixture(scope='module')
def frames():
    return make_sequence(DATA, seed=0, num_frames=40, num_persons=3)['frames'][:26]


def _empty_like(inst: InstanceData) -> InstanceData:
    """The frame without its people, every field kept: (0, ...) arrays."""
    return inst[np.zeros(0, np.int64)]


@pytest.mark.parametrize('tracker_cls', TRACKERS)
@pytest.mark.parametrize('pattern', ['gap', 'alternating', 'starts_empty'])
def test_tracker_accepts_frames_without_people(frames, tracker_cls, pattern):
    tracker = tracker_cls()
    if pattern == 'gap':  # 10 frames of people, 6 empty, 10 of people
        empty = set(range(10, 16))
    elif pattern == 'alternating':
        empty = set(range(1, len(frames), 2))
    else:
        empty = set(range(5))
    seen = 0
    for t, inst in enumerate(frames):
        inst = inst.clone()
        if t in empty:
            inst = _empty_like(inst)
            assert inst.embeddings.shape[0] == 0 and inst.embeddings.ndim == 2
        out = tracker.update(inst, t)
        ids = np.asarray(out.track_ids)
        assert ids.shape == (len(inst), ) and ids.dtype == np.int64
        if t in empty:
            assert len(out) == 0
        else:
            seen += int((ids >= 0).sum())
    assert seen > 0  # people after the empty frames are still tracked


@pytest.mark.parametrize('tracker_cls', TRACKERS)
def test_tracker_accepts_bare_and_tensor_empty_frames(tracker_cls):
    tracker = tracker_cls()
    out = tracker.update(InstanceData(), 0)
    assert len(np.asarray(out.track_ids)) == 0
    inst = InstanceData(
        bboxes=torch.zeros(0, 4),
        keypoints=torch.zeros(0, 17, 2),
        keypoint_scores=torch.zeros(0, 17),
        embeddings=torch.zeros(0, 64))
    out = tracker.update(inst, 1)
    assert out.track_ids.shape == (0, )


def test_detections_of_an_empty_frame():
    d = Detections(InstanceData(bboxes=np.zeros((0, 4)), embeddings=np.zeros((0, 128))))
    assert len(d) == 0 and d.embeddings.shape == (0, 128)
    d = Detections(InstanceData())
    assert len(d) == 0 and d.bboxes.shape == (0, 4)
