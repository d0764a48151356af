import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.tracking import IoUTracker


@pytest.mark.parametrize('method', ['hungarian', 'greedy'])
def test_iou_tracker_ids(method):
    tr = IoUTracker(iou_thr=0.3, max_age=2, method=method)
    a = np.array([0., 0., 100., 200.])
    b = np.array([300., 0., 400., 200.])
    out = tr.update(InstanceData(bboxes=np.stack([a, b])), 0)
    assert out.track_ids.tolist() == [1, 2]
    out = tr.update(InstanceData(bboxes=np.stack([b + 5, a + 5])), 1)
    assert out.track_ids.tolist() == [2, 1]
    tr.update(InstanceData(bboxes=np.zeros((0, 4))), 2)
    out = tr.update(InstanceData(bboxes=a[None] + 5), 3)  # 2 frames unseen
    assert out.track_ids.tolist() == [1]
    tr.update(InstanceData(bboxes=np.zeros((0, 4))), 10)
    out = tr.update(InstanceData(bboxes=a[None]), 11)  # older than max_age
    assert out.track_ids.tolist() == [3]
    with pytest.raises(ValueError):
        IoUTracker(method='nope')
