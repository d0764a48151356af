"""The stages of the inference pipeline, as generators over frame streams.

``read_sources`` -> ``make_det_stage(...)`` -> ``make_pose_stage(...)``; each
stage consumes the previous one's items (``Frame`` plus ``SourceStart`` /
``SourceEnd`` markers) in order and is run in its own thread or chained in
one thread by :func:`mmalphapose.apis.pipeline.chain`.
"""
import inspect
import threading
import warnings
from typing import Iterator, List, Optional, Sequence

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.structures import PoseDataSample
from .crop import group_by_frame
from .inference import predict_people, samples_to_instances
from .inputs import Frame, Source
from .pipeline import SourceEnd, SourceStart

def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def boxes_from_poses(inst: InstanceData, kpt_thr: float = 0.3) -> tuple:
    """Boxes to follow people between detector runs: the extent of each
    person's confident keypoints (its previous box when fewer than 2). With a
    Kalman tracker the pipeline prefers :func:`tracker_predicted_boxes`."""
    if inst is None or len(inst) == 0 or 'keypoints' not in inst:
        return np.zeros((0, 4), np.float32), np.zeros((0, ), np.float32)
    kpts, sc = _np(inst.keypoints), _np(inst.keypoint_scores)
    ok = (sc > kpt_thr) & np.isfinite(kpts).all(-1)
    big = np.where(ok[..., None], kpts, np.inf)
    small = np.where(ok[..., None], kpts, -np.inf)
    ext = np.concatenate([big.min(1), small.max(1)], axis=1)
    prev = _np(inst.bboxes).astype(np.float32)
    use = (ok.sum(1) >= 2)[:, None]
    boxes = np.where(use, ext, prev).astype(np.float32)
    return boxes, _np(inst.bbox_scores).astype(np.float32)


def default_kpt_thr(model, num_keypoints: int):
    """AlphaPose's drawing threshold (``vis_thres``, facts §9.3): 0.05 for
    regression (SIKR) heads, 0.4 for heatmap heads, and for combined heads 0.4 on
    body+feet and 0.05 on the last 110 (face + hands) keypoints."""
    name = type(getattr(model, 'head', None)).__name__.lower()
    if 'combined' in name:
        thr = np.full(num_keypoints, 0.4, np.float32)
        thr[-110 if num_keypoints > 110 else num_keypoints - 42:] = 0.05
        return thr
    if 'sikr' in name or 'regress' in name or 'integral' in name:
        return 0.05
    if 'heatmap' in name:
        return 0.4
    return 0.3


def tracker_predicted_boxes(tracker, inst: InstanceData) -> Optional[np.ndarray]:
    """Kalman-predicted next-frame boxes (xyxy) of the tracks of ``inst``
    (rows without a live track get NaN), when the tracker exposes Kalman
    tracks (``tracks`` with ``mean``/``covariance`` in xyah, and ``kf``);
    the tracker's state is not changed."""
    tracks, kf = getattr(tracker, 'tracks', None), getattr(tracker, 'kf', None)
    if not tracks or kf is None or inst is None or 'track_ids' not in inst:
        return None
    by_id = {int(t.track_id): t for t in tracks
             if getattr(t, 'mean', None) is not None}
    ids = [int(i) for i in _np(inst.track_ids).reshape(-1)]
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


def make_det_stage(detector, det_batch: int, det_frequency: int):
    """Detection stage: batches of ``det_batch`` frames (1 for webcams) go
    through ``detector.detect``; with ``det_frequency`` N only every N-th frame
    is detected, the others are marked ``propagate``."""
    def stage(items):
        pending: List[Frame] = []

        def flush():
            if not pending:
                return
            dets = detector.detect([f.img for f in pending],
                                        [f.name for f in pending])
            for f, (boxes, scores) in zip(pending, dets):
                f.extras['bboxes'], f.extras['bbox_scores'] = boxes, scores
            out = list(pending)
            pending.clear()
            yield from out

        for item in items:
            if isinstance(item, Frame) and item.img is not None:
                batch = 1 if item.source.kind == 'webcam' else max(1, det_batch)
                if det_frequency > 1 and item.index % det_frequency:
                    item.extras['propagate'] = True
                    yield from flush()
                    yield item
                    continue
                pending.append(item)
                if len(pending) >= batch:
                    yield from flush()
            else:
                yield from flush()
                yield item
        yield from flush()
    return stage


def make_pose_stage(model, num_keypoints: int, pose_batch: int, flip: Optional[bool],
                    nms, tracker, frames_per_batch: int, kpt_thr, want_heatmaps: bool):
    """Pose stage: all people of up to ``frames_per_batch`` frames in one
    vectorised crop + batched forward, then per frame (in order) POSE_NMS and
    the tracker. Frames marked ``propagate`` get boxes from the tracker's
    Kalman prediction or the previous poses."""
    track_takes_img = tracker is not None and 'img' in inspect.signature(
        tracker.update).parameters

    def post(frame: Frame, samples: Sequence[PoseDataSample]) -> None:
        inst = samples_to_instances(samples) if samples else InstanceData()
        if len(samples) == 0:
            k = num_keypoints
            inst = InstanceData(keypoints=np.zeros((0, k, 2), np.float32),
                                keypoint_scores=np.zeros((0, k), np.float32),
                                bboxes=np.zeros((0, 4), np.float32),
                                bbox_scores=np.zeros((0, ), np.float32))
        keep = np.arange(len(inst))
        if nms is not None and len(inst):
            inst, keep = nms.nms(inst)
        if tracker is not None:
            if track_takes_img:
                inst = tracker.update(inst, frame.index, img=frame.img)
            else:
                inst = tracker.update(inst, frame.index)
        if want_heatmaps and samples and 'pred_fields' in samples[0]:
            frame.extras['heatmaps'] = np.stack(
                [_np(samples[i].pred_fields.heatmaps) for i in keep]) if len(keep) \
                else None
            frame.extras['centers'] = np.stack(
                [samples[i].metainfo['input_center'] for i in keep]) if len(keep) else None
            frame.extras['scales'] = np.stack(
                [samples[i].metainfo['input_scale'] for i in keep]) if len(keep) else None
        frame.extras['instances'] = inst
        state['last'] = inst

    def run(frames: List[Frame]) -> None:
        boxes = [f.extras['bboxes'] for f in frames]
        fids = np.concatenate([np.full(len(b), i) for i, b in enumerate(boxes)])
        samples = predict_people(
            model, [f.img for f in frames], fids.astype(np.int64),
            np.concatenate(boxes) if boxes else np.zeros((0, 4)),
            np.concatenate([f.extras['bbox_scores'] for f in frames]),
            batch_size=pose_batch, flip=flip, img_paths=[f.path for f in frames],
            output_heatmaps=want_heatmaps)
        for f, idx in zip(frames, group_by_frame(fids, len(frames))):
            post(f, [samples[i] for i in idx])

    state = {'last': None}

    def stage(items):
        pending: List[Frame] = []

        def flush():
            if pending:
                run(pending)
                out = list(pending)
                pending.clear()
                yield from out

        for item in items:
            if isinstance(item, Frame) and item.img is not None:
                if item.extras.get('propagate'):
                    yield from flush()
                    boxes, scores = boxes_from_poses(state['last'], kpt_thr)
                    pred = tracker_predicted_boxes(tracker, state['last'])
                    if pred is not None and len(pred) == len(boxes):
                        ok = np.isfinite(pred).all(1) & (pred[:, 2] > pred[:, 0]) \
                            & (pred[:, 3] > pred[:, 1])
                        boxes = np.where(ok[:, None], pred, boxes).astype(np.float32)
                    item.extras['bboxes'], item.extras['bbox_scores'] = boxes, scores
                    run([item])
                    yield item
                    continue
                pending.append(item)
                if len(pending) >= frames_per_batch or item.source.kind == 'webcam':
                    yield from flush()
                continue
            yield from flush()
            if isinstance(item, SourceStart):
                state['last'] = None
                if tracker is not None:
                    tracker.reset()
            yield item
        yield from flush()
    return stage

# ------------------------------------------------------------------- call
