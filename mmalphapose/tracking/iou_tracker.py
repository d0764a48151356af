"""Plain IoU tracker: the baseline with no motion, pose or appearance."""
from typing import Optional

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import TRACKERS
from .base_tracker import Detections, attach_track_ids, check_frame_id, empty_track_ids
from .matching import iou_distance, linear_assignment


@TRACKERS.register_module()
class IoUTracker:
    """Match each frame's boxes to the tracks' last boxes by IoU.

    Args:
        iou_thr (float): Minimum IoU to continue a track. 0.3.
        max_age (int): Frames a track may go unmatched and still be matched
            (on its last box). 30.
        method (str): ``'hungarian'`` (optimal) or ``'greedy'`` (highest IoU
            first). 'hungarian'.
        metainfo: accepted and ignored (uniform tracker constructor).
    """

    def __init__(self,
                 iou_thr: float = 0.3,
                 max_age: int = 30,
                 method: str = 'hungarian',
                 metainfo=None) -> None:
        # metainfo: accepted like every tracker's (unused: boxes only)
        if method not in ('hungarian', 'greedy'):
            raise ValueError(f'IoUTracker: unknown method "{method}"')
        self.iou_thr, self.max_age, self.method = iou_thr, max_age, method
        self.reset()

    def reset(self) -> None:
        """Forget all tracks."""
        self._boxes = np.zeros((0, 4))
        self._ids = np.zeros(0, np.int64)
        self._last_seen = np.zeros(0, np.int64)
        self._next_id = 1
        self._last_frame: Optional[int] = None

    def _assign(self, cost: np.ndarray) -> np.ndarray:
        thr = 1.0 - self.iou_thr
        if self.method == 'hungarian':
            return linear_assignment(cost, thr + 1e-9)[0]
        pairs = []
        c = cost.copy()
        while c.size and np.isfinite(c).any() and c.min() <= thr:
            i, j = np.unravel_index(np.argmin(c), c.shape)
            pairs.append((i, j))
            c[i, :] = np.inf
            c[:, j] = np.inf
        return np.array(pairs, np.int64).reshape(-1, 2)

    def update(self,
               pred_instances: InstanceData,
               frame_id: int,
               img: Optional[np.ndarray] = None) -> InstanceData:
        """Add ``track_ids`` (N,) to ``pred_instances`` (-1: invalid box)."""
        check_frame_id(self._last_frame, frame_id)
        self._last_frame = int(frame_id)
        dets = Detections(pred_instances)
        track_ids = empty_track_ids(len(dets))
        det_idx = np.flatnonzero(dets.valid)
        boxes = dets.bboxes[det_idx]
        alive = frame_id - self._last_seen <= self.max_age
        self._boxes, self._ids = self._boxes[alive], self._ids[alive]
        self._last_seen = self._last_seen[alive]
        matches = self._assign(iou_distance(self._boxes, boxes))
        new = np.setdiff1d(np.arange(len(det_idx)), matches[:, 1])
        track_ids[det_idx[matches[:, 1]]] = self._ids[matches[:, 0]]
        self._boxes[matches[:, 0]] = boxes[matches[:, 1]]
        self._last_seen[matches[:, 0]] = frame_id
        new_ids = np.arange(self._next_id, self._next_id + len(new))
        self._next_id += len(new)
        track_ids[det_idx[new]] = new_ids
        self._boxes = np.concatenate([self._boxes, boxes[new]])
        self._ids = np.concatenate([self._ids, new_ids])
        self._last_seen = np.concatenate([self._last_seen, np.full(len(new), frame_id, np.int64)])
        return attach_track_ids(pred_instances, track_ids)
