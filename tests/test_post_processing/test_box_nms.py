"""box_nms: the one greedy box NMS."""
import numpy as np
import pytest

from mmalphapose.post_processing import box_nms
from mmalphapose.structures import bbox_iou


def _reference(boxes, scores, thr, labels=None):
    """Loop NMS: visit boxes by score, keep one unless a kept box of the same
    class overlaps it more than ``thr``."""
    keep = []
    for i in sorted(range(len(boxes)), key=lambda j: (-scores[j], j)):
        ok = True
        for j in keep:
            same = labels is None or labels[i] == labels[j]
            if same and bbox_iou(boxes[i:i + 1], boxes[j:j + 1])[0, 0] > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


@pytest.mark.parametrize('seed', range(5))
def test_matches_a_loop_reference(seed):
    rng = np.random.default_rng(seed)
    n = 40
    xy = rng.uniform(0, 200, (n, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(10, 80, (n, 2))], 1)
    scores = rng.uniform(0, 1, n)
    scores[::7] = scores[0]  # ties
    labels = rng.integers(0, 3, n)
    for thr in (0.3, 0.5, 0.7):
        assert box_nms(boxes, scores, thr).tolist() == _reference(boxes, scores, thr)
        assert box_nms(boxes, scores, thr, labels).tolist() == \
            _reference(boxes, scores, thr, labels)


def test_edge_cases():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], np.float32)
    scores = np.array([0.9, 0.95, 0.7], np.float32)
    assert box_nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert box_nms(boxes, scores, 0.5, labels=[0, 1, 0]).tolist() == [1, 0, 2]
    assert box_nms(np.zeros((0, 4)), np.zeros(0), 0.5).dtype == np.int64
    with pytest.raises(ValueError, match='2 scores for 3 boxes'):
        box_nms(boxes, scores[:2], 0.5)
    with pytest.raises(ValueError, match='2 labels'):
        box_nms(boxes, scores, 0.5, labels=[0, 1])
