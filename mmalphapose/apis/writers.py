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
import warnings
from typing import Dict, List, Optional, Tuple, Union

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
from .pipeline import SourceEnd, SourceStart

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


def _flat(arr: np.ndarray) -> List[float]:
    """Flat list of float32 values rounded to 3 decimals; NaN/inf (never
    valid JSON) become 0."""
    arr = np.nan_to_num(np.asarray(arr, np.float32).reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
    return [round(v, 3) for v in arr.tolist()]


class ResultWriter:
    """Collects the per-frame results of one source and writes its JSON files.

    Args:
        out_dir: output folder.
        stem: output file stem (``<stem>.json``).
        metainfo: dataset metainfo of the pose model.
        fmt: one of ``FORMATS``.
        keypoints: ``--keypoints`` part spec.
        tracking: whether ``track_ids`` are present (``idx`` becomes an int).
        stream: append the records of each frame to ``<stem>.jsonl`` as it
            completes (AlphaPose and COCO formats; the per-frame formats
            write a file per frame anyway).
    """

    def __init__(self,
                 out_dir: str,
                 stem: str,
                 metainfo: dict,
                 fmt: str = 'alphapose',
                 keypoints: Optional[str] = None,
                 tracking: bool = False,
                 stream: bool = True):
        if fmt not in FORMATS:
            raise ValueError(f'--format must be one of {FORMATS}, got "{fmt}"')
        self.out_dir, self.stem, self.meta, self.fmt = out_dir, stem, metainfo, fmt
        self.ids = select_keypoint_ids(metainfo, keypoints)
        # the ids per part: only the OpenPose format splits the keypoints by part
        self.parts = keypoint_parts(metainfo) if fmt == 'openpose' else {}
        self.tracking = tracking
        # records as JSON text: a list (alphapose, coco) or name -> text (cmu, open)
        self.records: Union[List[str], Dict[str, str]] = [] \
            if fmt in ('alphapose', 'coco') else {}
        self.num_frames = 0
        self.json_path = osp.join(out_dir, f'{stem}.json')
        os.makedirs(out_dir, exist_ok=True)
        self.jsonl_path = osp.join(out_dir, f'{stem}.jsonl')
        self._jsonl = open(self.jsonl_path, 'w') \
            if stream and fmt in ('alphapose', 'coco') else None

    def _append(self, record: dict) -> None:
        """Keep one record (as JSON text) and stream it to the ``.jsonl``."""
        text = json.dumps(record)
        self.records.append(text)
        if self._jsonl is not None:
            self._jsonl.write(text + '\n')

    def add(self, name: str, frame_id: int, inst: InstanceData) -> None:
        """Add the (post-processed, numpy) predictions of one frame."""
        self.num_frames += 1
        n = len(inst) if inst is not None and 'keypoints' in inst else 0
        kpts = inst.keypoints if n else np.zeros((0, self.meta['num_keypoints'], 2))
        scores = inst.keypoint_scores if n else np.zeros((0, self.meta['num_keypoints']))
        getattr(self, f'_add_{self.fmt}')(name, frame_id, inst, n, kpts, scores)
        if self._jsonl is not None:
            self._jsonl.flush()

    # --- formats -------------------------------------------------------------
    def _person_scores(self, inst, n, scores):
        if not n:
            return np.zeros((0, ))
        if 'scores' in inst:  # the person score of POSE_NMS (P-NMS, soft-OKS)
            return np.asarray(inst.scores, dtype=np.float32).reshape(-1)
        return proposal_score(scores, inst.bbox_scores)

    def _add_alphapose(self, name, frame_id, inst, n, kpts, scores):
        flat = np.concatenate([kpts[:, self.ids], scores[:, self.ids, None]], -1)
        pscore = self._person_scores(inst, n, scores)
        for i in range(n):
            box = np.asarray(inst.bboxes[i], dtype=np.float32)
            if self.tracking and 'track_ids' in inst:
                idx = int(inst.track_ids[i])
            elif 'idx' in inst:
                idx = [int(v) for v in np.atleast_1d(inst.idx[i])]
            else:
                idx = [0]
            self._append(
                dict(
                    image_id=name,
                    frame_id=int(frame_id),
                    category_id=1,
                    keypoints=_flat(flat[i]),
                    score=_flat(pscore[i:i + 1])[0],
                    box=_flat([box[0], box[1], box[2] - box[0], box[3] - box[1]]),
                    idx=idx))

    def _add_coco(self, name, frame_id, inst, n, kpts, scores):
        flat = np.concatenate([kpts[:, self.ids], scores[:, self.ids, None]], -1)
        pscore = self._person_scores(inst, n, scores)
        img_id = numeric_image_id(name)
        img_id = int(frame_id) if img_id is None else img_id
        for i in range(n):
            self._append(
                dict(
                    image_id=img_id,
                    category_id=1,
                    keypoints=_flat(flat[i]),
                    score=_flat(pscore[i:i + 1])[0]))

    def _add_cmu(self, name, frame_id, inst, n, kpts, scores, key='bodies', field='joints'):
        joints = openpose_joints(self.meta, kpts, scores, COCO18)
        entry = {'version': 'AlphaPose v0.3', key: [{field: _flat(joints[i])} for i in range(n)]}
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
        people = []
        for i in range(n):
            tid = int(inst.track_ids[i]) if 'track_ids' in inst else -1
            people.append(
                dict(
                    person_id=[tid],
                    pose_keypoints_2d=_flat(body[i]) if body is not None else [],
                    face_keypoints_2d=_flat(face[i]) if face is not None else [],
                    hand_left_keypoints_2d=_flat(lh[i]) if lh is not None else [],
                    hand_right_keypoints_2d=_flat(rh[i]) if rh is not None else [],
                    pose_keypoints_3d=[],
                    face_keypoints_3d=[],
                    hand_left_keypoints_3d=[],
                    hand_right_keypoints_3d=[]))
        entry = dict(version=1.3, people=people)
        self.records[name] = dict(frame_id=int(frame_id), people=len(people))
        atomic_write_json(
            osp.join(self.out_dir, f'{self.stem}_openpose',
                     f'{osp.splitext(name)[0]}_keypoints.json'), entry)

    @property
    def frame_folder(self) -> Optional[str]:
        """The folder of per-frame files (``cmu``/``open``/``openpose``), if any."""
        sub = {'cmu': '_sep-json', 'open': '_sep-json', 'openpose': '_openpose'}.get(self.fmt)
        return osp.join(self.out_dir, f'{self.stem}{sub}') if sub else None

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
        elif isinstance(self.records, dict):
            _io.atomic_write_text(
                self.json_path,
                '{' + ', '.join(f'{json.dumps(k)}: {v}' for k, v in self.records.items()) + '}',
                durable=False)
        else:  # byte for byte what json.dump(list_of_records) writes
            _io.atomic_write_text(self.json_path, '[' + ', '.join(self.records) + ']',
                                  durable=False)
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


class SourceOutputs:
    """The output files of the open inputs of one run: per input the JSON
    writer, the overlay video (videos, webcams) or overlay images (images).

    Args:
        out_dir: output folder (None: nothing is written).
        metainfo: the pose model's metainfo.
        fmt / keypoints / tracking: as :class:`ResultWriter`.
        save_json / save_vis / save_video: which files to write.
    """

    def __init__(self,
                 out_dir: Optional[str],
                 metainfo: dict,
                 fmt: str,
                 keypoints: Optional[str],
                 tracking: bool,
                 save_json: bool = True,
                 save_vis: bool = True,
                 save_video: bool = True):
        self.out_dir, self.metainfo, self.fmt = out_dir, metainfo, fmt
        self.keypoints, self.tracking = keypoints, tracking
        self.save_json, self.save_vis, self.save_video = save_json, save_vis, save_video
        self.open_io: Dict[int, tuple] = {}  # id(source) -> (writer, sink, stem)
        self.used_stems: Dict[str, int] = {}

    def open(self, source) -> None:
        """Start the outputs of an input (a unique stem per run)."""
        stem = source.stem
        if stem in self.used_stems:
            self.used_stems[stem] += 1
            stem = f'{stem}_{self.used_stems[stem]}'
        self.used_stems.setdefault(stem, 0)
        writer = self.make_writer(stem) if self.save_json else None
        sink = VideoSink(osp.join(self.out_dir, f'{stem}_vis.mp4'), source.fps, source.size) \
            if self.save_video and source.is_stream else None
        self.open_io[id(source)] = (writer, sink, stem)

    def make_writer(self, stem: str) -> ResultWriter:
        """The JSON writer of one input (``<stem>.json``); a subclass may
        write another schema (the SMPL records)."""
        return ResultWriter(self.out_dir, stem, self.metainfo, self.fmt, self.keypoints,
                            self.tracking)

    def write_json(self, frame, inst: InstanceData) -> Optional[str]:
        """Add a frame's people to its input's JSON; returns the input's stem."""
        writer, _, stem = self.open_io.get(id(frame.source), (None, None, None))
        if writer is not None:
            writer.add(frame.name, frame.index, inst)
        return stem

    def wants_drawing(self, frame) -> bool:
        """Whether an overlay of this frame is written."""
        _, sink, _ = self.open_io.get(id(frame.source), (None, None, None))
        return sink is not None or (self.save_vis and not frame.source.is_stream)

    def write_drawing(self, frame, drawn: np.ndarray) -> None:
        """Write a frame's overlay into its input's video or image folder."""
        _, sink, stem = self.open_io.get(id(frame.source), (None, None, None))
        if sink is not None:
            sink.write(drawn)
        elif self.save_vis and self.out_dir and not frame.source.is_stream and stem:
            vis_dir = osp.join(self.out_dir, f'{stem}_vis')
            os.makedirs(vis_dir, exist_ok=True)
            name = frame.name if '.' in frame.name else f'{frame.name}.jpg'
            cv2.imwrite(osp.join(vis_dir, name), drawn)

    def close(self, source) -> List[str]:
        """Finish an input's files; returns the paths written (JSON, overlay
        video, and the folders of overlay images and per-frame JSON)."""
        return self._finish(*self.open_io.pop(id(source), (None, None, None)))

    def close_all(self) -> List[str]:
        """Finish every input still open (an interrupted run keeps its files)."""
        paths: List[str] = []
        for key in list(self.open_io):
            paths += self._finish(*self.open_io.pop(key))
        return paths

    def _finish(self, writer, sink, stem: Optional[str]) -> List[str]:
        paths = [obj.close() for obj in (writer, sink) if obj is not None]
        folders = [getattr(writer, 'frame_folder', None)]
        if stem and self.out_dir:
            folders.append(osp.join(self.out_dir, f'{stem}_vis'))
        return [p for p in paths if p] + [f for f in folders if f and osp.isdir(f)]


class FrameWriter:
    """The write stage: per frame the JSON records, the drawing and the
    overlay files, in the caller's thread; each input's files are opened at
    its ``SourceStart`` and finished at its ``SourceEnd``.

    Args:
        outputs: the run's :class:`SourceOutputs` (or ``SMPLOutputs``).
        visualizer: draws ``InstanceData`` (``draw_instances``,
            ``draw_heatmap``); not changed here.
        kpt_thr: keypoint score to draw, a float or (K,).
        draw_bbox / draw_heatmap: what to draw.
        show: show every frame in a window (Esc / q stops the run).
        return_vis: keep the drawing of every frame.
        wait_time: seconds each shown frame waits.
    """

    def __init__(self,
                 outputs: SourceOutputs,
                 visualizer,
                 kpt_thr,
                 draw_bbox: bool = True,
                 draw_heatmap: bool = False,
                 show: bool = False,
                 return_vis: bool = False,
                 wait_time: float = 0.001):
        self.outputs, self.visualizer, self.kpt_thr = outputs, visualizer, kpt_thr
        self.draw_bbox, self.draw_heatmap = draw_bbox, draw_heatmap
        self.show, self.return_vis, self.wait_time = show, return_vis, wait_time
        self.written: List[str] = []  # the paths of the finished inputs' files
        self.errors: List[str] = []  # frames that could not be read (skipped)

    def __call__(
            self,
            item) -> Optional[Tuple[object, InstanceData, Optional[str], Optional[np.ndarray]]]:
        """Write one item of the stream; returns ``(frame, instances, stem,
        drawing or None)`` for a processed frame, None for a marker or an
        unreadable frame (logged and counted in ``errors``)."""
        if isinstance(item, SourceStart):
            self.outputs.open(item.source)
            return None
        if isinstance(item, SourceEnd):
            self.written.extend(self.outputs.close(item.source))
            return None
        frame = item
        if frame.img is None:
            self.errors.append(str(frame.error))
            warnings.warn(f'skipping unreadable frame: {frame.error}')
            print_log(f'skipping unreadable frame: {frame.error}',
                      logger='current',
                      level=logging.WARNING)
            return None
        inst = frame.instances if frame.instances is not None else InstanceData()
        stem = self.outputs.write_json(frame, inst)
        drawn = None
        if self.show or self.return_vis or self.outputs.wants_drawing(frame):
            drawn = self.visualizer.draw_instances(
                frame.img, inst, kpt_thr=self.kpt_thr, draw_bbox=self.draw_bbox)
            if self.draw_heatmap and 'heatmaps' in inst and len(inst):
                drawn = self.visualizer.draw_heatmap(drawn, inst.heatmaps, inst.input_centers,
                                                     inst.input_scales)
            self.outputs.write_drawing(frame, drawn)
            if self.show:
                self.show = show_frame(drawn, self.wait_time)
        return frame, inst, stem, drawn

    def close(self) -> List[str]:
        """Finish every input still open; returns every path written."""
        self.written.extend(self.outputs.close_all())
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
