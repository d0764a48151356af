"""Result writers: AlphaPose JSON, ``cmu``/``open`` (alphapose/utils/pPose_nms.py:659-751),
OpenPose per-frame JSON, COCO results JSON; overlay videos.

The schemas are documented in docs/output_formats.md. JSON files are written
atomically (temp file + ``os.replace``), so an interrupted run never leaves a
half-written file. While an input runs, the records of the AlphaPose and COCO
formats are also appended to ``<stem>.jsonl`` (one JSON record per line,
flushed after every frame), so a killed or crashed run keeps every finished
frame; the ``.jsonl`` is removed once ``<stem>.json`` is written. Records are
kept in memory as JSON text, not as Python objects.
"""
import json
import logging
import os
import os.path as osp
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.structures import InstanceData

from mmalphapose.post_processing.scores import proposal_score
from mmalphapose.structures import PoseMetainfo
from mmalphapose.structures.pose_metainfo import PART_NAMES
from mmalphapose.utils import io as _io
from mmalphapose.visualization.openpose import BODY25, COCO18, openpose_joints
from .detection import numeric_image_id
from .inputs import STREAM_KINDS, SourceEnd, SourceStart

FORMATS = ('alphapose', 'cmu', 'open', 'openpose', 'coco')
PART_ALIASES = {
    'body': ('body', ),
    'feet': ('foot', ),
    'foot': ('foot', ),
    'face': ('face', ),
    'hands': ('left_hand', 'right_hand'),
    'hand': ('left_hand', 'right_hand'),
    'left_hand': ('left_hand', ),
    'right_hand': ('right_hand', )
}


def atomic_write_json(path: str, obj) -> None:
    """Write JSON atomically (:mod:`mmalphapose.utils.io`, no fsync per file)."""
    _io.atomic_write_json(path, obj, durable=False)


def keypoint_parts(metainfo: dict) -> Dict[str, List[int]]:
    """Keypoint ids per part (body, foot, face, left_hand, right_hand; empty
    lists for the parts the dataset lacks), from :class:`PoseMetainfo`."""
    meta = PoseMetainfo.load(metainfo)
    return {p: meta.part_of(p).tolist() for p in PART_NAMES}


def select_keypoint_ids(metainfo: dict, spec: Optional[str]) -> np.ndarray:
    """Ids kept by ``--keypoints body,feet,face,hands`` (all when ``spec`` is None).

    Raises:
        ValueError: an unknown part, or a part the model has no keypoints of.
    """
    k = metainfo['num_keypoints']
    if not spec or spec == 'all':
        return np.arange(k)
    parts = keypoint_parts(metainfo)
    ids = []
    for token in [t.strip() for t in spec.split(',') if t.strip()]:
        if token not in PART_ALIASES:
            raise ValueError(f'--keypoints: unknown part "{token}" '
                             f'(choose from {sorted(PART_ALIASES)})')
        found = [i for p in PART_ALIASES[token] for i in parts[p]]
        if not found:
            raise ValueError(f'--keypoints: the pose model ({k} keypoints) has no "{token}" '
                             f'keypoints (it has: {", ".join(p for p in parts if parts[p])})')
        ids.extend(found)
    if not ids:
        raise ValueError(f'--keypoints: no part given in "{spec}" (e.g. body,feet,face,hands)')
    return np.unique(np.asarray(ids, dtype=np.int64))


def json_numbers(values: Any, digits: int = 3) -> list:
    """``values`` (any shape) as nested lists of Python floats rounded to
    ``digits`` decimals, NaN / inf (never valid JSON) as 0: the numbers of
    every JSON record the writers write.

    A float32 value times 10**digits (digits <= 6) is exact in float64, so
    ``np.round`` gives the floats of Python's ``round(v, digits)``.
    """
    arr = np.nan_to_num(np.asarray(values, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return np.round(arr, digits).tolist()


class ResultWriter:
    """Collects the per-frame results of one source and writes its JSON files.

    Args:
        out_dir: output folder.
        stem: output file stem (``<stem>.json``).
        metainfo: dataset metainfo of the pose model.
        fmt: one of ``FORMATS``.
        keypoints: the ``--keypoints`` part spec, or the ids it selects
            (:func:`select_keypoint_ids`, resolved once per run).
        tracking: whether ``track_ids`` are present (``idx`` becomes an int).
        stream: append the records of each frame to ``<stem>.jsonl`` as it
            completes (AlphaPose and COCO formats; the per-frame formats
            write a file per frame anyway).

    Attributes:
        frame_folder: the folder of per-frame files (``cmu``, ``open``,
            ``openpose``), else None.
    """

    def __init__(self,
                 out_dir: str,
                 stem: str,
                 metainfo: dict,
                 fmt: str = 'alphapose',
                 keypoints: Union[str, np.ndarray, None] = None,
                 tracking: bool = False,
                 stream: bool = True):
        if fmt not in FORMATS:
            raise ValueError(f'--format must be one of {FORMATS}, got "{fmt}"')
        self.out_dir, self.stem, self.meta, self.fmt = out_dir, stem, metainfo, fmt
        self.ids = keypoints if isinstance(keypoints, np.ndarray) else \
            select_keypoint_ids(metainfo, keypoints)
        # the ids per part: only the OpenPose format splits the keypoints by part
        self.parts = keypoint_parts(metainfo) if fmt == 'openpose' else {}
        self.tracking = tracking
        # records as JSON text: a list (alphapose, coco) or name -> text (cmu, open)
        self.records: Union[List[str], Dict[str, str]] = [] \
            if fmt in ('alphapose', 'coco') else {}
        self.num_frames = 0
        self.json_path = osp.join(out_dir, f'{stem}.json')
        sub = {'cmu': '_sep-json', 'open': '_sep-json', 'openpose': '_openpose'}.get(fmt)
        self.frame_folder = osp.join(out_dir, f'{stem}{sub}') if sub else None
        os.makedirs(out_dir, exist_ok=True)
        self.jsonl_path = osp.join(out_dir, f'{stem}.jsonl')
        self._jsonl = open(self.jsonl_path, 'w') \
            if stream and fmt in ('alphapose', 'coco') else None

    def add(self, name: str, frame_id: int, inst: InstanceData) -> None:
        """Add the (post-processed, numpy) predictions of one frame: the
        records of all its people from the batched arrays at once."""
        self.num_frames += 1
        n = len(inst) if inst is not None and 'keypoints' in inst else 0
        kpts = np.asarray(inst.keypoints, np.float32) if n else \
            np.zeros((0, self.meta['num_keypoints'], 2), np.float32)
        scores = np.asarray(inst.keypoint_scores, np.float32) if n else \
            np.zeros((0, self.meta['num_keypoints']), np.float32)
        if self.fmt not in ('alphapose', 'coco'):
            return getattr(self, f'_add_{self.fmt}')(name, frame_id, inst, n, kpts, scores)
        if not n:
            return None
        # the person score of POSE_NMS (P-NMS, soft-OKS), else the proposal score
        pscore = np.asarray(inst.scores, np.float32).reshape(n, 1) if 'scores' in inst else \
            np.asarray(proposal_score(scores, inst.bbox_scores), np.float32).reshape(n, 1)
        k = len(self.ids)
        cols = [
            np.concatenate([kpts[:, self.ids], scores[:, self.ids, None]], -1).reshape(n, -1),
            pscore
        ]
        if self.fmt == 'alphapose':
            box = np.asarray(inst.bboxes, np.float32).reshape(n, 4)
            cols.append(np.concatenate([box[:, :2], box[:, 2:] - box[:, :2]], 1))  # xywh
        rows = json_numbers(np.concatenate(cols, 1))
        if self.fmt == 'coco':
            img_id = numeric_image_id(name)
            head = dict(image_id=int(frame_id) if img_id is None else img_id, category_id=1)
            recs = [dict(head, keypoints=r[:3 * k], score=r[3 * k]) for r in rows]
        else:
            if self.tracking and 'track_ids' in inst:
                idx = [int(t) for t in np.asarray(inst.track_ids).reshape(n)]
            elif 'idx' in inst:
                idx = [[int(v) for v in np.atleast_1d(i)] for i in inst.idx]
            else:
                idx = [[0]] * n
            head = dict(image_id=name, frame_id=int(frame_id), category_id=1)
            recs = [
                dict(head, keypoints=r[:3 * k], score=r[3 * k], box=r[3 * k + 1:], idx=i)
                for r, i in zip(rows, idx)
            ]
        texts = [json.dumps(r) for r in recs]
        self.records.extend(texts)
        if self._jsonl is not None:
            self._jsonl.write(''.join(t + '\n' for t in texts))
            self._jsonl.flush()
        return None

    # --- per-frame formats ---------------------------------------------------
    def _add_cmu(self, name, frame_id, inst, n, kpts, scores, key='bodies', field='joints'):
        joints = openpose_joints(self.meta, kpts, scores, COCO18)
        rows = json_numbers(joints.astype(np.float32).reshape(n, -1)) if n else []
        entry = {'version': 'AlphaPose v0.3', key: [{field: row} for row in rows]}
        text = json.dumps(entry)
        self.records[name] = text
        _io.atomic_write_text(
            osp.join(self.out_dir, f'{self.stem}_sep-json', f'{osp.splitext(name)[0]}.json'),
            text,
            durable=False)

    def _add_open(self, name, frame_id, inst, n, kpts, scores):
        self._add_cmu(name, frame_id, inst, n, kpts, scores, 'people', 'pose_keypoints_2d')

    def _add_openpose(self, name, frame_id, inst, n, kpts, scores):
        sel = set(self.ids.tolist())
        has_feet = bool(self.parts['foot'])
        order = BODY25 if has_feet else COCO18
        use_body = bool(sel & set(self.parts['body']))
        body = openpose_joints(self.meta, kpts, scores, order) if use_body else None
        full = np.concatenate([kpts, scores[..., None]], -1)

        def part(p):
            ids = [i for i in self.parts[p] if i in sel]
            return full[:, ids] if ids else None

        face, lh, rh = part('face'), part('left_hand'), part('right_hand')
        if has_feet and use_body and not (sel & set(self.parts['foot'])):
            body[:, -6:] = 0

        def rows(arr):  # each person's flat numbers, [] for a part not written
            return json_numbers(arr.astype(np.float32).reshape(n, -1)) if arr is not None \
                and n else [[]] * n

        tids = [int(t) for t in np.asarray(inst.track_ids).reshape(n)] \
            if 'track_ids' in inst else [-1] * n
        people = [
            dict(
                person_id=[tid],
                pose_keypoints_2d=b,
                face_keypoints_2d=f,
                hand_left_keypoints_2d=left,
                hand_right_keypoints_2d=right,
                pose_keypoints_3d=[],
                face_keypoints_3d=[],
                hand_left_keypoints_3d=[],
                hand_right_keypoints_3d=[])
            for tid, b, f, left, right in zip(tids, rows(body), rows(face), rows(lh), rows(rh))
        ]
        entry = dict(version=1.3, people=people)
        self.records[name] = dict(frame_id=int(frame_id), people=len(people))
        atomic_write_json(
            osp.join(self.out_dir, f'{self.stem}_openpose',
                     f'{osp.splitext(name)[0]}_keypoints.json'), entry)

    def close(self) -> Optional[str]:
        """Write the collected JSON (also called on interrupt); remove the
        ``.jsonl`` it supersedes. Returns the JSON's path."""
        if self.fmt == 'openpose':
            index = dict(
                format='openpose',
                body_order='BODY_25' if self.parts['foot'] else 'COCO_18',
                folder=f'{self.stem}_openpose',
                frames=self.records)
            atomic_write_json(self.json_path, index)
        else:  # byte for byte what json.dump of the records (a list or a dict) writes
            text = '[' + ', '.join(self.records) + ']' if isinstance(self.records, list) else \
                '{' + ', '.join(f'{json.dumps(k)}: {v}' for k, v in self.records.items()) + '}'
            with _io.atomic_open(self.json_path, 'w', durable=False) as f:
                f.write(text)
        if self._jsonl is not None:
            self._jsonl.close()
            self._jsonl = None
            os.remove(self.jsonl_path)
        return self.json_path


class VideoSink:
    """Overlay video with the input's fps and size (mp4v), opened on first frame."""

    def __init__(self, path: str, fps: float = 25.0, size: Optional[tuple] = None):
        self.path, self.fps, self.size = path, float(fps or 25.0), size
        self.writer = None
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        if self.writer is None:
            h, w = frame.shape[:2]
            self.size = self.size or (w, h)
            os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
            self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                                          tuple(self.size))
            if not self.writer.isOpened():
                raise IOError(f'cannot open video writer "{self.path}"')
        if (frame.shape[1], frame.shape[0]) != tuple(self.size):
            frame = cv2.resize(frame, tuple(self.size))
        self.writer.write(frame)
        self.count += 1

    def close(self) -> Optional[str]:
        if self.writer is not None:
            self.writer.release()
            self.writer = None
            return self.path
        return None


class FrameWriter:
    """The write stage of a run, in the caller's thread: per frame the JSON
    records, the drawing and the overlay; each input's files are opened at
    its ``SourceStart`` (a unique stem per run) and finished at its
    ``SourceEnd``: its JSON writer, the overlay video (videos, webcams) or
    the overlay images (``<stem>_vis/``).

    Args:
        visualizer: draws ``InstanceData`` (``draw_instances``,
            ``draw_heatmap``); not changed here.
        kpt_thr: keypoint score to draw, a float or (K,).
        out_dir: output folder (None: nothing is written).
        json_writer: ``json_writer(stem)`` gives the JSON writer of an input
            (``add(name, frame_id, inst)``, ``close() -> path``), e.g. a
            ``functools.partial`` of :class:`ResultWriter`; None: no JSON.
        save_vis / save_video: write the overlays of images / of videos.
        draw_bbox / draw_heatmap: what to draw.
        show: show every frame in a window (Esc / q stops the run); ignored
            (warned) without a display: OpenCV's Qt backend aborts the
            process without one.
        return_vis: keep the drawing of every frame.
        wait_time: seconds each shown frame waits.
    """

    def __init__(self,
                 visualizer,
                 kpt_thr,
                 out_dir: Optional[str] = None,
                 json_writer: Optional[Callable[[str], ResultWriter]] = None,
                 save_vis: bool = True,
                 save_video: bool = True,
                 draw_bbox: bool = True,
                 draw_heatmap: bool = False,
                 show: bool = False,
                 return_vis: bool = False,
                 wait_time: float = 0.001):
        display = os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')
        if show and sys.platform.startswith('linux') and not display:
            warnings.warn('--show ignored: no display (DISPLAY is not set)')
            show = False
        self.visualizer, self.kpt_thr, self.out_dir = visualizer, kpt_thr, out_dir
        self.json_writer = json_writer if out_dir else None
        self.save_vis, self.save_video = save_vis and bool(out_dir), save_video and bool(out_dir)
        self.draw_bbox, self.draw_heatmap = draw_bbox, draw_heatmap
        self.show, self.return_vis, self.wait_time = show, return_vis, wait_time
        self.open: Dict[int, tuple] = {}  # id(source) -> (json writer, video, image folder, stem)
        self.stems: Dict[str, int] = {}  # the stems used in this run
        self.written: List[str] = []  # the paths of the finished inputs' files
        self.errors: List[str] = []  # frames that could not be read (skipped)

    def __call__(
            self,
            item) -> Optional[Tuple[object, InstanceData, Optional[str], Optional[np.ndarray]]]:
        """Write one item of the stream; returns ``(frame, instances, stem,
        drawing or None)`` for a processed frame, None for a marker or an
        unreadable frame (logged and counted in ``errors``)."""
        if isinstance(item, SourceStart):
            src, stem = item.source, item.source.stem
            if stem in self.stems:
                self.stems[stem] += 1
                stem = f'{stem}_{self.stems[stem]}'
            self.stems.setdefault(stem, 0)
            stream = src.kind in STREAM_KINDS
            self.open[id(src)] = (
                self.json_writer(stem) if self.json_writer else None,
                VideoSink(osp.join(self.out_dir, f'{stem}_vis.mp4'), src.fps,
                          src.size) if self.save_video and stream else None,
                osp.join(self.out_dir, f'{stem}_vis') if self.save_vis and not stream else None,
                stem)
            return None
        if isinstance(item, SourceEnd):
            self.close(item.source)
            return None
        frame = item
        if frame.img is None:
            self.errors.append(str(frame.error))
            warnings.warn(f'skipping unreadable frame: {frame.error}')
            print_log(
                f'skipping unreadable frame: {frame.error}',
                logger='current',
                level=logging.WARNING)
            return None
        inst = frame.instances if frame.instances is not None else InstanceData()
        writer, sink, vis_dir, stem = self.open.get(id(frame.source), (None, None, None, None))
        if writer is not None:
            writer.add(frame.name, frame.index, inst)
        drawn = None
        if self.show or self.return_vis or sink is not None or vis_dir is not None:
            drawn = self.visualizer.draw_instances(
                frame.img, inst, kpt_thr=self.kpt_thr, draw_bbox=self.draw_bbox)
            if self.draw_heatmap and 'heatmaps' in inst and len(inst):
                drawn = self.visualizer.draw_heatmap(drawn, inst.heatmaps, inst.input_centers,
                                                     inst.input_scales)
            if sink is not None:
                sink.write(drawn)
            elif vis_dir is not None:
                os.makedirs(vis_dir, exist_ok=True)
                cv2.imwrite(
                    osp.join(vis_dir, frame.name if '.' in frame.name else f'{frame.name}.jpg'),
                    drawn)
            if self.show:
                self.show = show_frame(drawn, self.wait_time)
        return frame, inst, stem, drawn

    def close(self, source=None) -> List[str]:
        """Finish the files of ``source`` (None: of every input still open,
        e.g. after an interrupt); returns every path written in this run
        (JSON, overlay video, the folders of overlay images and per-frame
        JSON)."""
        for key in [id(source)] if source is not None else list(self.open):
            writer, sink, _, stem = self.open.pop(key, (None, None, None, None))
            paths = [obj.close() for obj in (writer, sink) if obj is not None]
            folders = [getattr(writer, 'frame_folder', None)]
            if stem and self.out_dir:
                folders.append(osp.join(self.out_dir, f'{stem}_vis'))
            self.written += [p for p in paths if p] + [f for f in folders if f and osp.isdir(f)]
        return self.written


def show_frame(img: np.ndarray, wait_time: float) -> bool:
    """Show a frame; Esc/q stops the run (KeyboardInterrupt). Returns False
    (stop showing) when no display is available."""
    try:
        cv2.imshow('mmalphapose', img)
        key = cv2.waitKey(max(1, int(wait_time * 1000))) & 0xFF
    except cv2.error as exc:
        warnings.warn(f'--show disabled, no display available: {exc}')
        return False
    if key in (27, ord('q')):
        raise KeyboardInterrupt
    return True
