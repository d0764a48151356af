"""The stages of the inference pipeline, over a stream of typed records.

A stream holds :class:`~mmalphapose.apis.inputs.Frame` records framed by
``SourceStart`` / ``SourceEnd`` markers (one pair per input). Each stage is a
callable ``stage(items) -> items`` that fills in its fields of the frames and
passes every item on in order::

    read_sources            Frame(img)                              (reader)
    DetectStage             -> Frame.bboxes, bbox_scores | propagated
    PoseStage               -> Frame.instances: crop + forward + decode
                               (TopdownPredictor), POSE_NMS, tracker

The collaborators are small protocols: a ``PersonDetector``
(``detect(frames, names, score_thr, nms_thr)``), a pose predictor
(``TopdownPredictor``: boxes of several frames -> one ``InstanceData``), a
pose NMS (``nms(inst) -> (inst, keep)``), a tracker (``update(inst,
frame_id, img) -> inst`` and ``reset()``). They are built once by the
inferencer and never changed by a stage. The threads that overlap the stages
live in :mod:`mmalphapose.apis.pipeline`.
"""
import threading
import warnings
from typing import Iterable, Iterator, List, Optional, Protocol, Tuple

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.utils import to_numpy
from mmalphapose.utils.errors import drop_non_finite
from .inputs import Frame, Source
from .pipeline import SourceEnd, SourceStart


class PoseNMS(Protocol):
    """What the pipeline needs of a POSE_NMS module."""

    def nms(self, instances: InstanceData) -> Tuple[InstanceData, np.ndarray]:
        """The kept instances and their indices."""


class Tracker(Protocol):
    """What the pipeline needs of a TRACKERS module."""

    def update(self,
               pred_instances: InstanceData,
               frame_id: int,
               img: Optional[np.ndarray] = None) -> InstanceData:
        """The same instances with ``track_ids`` (N,)."""

    def reset(self) -> None:
        """Forget all tracks (a new input starts)."""


def read_sources(sources: List[Source], stop: threading.Event) -> Iterator:
    """Frames of all sources, each framed by SourceStart / SourceEnd markers;
    an input that cannot be opened is skipped with a warning."""
    for src in sources:
        yield SourceStart(src)
        try:
            for frame in src.frames(stop):
                yield frame
        except IOError as exc:
            warnings.warn(f'skipping input: {exc}')
        yield SourceEnd(src)


def keypoint_thresholds(model, metainfo: dict):
    """The drawing threshold of a model's keypoints (AlphaPose ``vis_thres``,
    facts §9.3), as its head declares in ``vis_kpt_thr``: a float, or a dict
    part -> threshold (combined heads: 0.4 on body and feet, 0.05 on face and
    hands), expanded to (K,) with the metainfo's parts. 0.3 when the model
    declares nothing."""
    thr = getattr(getattr(model, 'head', None), 'vis_kpt_thr', getattr(model, 'vis_kpt_thr', 0.3))
    if not isinstance(thr, dict):
        return float(thr)
    out = np.full(metainfo['num_keypoints'], 0.3, np.float32)
    for part, ids in metainfo.parts.items():
        if part in thr:
            out[np.asarray(ids, np.int64)] = thr[part]
    return out


def boxes_from_poses(inst: Optional[InstanceData],
                     kpt_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes to follow people between detector runs: the extent of each
    person's confident keypoints (its previous box when fewer than 2)."""
    if inst is None or len(inst) == 0 or 'keypoints' not in inst:
        return np.zeros((0, 4), np.float32), np.zeros((0, ), np.float32)
    kpts, sc = to_numpy(inst.keypoints), to_numpy(inst.keypoint_scores)
    ok = (sc > kpt_thr) & np.isfinite(kpts).all(-1)
    big = np.where(ok[..., None], kpts, np.inf)
    small = np.where(ok[..., None], kpts, -np.inf)
    ext = np.concatenate([big.min(1), small.max(1)], axis=1)
    prev = to_numpy(inst.bboxes).astype(np.float32)
    use = (ok.sum(1) >= 2)[:, None]
    boxes = np.where(use, ext, prev).astype(np.float32)
    return boxes, to_numpy(inst.bbox_scores).astype(np.float32)


def pose_centroids(inst: InstanceData, kpt_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray]:
    """(N, 2) mean of each person's confident keypoints and (N,) bool: at
    least 2 of them."""
    kpts, sc = to_numpy(inst.keypoints)[..., :2], to_numpy(inst.keypoint_scores)
    ok = (sc > kpt_thr) & np.isfinite(kpts).all(-1)
    n = ok.sum(1)
    cen = np.where(ok[..., None], kpts, 0.0).sum(1) / np.maximum(n, 1)[:, None]
    return cen.astype(np.float64), n >= 2


def person_keys(inst: InstanceData) -> List:
    """A key per person: its track id, else its row (``('row', i)``)."""
    if 'track_ids' in inst:
        ids = to_numpy(inst.track_ids).reshape(-1)
        return [int(t) if t >= 0 else ('row', i) for i, t in enumerate(ids)]
    return [('row', i) for i in range(len(inst))]


class PoseFollower:
    """Boxes between detector runs (``--det-frequency``) that follow the
    poses without growing.

    At a detected frame each person's box is remembered as its size and the
    offset of its centre from the centroid of the person's confident
    keypoints (the *anchor*). On a propagated frame the box keeps that size
    and is centred at the last centroid plus the anchor offset, moved on by
    the centroid's last per-frame motion. People with a track id are keyed
    by it, others by row. A person found in the frame before a detected
    frame but missed by the detector there is carried into the next
    propagated frame (so the pose model looks for them again, and the
    tracker can re-identify them).

    Args:
        kpt_thr: keypoint score that counts.
    """

    def __init__(self, kpt_thr: float = 0.3):
        self.kpt_thr = kpt_thr
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new input starts)."""
        self.anchors: dict = {}
        self.centroids: dict = {}
        self.previous: dict = {}
        self.last: Optional[InstanceData] = None
        self.last_index = -1
        self.carry: Optional[Tuple[InstanceData, int]] = None

    def observe(self, frame: Frame, inst: InstanceData) -> None:
        """Remember a processed frame's people (in frame order)."""
        if len(inst) and 'keypoints' in inst:
            cen, ok = pose_centroids(inst, self.kpt_thr)
            keys = person_keys(inst)
        else:
            cen, ok, keys = np.zeros((0, 2)), np.zeros(0, bool), []
        self.carry = None
        if not frame.propagated and self.last is not None and len(self.last):
            missing = self._missing(self.last, inst, set(keys))
            if len(missing):
                self.carry = (self.last[missing], self.last_index)
        if not frame.propagated and len(keys):
            boxes = to_numpy(inst.bboxes).astype(np.float64).reshape(-1, 4)
            for k, c, b, good in zip(keys, cen, boxes, ok):
                if good:
                    self.anchors[k] = (0.5 * (b[:2] + b[2:]) - c, b[2:] - b[:2])
        self.previous = self.centroids
        self.centroids = {k: c for k, c, good in zip(keys, cen, ok) if good}
        self.last, self.last_index = inst, frame.index

    @staticmethod
    def _missing(before: InstanceData, now: InstanceData, keys_now: set) -> np.ndarray:
        """Rows of ``before`` not found ``now``: by track id, or for people
        without one, no box of ``now`` overlapping theirs (IoU >= 0.3)."""
        from mmalphapose.structures import bbox_iou
        old = to_numpy(before.bboxes).astype(np.float64).reshape(-1, 4)
        new = to_numpy(now.bboxes).astype(np.float64).reshape(-1, 4) if len(now) else \
            np.zeros((0, 4))
        iou = bbox_iou(old, new) if len(new) else np.zeros((len(old), 0))
        rows = []
        for i, k in enumerate(person_keys(before)):
            if isinstance(k, tuple):
                if iou.shape[1] == 0 or iou[i].max() < 0.3:
                    rows.append(i)
            elif k not in keys_now:
                rows.append(i)
        return np.asarray(rows, np.int64)

    def _boxes(self, inst: InstanceData, steps: int, centroids_now: dict,
               centroids_before: dict) -> Tuple[np.ndarray, np.ndarray]:
        boxes = to_numpy(inst.bboxes).astype(np.float64).reshape(-1, 4).copy()
        scores = to_numpy(inst.bbox_scores).astype(np.float32).reshape(-1)
        for i, k in enumerate(person_keys(inst)):
            c = centroids_now.get(k)
            if c is None:
                continue
            before = centroids_before.get(k)
            motion = (c - before) if before is not None else np.zeros(2)
            offset, wh = self.anchors.get(
                k, (0.5 * (boxes[i, :2] + boxes[i, 2:]) - c, boxes[i, 2:] - boxes[i, :2]))
            centre = c + offset + steps * motion
            boxes[i] = np.r_[centre - wh / 2, centre + wh / 2]
        return boxes.astype(np.float32), scores

    def boxes(self, frame: Frame) -> Tuple[np.ndarray, np.ndarray]:
        """(N, 4) xyxy boxes and (N,) scores for a propagated ``frame``."""
        parts = []
        if self.last is not None and len(self.last) and 'keypoints' in self.last:
            parts.append(
                self._boxes(self.last, frame.index - self.last_index, self.centroids,
                            self.previous))
        if self.carry is not None:
            inst, index = self.carry
            cen, ok = pose_centroids(inst, self.kpt_thr)
            now = {k: c for k, c, good in zip(person_keys(inst), cen, ok) if good}
            parts.append(self._boxes(inst, frame.index - index, now, self.previous))
        if not parts:
            return np.zeros((0, 4), np.float32), np.zeros((0, ), np.float32)
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def tracker_predicted_boxes(tracker, inst: Optional[InstanceData]) -> Optional[np.ndarray]:
    """Kalman-predicted next-frame boxes (xyxy) of the tracks of ``inst``
    (rows without a live track get NaN), when the tracker keeps Kalman
    tracks (``tracks`` with ``mean``/``covariance`` in xyah, and ``kf``);
    the tracker's state is not changed."""
    tracks, kf = getattr(tracker, 'tracks', None), getattr(tracker, 'kf', None)
    if not tracks or kf is None or inst is None or 'track_ids' not in inst:
        return None
    by_id = {int(t.track_id): t for t in tracks if getattr(t, 'mean', None) is not None}
    ids = [int(i) for i in to_numpy(inst.track_ids).reshape(-1)]
    rows = [i for i, tid in enumerate(ids) if tid in by_id]
    out = np.full((len(ids), 4), np.nan, np.float32)
    if not rows:
        return out
    from mmalphapose.tracking import xyah2xyxy
    mean = np.stack([np.asarray(by_id[ids[i]].mean, np.float64) for i in rows])
    cov = np.stack([np.asarray(by_id[ids[i]].covariance, np.float64) for i in rows])
    mean, _ = kf.predict(mean.copy(), cov.copy())
    out[rows] = xyah2xyxy(mean[:, :4])
    return out


class DetectStage:
    """Person boxes for the frames: batches of ``det_batch`` frames (1 for a
    webcam) go through ``detector.detect``; with ``det_frequency`` N only
    every N-th frame is detected, the others are marked ``propagated``.

    Args:
        detector: a ``PersonDetector``.
        det_batch: frames per detector call.
        det_frequency: run the detector every N frames.
        score_thr / nms_thr: this run's box thresholds (None: the detector's).
    """

    def __init__(self,
                 detector,
                 det_batch: int = 4,
                 det_frequency: int = 1,
                 score_thr: Optional[float] = None,
                 nms_thr: Optional[float] = None):
        self.detector = detector
        self.det_batch, self.det_frequency = max(1, det_batch), max(1, det_frequency)
        self.score_thr, self.nms_thr = score_thr, nms_thr

    def detect(self, frames: List[Frame]) -> List[Frame]:
        """Set the boxes of ``frames`` (one detector call)."""
        if frames:
            dets = self.detector.detect([f.img for f in frames], [f.name for f in frames],
                                        score_thr=self.score_thr,
                                        nms_thr=self.nms_thr)
            for f, (boxes, scores) in zip(frames, dets):
                f.bboxes, f.bbox_scores = boxes, scores
        return frames

    def __call__(self, items: Iterable) -> Iterator:
        pending: List[Frame] = []
        for item in items:
            if not (isinstance(item, Frame) and item.img is not None):
                yield from self.detect(pending)
                pending = []
                yield item
            elif self.det_frequency > 1 and item.index % self.det_frequency:
                item.propagated = True
                yield from self.detect(pending)
                pending = []
                yield item
            else:
                pending.append(item)
                if len(pending) >= (1 if item.source.kind == 'webcam' else self.det_batch):
                    yield from self.detect(pending)
                    pending = []
        yield from self.detect(pending)


class PoseStage:
    """The people of each frame: all boxes of up to ``frames_per_batch``
    frames go through the predictor at once; then, frame by frame in order,
    POSE_NMS and the tracker. A ``propagated`` frame gets its boxes from the
    previous frames' poses (:class:`PoseFollower`: the detected box size
    kept, centred on the poses; people the detector missed at the last
    detected frame carried on).

    Args:
        predictor: boxes of several frames -> one InstanceData
            (:class:`~mmalphapose.apis.inference.TopdownPredictor`).
        nms: a POSE_NMS module or None.
        tracker: a TRACKERS module or None.
        frames_per_batch: frames whose people share one predictor call.
        follow_kpt_thr: keypoint score that counts when following poses.
        with_heatmaps: also keep the heatmaps (for drawing).
    """

    def __init__(self,
                 predictor,
                 nms: Optional[PoseNMS] = None,
                 tracker: Optional[Tracker] = None,
                 frames_per_batch: int = 4,
                 follow_kpt_thr: float = 0.3,
                 with_heatmaps: bool = False):
        self.predictor, self.nms, self.tracker = predictor, nms, tracker
        self.frames_per_batch = max(1, frames_per_batch)
        self.follow_kpt_thr, self.with_heatmaps = follow_kpt_thr, with_heatmaps
        self.last: Optional[InstanceData] = None
        self.follower = PoseFollower(follow_kpt_thr)

    def follow(self, frame: Frame) -> None:
        """Boxes of a propagated frame from the previous frames' people
        (:class:`PoseFollower`)."""
        frame.bboxes, frame.bbox_scores = self.follower.boxes(frame)

    def process(self, frames: List[Frame]) -> List[Frame]:
        """Set ``instances`` of ``frames`` (in order): one predictor call, then
        per frame POSE_NMS and the tracker."""
        if not frames:
            return frames
        image_ids = np.concatenate(
            [np.full(len(f.bboxes), i, np.int64) for i, f in enumerate(frames)])
        people = self.predictor([f.img for f in frames],
                                image_ids,
                                np.concatenate([f.bboxes for f in frames]).reshape(-1, 4),
                                np.concatenate([f.bbox_scores for f in frames]),
                                img_paths=[f.path for f in frames],
                                with_heatmaps=self.with_heatmaps)
        for i, frame in enumerate(frames):
            # NaN/inf model output: those people are dropped (logged), never the run
            inst = drop_non_finite(people[image_ids == i],
                                   f'{frame.source.stem} frame {frame.name}')
            if self.nms is not None and len(inst):
                inst, _ = self.nms.nms(inst)
            if self.tracker is not None:
                inst = self.tracker.update(inst, frame.index, img=frame.img)
            frame.instances = self.last = inst
            self.follower.observe(frame, inst)
        return frames

    def __call__(self, items: Iterable) -> Iterator:
        pending: List[Frame] = []
        for item in items:
            if isinstance(item, Frame) and item.img is not None:
                if item.propagated:
                    yield from self.process(pending)
                    pending = []
                    self.follow(item)
                    yield from self.process([item])
                    continue
                pending.append(item)
                if len(pending) >= self.frames_per_batch or item.source.kind == 'webcam':
                    yield from self.process(pending)
                    pending = []
                continue
            yield from self.process(pending)
            pending = []
            if isinstance(item, SourceStart):
                self.last = None
                self.follower.reset()
                if self.tracker is not None:
                    self.tracker.reset()
            yield item
        yield from self.process(pending)
