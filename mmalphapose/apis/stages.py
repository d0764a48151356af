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
    tracker's Kalman prediction or the previous frame's poses.

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

    def follow(self, frame: Frame) -> None:
        """Boxes of a propagated frame from the previous frame's people."""
        boxes, scores = boxes_from_poses(self.last, self.follow_kpt_thr)
        pred = tracker_predicted_boxes(self.tracker, self.last)
        if pred is not None and len(pred) == len(boxes):
            ok = np.isfinite(pred).all(1) & (pred[:, 2] > pred[:, 0]) \
                & (pred[:, 3] > pred[:, 1])
            boxes = np.where(ok[:, None], pred, boxes).astype(np.float32)
        frame.bboxes, frame.bbox_scores = boxes, scores

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
            inst = people[image_ids == i]
            if self.nms is not None and len(inst):
                inst, _ = self.nms.nms(inst)
            if self.tracker is not None:
                inst = self.tracker.update(inst, frame.index, img=frame.img)
            frame.instances = self.last = inst
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
                if self.tracker is not None:
                    self.tracker.reset()
            yield item
        yield from self.process(pending)
