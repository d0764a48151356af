"""The stages of the inference pipeline, over a stream of typed records.

A stream holds :class:`~mmalphapose.apis.inputs.Frame` records framed by
``SourceStart`` / ``SourceEnd`` markers (one pair per input). Each stage is a
callable ``stage(items) -> items`` that fills in its fields of the frames and
passes every item on in order::

    Source.frames           Frame(img)                              (reader)
    DetectStage             -> Frame.bboxes, bbox_scores | propagated
    PoseStage               -> Frame.instances: TopdownPredictor (crop +
                               network runner + decode, all people of
                               several frames), then per frame its steps:
        NMSStage                POSE_NMS
        PartRefineStage         face / hand points of the kept people refined (optional)
        TrackStage              track ids
    writers.FrameWriter     JSON, overlays, video            (caller's thread)

The collaborators are small protocols: a ``PersonDetector``
(``detect(frames, names, score_thr, nms_thr)``), a pose predictor
(``TopdownPredictor``: boxes of several frames -> one ``InstanceData``), a
part refiner (``refiner(image, inst) -> inst``), a pose NMS (``nms(inst) ->
(inst, keep)``), a tracker (``update(inst, frame_id, img) -> inst`` and
``reset()``). Every stage is built once by :mod:`mmalphapose.apis.builder`
and never changed by a run; ``PoseStage.reset()`` starts a new input (only
when a step keeps state: the tracker, the followed poses). With
``--workers 0`` the stages are chained in the caller's thread; the threads
that overlap them (``--workers >= 1``) live in :mod:`mmalphapose.apis.pipeline`.
"""
import logging
from typing import Iterable, Iterator, List, Optional, Protocol, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log
from mmengine.structures import InstanceData

from .inputs import Frame, SourceStart


def drop_non_finite(inst: InstanceData, where: str) -> InstanceData:
    """Drop the people whose model output is not finite (the run goes on).

    Args:
        inst: the people of one frame; ``keypoints`` (n,K,2),
            ``keypoint_scores`` (n,K) and, when present, ``scores`` (n,) are
            checked.
        where: the frame, for the log line (e.g. ``'video.mp4 frame 12'``).

    Returns:
        ``inst`` itself when all is finite, else ``inst[keep]`` with a warning
        naming ``where`` and the number of people dropped.
    """
    n = len(inst) if inst is not None and 'keypoints' in inst else 0
    if not n:
        return inst
    keep = np.ones(n, bool)
    for name in ('keypoints', 'keypoint_scores', 'scores'):
        if name in inst:
            keep &= np.isfinite(np.asarray(inst.get(name)).reshape(n, -1)).all(1)
    if keep.all():
        return inst
    print_log(
        f'{where}: the pose model gave NaN/inf for {int((~keep).sum())} of {n} people; '
        'they are dropped',
        logger='current',
        level=logging.WARNING)
    return inst[np.flatnonzero(keep)]


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


def keypoint_thresholds(model, metainfo: dict):
    """The drawing threshold of a model's keypoints (AlphaPose ``vis_thres``,
    alphapose/utils/writer.py:54-62), as its head declares in ``vis_kpt_thr``: a float, or a dict
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


def pose_centroids(inst: InstanceData, kpt_thr: float = 0.3) -> Tuple[np.ndarray, np.ndarray]:
    """(N, 2) mean of each person's confident keypoints and (N,) bool: at
    least 2 of them."""
    kpts, sc = np.asarray(inst.keypoints)[..., :2], np.asarray(inst.keypoint_scores)
    ok = (sc > kpt_thr) & np.isfinite(kpts).all(-1)
    n = ok.sum(1)
    cen = np.where(ok[..., None], kpts, 0.0).sum(1) / np.maximum(n, 1)[:, None]
    return cen.astype(np.float64), n >= 2


def person_keys(inst: InstanceData) -> List:
    """A key per person: its track id, else its row (``('row', i)``)."""
    if 'track_ids' in inst:
        ids = np.asarray(inst.track_ids).reshape(-1)
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
            boxes = np.asarray(inst.bboxes, np.float64).reshape(-1, 4)
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
        old = np.asarray(before.bboxes, np.float64).reshape(-1, 4)
        new = np.asarray(now.bboxes, np.float64).reshape(-1, 4) if len(now) else \
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
        boxes = np.array(inst.bboxes, np.float64).reshape(-1, 4)
        scores = np.asarray(inst.bbox_scores, np.float32).reshape(-1)
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


class PartRefineStage:
    """Face / hand keypoints of all people of a frame refined by a part
    refiner (``refiner(image (H,W,3) BGR, instances) -> instances``, the pose
    config's ``part_refiner``)."""

    def __init__(self, refiner) -> None:
        self.refiner = refiner

    def __call__(self, frame: Frame, inst: InstanceData) -> InstanceData:
        return self.refiner(frame.img, inst) if len(inst) else inst


class NMSStage:
    """POSE_NMS over the people of a frame."""

    def __init__(self, nms: PoseNMS) -> None:
        self.nms = nms

    def __call__(self, frame: Frame, inst: InstanceData) -> InstanceData:
        return self.nms.nms(inst)[0] if len(inst) else inst


class TrackStage:
    """Track ids from a TRACKERS module (its tracks are reset per input)."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def __call__(self, frame: Frame, inst: InstanceData) -> InstanceData:
        return self.tracker.update(inst, frame.index, img=frame.img)

    def reset(self) -> None:
        self.tracker.reset()


class PoseStage:
    """The pose stage: all boxes of up to ``frames_per_batch`` frames go
    through the predictor at once; then, frame by frame in order, the
    ``steps`` (:class:`NMSStage`, :class:`PartRefineStage`,
    :class:`TrackStage`). A ``propagated`` frame gets its boxes from the
    previous frames' poses (:class:`PoseFollower`: the detected box size
    kept, centred on the poses; people the detector missed at the last
    detected frame carried on).

    Args:
        predictor: boxes of several frames -> one InstanceData
            (:class:`~mmalphapose.apis.inference.TopdownPredictor`).
        steps: per-frame stages ``step(frame, inst) -> inst``, in order;
            those that keep state between frames (:class:`TrackStage`) have
            ``reset()``.
        frames_per_batch: frames whose people share one predictor call.
        follow_kpt_thr: keypoint score that counts when following poses.
        with_heatmaps: also keep the heatmaps (for drawing).
        follow: keep a :class:`PoseFollower` (needed only when the detector
            skips frames, ``det_frequency > 1``; without it no frame may be
            ``propagated``).
    """

    def __init__(self,
                 predictor,
                 steps: Sequence = (),
                 frames_per_batch: int = 4,
                 follow_kpt_thr: float = 0.3,
                 with_heatmaps: bool = False,
                 follow: bool = True):
        self.predictor, self.steps = predictor, list(steps)
        self.frames_per_batch = max(1, frames_per_batch)
        self.with_heatmaps = with_heatmaps
        self.follower = PoseFollower(follow_kpt_thr) if follow else None
        # what a new input resets: the steps that keep state, the followed poses
        self.resets = [step.reset for step in self.steps if hasattr(step, 'reset')] + \
            ([self.follower.reset] if self.follower is not None else [])

    def reset(self) -> None:
        """A new input starts: forget the followed poses and the tracks."""
        for reset in self.resets:
            reset()

    def process(self, frames: List[Frame]) -> List[Frame]:
        """Set ``instances`` of ``frames`` (in order): one predictor call, then
        per frame the steps."""
        if not frames:
            return frames
        counts = [len(f.bboxes) for f in frames]
        image_ids = np.repeat(np.arange(len(frames)), counts)
        people = self.predictor([f.img for f in frames],
                                image_ids,
                                np.concatenate([f.bboxes for f in frames]).reshape(-1, 4),
                                np.concatenate([f.bbox_scores for f in frames]),
                                img_paths=[f.path for f in frames],
                                with_heatmaps=self.with_heatmaps)
        starts = np.concatenate([[0], np.cumsum(counts)])
        for i, frame in enumerate(frames):
            inst = people if len(frames) == 1 else people[int(starts[i]):int(starts[i + 1])]
            # NaN/inf model output: those people are dropped (logged), never the run
            inst = drop_non_finite(inst, f'{frame.source.stem} frame {frame.name}')
            for step in self.steps:
                inst = step(frame, inst)
            frame.instances = inst
            if self.follower is not None:
                self.follower.observe(frame, inst)
        return frames

    def __call__(self, items: Iterable) -> Iterator:
        pending: List[Frame] = []
        for item in items:
            if isinstance(item, Frame) and item.img is not None:
                if item.propagated:
                    yield from self.process(pending)
                    pending = []
                    item.bboxes, item.bbox_scores = self.follower.boxes(item)
                    yield from self.process([item])
                    continue
                pending.append(item)
                if len(pending) >= self.frames_per_batch or item.source.kind == 'webcam':
                    yield from self.process(pending)
                    pending = []
                continue
            yield from self.process(pending)
            pending = []
            if isinstance(item, SourceStart) and self.resets:
                self.reset()
            yield item
        yield from self.process(pending)
