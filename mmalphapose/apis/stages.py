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


class PoseFollower:
    """Boxes between detector runs (``--det-frequency``) that follow the
    poses without growing.

    At a detected frame each person's box and pose are remembered (the
    *anchor*). On a propagated frame the box keeps its detected size and is
    moved by how far the person's keypoints moved since then (the median
    over the keypoints confident in both poses), plus their last per-frame
    motion (the same median between the last two frames). Medians over the
    same keypoints, not the centroids of whichever keypoints were confident,
    so a limb the pose model loses or finds again does not move the box.
    A person is known by its track id; without one (no tracker) by the
    person of the frame before its box is assigned to by overlap (IoU > 0.3;
    on a propagated frame that is the box it was followed from), else as a
    new person: the rows of a frame say nothing about who is who (the
    detector may list the same people in another order, or miss one). A
    person found in the frame before a detected frame but missed by the
    detector there is carried into the next propagated frame (so the pose
    model looks for them again, and the tracker can re-identify them).

    Args:
        kpt_thr: keypoint score that counts.
    """

    def __init__(self, kpt_thr: float = 0.3):
        self.kpt_thr = kpt_thr
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new input starts)."""
        self.anchors: dict = {}  # key -> (box (4,), keypoints (K,2), confident (K,))
        self.poses: dict = {}  # key -> (keypoints, confident) of the last frame
        self.previous: dict = {}  # the same, of the frame before
        self.last: Optional[InstanceData] = None
        self.last_keys: List = []
        self.last_index = -1
        self.carry: Optional[Tuple[InstanceData, List, int]] = None
        self.given: Optional[Tuple[np.ndarray, List]] = None  # boxes() of this frame, keys
        self._new_key = 0

    def person_keys(self, inst: InstanceData, propagated: bool = False) -> List:
        """A key per person of ``inst``: its track id (an int), else the key
        of the person its box is assigned to by box overlap (the trackers'
        thresholded Hungarian assignment of ``1 - IoU``, IoU > 0.3) among
        those of the frame before, or on a propagated frame
        among the boxes :meth:`boxes` gave it (a kept person's box is one of
        them exactly), else a new key (``('person', n)``)."""
        n = len(inst)
        ids = np.asarray(inst.track_ids).reshape(-1) if 'track_ids' in inst \
            else np.full(n, -1)
        keys: List = [int(t) if t >= 0 else None for t in ids]
        if propagated and self.given is not None:
            ref_boxes, ref_keys = self.given
        elif self.last is not None:
            ref_boxes, ref_keys = self.last.bboxes, self.last_keys
        else:
            ref_boxes, ref_keys = np.zeros((0, 4)), []
        free = [i for i, k in enumerate(ref_keys) if not isinstance(k, int)]
        todo = [i for i, k in enumerate(keys) if k is None]
        if todo and free:
            from mmalphapose.tracking.matching import iou_distance, linear_assignment
            cost = iou_distance(
                np.asarray(inst.bboxes, np.float64).reshape(-1, 4)[todo],
                np.asarray(ref_boxes, np.float64).reshape(-1, 4)[free])
            for r, c in linear_assignment(cost, 1.0 - 0.3)[0]:  # IoU > 0.3
                keys[todo[r]] = ref_keys[free[c]]
        for i in todo:
            if keys[i] is None:
                keys[i] = ('person', self._new_key)
                self._new_key += 1
        return keys

    def _poses(self, inst: InstanceData) -> Tuple[np.ndarray, np.ndarray]:
        """(N,K,2) float64 keypoints and (N,K) bool: scoring above
        ``kpt_thr`` and finite."""
        kpts = np.asarray(inst.keypoints, np.float64)[..., :2]
        ok = (np.asarray(inst.keypoint_scores) > self.kpt_thr) & np.isfinite(kpts).all(-1)
        return kpts, ok

    def observe(self, frame: Frame, inst: InstanceData) -> None:
        """Remember a processed frame's people (in frame order)."""
        if len(inst) and 'keypoints' in inst:
            kpts, ok = self._poses(inst)
            keys = self.person_keys(inst, frame.propagated)
        else:
            kpts, ok, keys = np.zeros((0, 0, 2)), np.zeros((0, 0), bool), []
        self.carry = None
        if not frame.propagated and self.last is not None and len(self.last):
            found = set(keys)
            missing = [i for i, k in enumerate(self.last_keys) if k not in found]
            if missing:
                gone = [self.last_keys[i] for i in missing]
                self.carry = (self.last[missing], gone, self.last_index)
        if not frame.propagated:
            boxes = np.asarray(inst.bboxes, np.float64).reshape(-1, 4) if len(keys) else []
            carried = set(self.carry[1]) if self.carry is not None else set()
            self.anchors = {k: a for k, a in self.anchors.items() if k in carried}
            for k, b, p, o in zip(keys, boxes, kpts, ok):
                self.anchors[k] = (b, p, o)
        self.previous = self.poses
        self.poses = {k: (p, o) for k, p, o in zip(keys, kpts, ok)}
        self.last, self.last_keys, self.last_index = inst, keys, frame.index

    @staticmethod
    def _shift(a: Tuple[np.ndarray, np.ndarray], b: Tuple[np.ndarray, np.ndarray]):
        """Median (dx, dy) of the keypoints confident in both poses ``a`` ->
        ``b``; None with fewer than 2 of them."""
        both = a[1] & b[1]
        if both.sum() < 2:
            return None
        return np.median(b[0][both] - a[0][both], axis=0)

    def _boxes(self, inst: InstanceData, keys: List, steps: int,
               poses: dict) -> Tuple[np.ndarray, np.ndarray]:
        boxes = np.array(inst.bboxes, np.float64).reshape(-1, 4)
        scores = np.asarray(inst.bbox_scores, np.float32).reshape(-1)
        for i, k in enumerate(keys):
            anchor, pose = self.anchors.get(k), poses.get(k)
            if anchor is None or pose is None:
                continue  # the box the person was seen in
            moved = self._shift(anchor[1:], pose)
            if moved is None:
                continue
            before = self.previous.get(k)
            motion = self._shift(before, pose) if before is not None else None
            shift = moved + (steps * motion if motion is not None else 0.0)
            boxes[i] = anchor[0] + np.r_[shift, shift]
        return boxes.astype(np.float32), scores

    def boxes(self, frame: Frame) -> Tuple[np.ndarray, np.ndarray]:
        """(N, 4) xyxy boxes and (N,) scores for a propagated ``frame``."""
        parts, keys = [], []
        if self.last is not None and len(self.last) and 'keypoints' in self.last:
            parts.append(
                self._boxes(self.last, self.last_keys, frame.index - self.last_index, self.poses))
            keys += self.last_keys
        if self.carry is not None:
            inst, carried, index = self.carry
            kpts, ok = self._poses(inst)
            now = {k: (p, o) for k, p, o in zip(carried, kpts, ok)}
            parts.append(self._boxes(inst, carried, frame.index - index, now))
            keys += carried
        if not parts:
            boxes, scores = np.zeros((0, 4), np.float32), np.zeros((0, ), np.float32)
        else:
            boxes = np.concatenate([p[0] for p in parts])
            scores = np.concatenate([p[1] for p in parts])
        self.given = (boxes, keys)
        return boxes, scores


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
