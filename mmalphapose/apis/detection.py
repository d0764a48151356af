"""Person-detection stage of the inferencer.

Person boxes behind one small protocol, :class:`PersonDetector`:
``detect(frames, names, score_thr=None, nms_thr=None) -> list of (bboxes (n,4)
xyxy, scores (n,))``; the thresholds of one call are arguments (default: the
constructor's), never changes of the detector object:

* :class:`MMDetPersonDetector` — any mmdet detector (config + checkpoint);
  mmdet is imported lazily.
* ``ONNXPersonDetector`` (``models/detectors``) — our bundled NanoDet (no
  mmdet), built from its detection config; it has ``detect`` itself.
* :class:`DetFilePersonDetector` — boxes from a detection JSON: AlphaPose
  ``--detfile`` (``image_id`` = file name, ``bbox`` xywh, ``score``;
  alphapose/utils/file_detector.py:70-78)
  or COCO detection results (numeric ``image_id``).
"""
import json
import os.path as osp
import re
from collections import defaultdict
from typing import Dict, List, Optional, Protocol, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmalphapose.post_processing.box_nms import filter_boxes
from mmalphapose.utils import import_mmdet, to_numpy

Boxes = Tuple[np.ndarray, np.ndarray]


class PersonDetector(Protocol):
    """What the pipeline needs of a detector."""
    name: str

    def detect(self,
               frames: Sequence[np.ndarray],
               names: Sequence[str] = (),
               score_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> List[Boxes]:
        """Person boxes (n,4) xyxy and scores (n,) of each frame."""


def _pick(value, default):
    """The call's value when given, else the constructor's."""
    return default if value is None else value


class MMDetPersonDetector:
    """Any mmdet detector, run on a batch of frames at once."""

    def __init__(self,
                 config: str,
                 checkpoint: Optional[str],
                 device: str = 'cpu',
                 person_id: int = 0,
                 score_thr: float = 0.3,
                 nms_thr: Optional[float] = None):
        apis = import_mmdet('mmdet detectors (--det-config)', 'apis')
        from mmalphapose.utils import enable_safe_checkpoint_loading
        enable_safe_checkpoint_loading()
        self._inference = apis.inference_detector
        # mmdet switches the global default scope; keep that inside these calls
        with DefaultScope.overwrite_default_scope('mmdet'):
            self.model = apis.init_detector(config, checkpoint, device=device)
        self.person_id, self.score_thr, self.nms_thr = person_id, score_thr, nms_thr
        self.name = f'mmdet:{osp.basename(config)}'

    def detect(self,
               frames: Sequence[np.ndarray],
               names: Sequence[str] = (),
               score_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> List[Boxes]:
        with DefaultScope.overwrite_default_scope('mmdet'):
            results = self._inference(self.model, list(frames))
        out = []
        for res in results:
            pred = res.pred_instances
            out.append(
                filter_boxes(
                    to_numpy(pred.bboxes), to_numpy(pred.scores), to_numpy(pred.labels),
                    self.person_id, _pick(score_thr, self.score_thr), _pick(nms_thr, self.nms_thr)))
        return out


def numeric_image_id(name: str) -> Optional[int]:
    """COCO-style numeric id of a file name: '000000197388.jpg' -> 197388,
    'COCO_val2014_000000000042.jpg' -> 42, '12.jpg' -> 12."""
    m = re.search(r'(\d+)$', osp.splitext(osp.basename(str(name)))[0])
    return int(m.group(1)) if m else None


class DetFilePersonDetector:
    """Boxes from a detection JSON instead of a detector.

    Frames are matched by file name (full, basename or stem), AlphaPose video
    frame name ``"<frame_idx>.jpg"``, or the numeric COCO id of the file name.
    Frames missing from the file get no boxes.
    """

    def __init__(self,
                 detfile: str,
                 person_id: int = 1,
                 score_thr: float = 0.0,
                 nms_thr: Optional[float] = None):
        if not osp.isfile(detfile):
            raise FileNotFoundError(f'detection file "{detfile}" not found')
        try:
            with open(detfile) as f:
                dets = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f'detection file "{detfile}" is not valid JSON: {exc}') from exc
        if isinstance(dets, dict) and 'annotations' in dets:
            dets = dets['annotations']
        if not isinstance(dets, list):
            raise ValueError(f'detection file "{detfile}" must hold a list of '
                             '{image_id, bbox, score} records')
        table: Dict[object, list] = defaultdict(list)
        for i, d in enumerate(dets):
            if not isinstance(d, dict) or 'image_id' not in d or 'bbox' not in d:
                raise ValueError(f'detection file "{detfile}": record {i} needs '
                                 f'"image_id" and "bbox", got {d!r:.120}')
            cat = d.get('category_id', person_id)
            if cat != person_id and not (person_id == 1 and cat in (0, 1)):
                continue
            bbox = d['bbox']
            if len(bbox) < 4:
                raise ValueError(f'detection file "{detfile}": record {i} has bbox '
                                 f'{bbox} (need x, y, w, h)')
            key = d['image_id']
            table[key if isinstance(key, int) else str(key)].append(
                [*bbox[:4], float(d.get('score', 1.0))])
        self.table = {k: np.asarray(v, dtype=np.float32) for k, v in table.items()}
        self.score_thr, self.nms_thr = score_thr, nms_thr
        self.name = f'detfile:{osp.basename(detfile)}'

    def _lookup(self, name: str) -> Optional[np.ndarray]:
        base = osp.basename(str(name))
        for key in (str(name), base, osp.splitext(base)[0]):
            if key in self.table:
                return self.table[key]
        num = numeric_image_id(base)
        if num is not None and num in self.table:
            return self.table[num]
        return None

    def detect(self,
               frames: Sequence[np.ndarray],
               names: Sequence[str] = (),
               score_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> List[Boxes]:
        score_thr, nms_thr = _pick(score_thr, self.score_thr), _pick(nms_thr, self.nms_thr)
        out = []
        for i, name in enumerate(names):
            img = frames[i] if i < len(frames) else None
            rows = self._lookup(name)
            if rows is None or len(rows) == 0:
                out.append((np.zeros((0, 4), np.float32), np.zeros((0, ), np.float32)))
                continue
            xyxy = rows[:, :4].copy()
            xyxy[:, 2:] += xyxy[:, :2]
            out.append(
                filter_boxes(xyxy, rows[:, 4], None, 0, score_thr, nms_thr,
                             getattr(img, 'shape', None)))
        return out


class WholeImageDetector:
    """Fallback without any detector: one box covering the whole frame."""
    name = 'whole-image box (no detector)'

    def detect(self,
               frames: Sequence[np.ndarray],
               names: Sequence[str] = (),
               score_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> List[Boxes]:
        return [(np.array([[0, 0, f.shape[1], f.shape[0]]], np.float32), np.ones(1, np.float32))
                for f in frames]


def build_person_detector(det_config: Optional[str] = None,
                          det_checkpoint: Optional[str] = None,
                          detfile: Optional[str] = None,
                          device: str = 'cpu',
                          person_id: int = 0,
                          score_thr: float = 0.3,
                          nms_thr: Optional[float] = None,
                          options: Optional[dict] = None):
    """Pick the detection source: a detfile, our ONNX detector, an mmdet model,
    or (nothing given) the whole-image box. ``options`` override the ONNX
    detector's constructor args (e.g. ``num_threads``)."""
    if detfile:
        return DetFilePersonDetector(detfile, score_thr=score_thr, nms_thr=nms_thr)
    if not det_config:
        return WholeImageDetector()
    from mmalphapose.utils.resources import resolve_resource
    from .model_index import find_model
    entry = find_model(det_config)
    if entry is not None and entry.task == 'detection':  # a name of the model index
        det_config = resolve_resource(entry.config, 'detector config')
        det_checkpoint = det_checkpoint or resolve_resource(entry.weights, 'detector weights')
    det_config = resolve_resource(det_config, 'detector config')
    from mmalphapose.utils.config import load_config
    from mmalphapose.utils.options import check_category_id
    cfg = load_config(det_config)  # errors name the file
    check_category_id(cfg.get('model', {}), person_id, det_config)
    model_type = str(cfg.get('model', {}).get('type', ''))
    if model_type.split('.')[-1] == 'ONNXPersonDetector':
        if str(device).startswith('cuda'):  # onnxruntime's CUDA provider
            options = dict(options or {}, device=str(device))
        return build_onnx_detector(cfg, det_checkpoint, person_id, score_thr, nms_thr,
                                   f'onnx:{osp.basename(det_config)}', options)
    if not det_checkpoint and not cfg.get('load_from'):
        warn_random_detector(det_config)
    detector = MMDetPersonDetector(det_config, det_checkpoint, device, person_id, score_thr,
                                   nms_thr)
    if not det_checkpoint and not cfg.get('load_from'):
        detector.name += ' (RANDOM WEIGHTS)'
    return detector


def build_onnx_detector(config: Config,
                        checkpoint: Optional[str] = None,
                        person_id: int = 0,
                        score_thr: float = 0.3,
                        nms_thr: Optional[float] = None,
                        name: str = 'onnx',
                        options: Optional[dict] = None):
    """Our ``ONNXPersonDetector`` (MODELS) from a detection config, with this
    run's person class, thresholds and ``options`` (e.g. ``num_threads``);
    it is the ``PersonDetector`` itself (its ``detect``)."""
    from mmalphapose.registry import MODELS
    from mmalphapose.utils.resources import resolve_resource
    model_cfg = dict(config.model, **(options or {}))
    model_cfg.update(person_class=person_id, score_thr=score_thr, nms_thr=nms_thr)
    if checkpoint:
        model_cfg['model_path'] = checkpoint
    if model_cfg.get('model_path'):
        model_cfg['model_path'] = resolve_resource(model_cfg['model_path'], 'ONNX detector file')
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        detector = MODELS.build(model_cfg)
    detector.name = name
    return detector


def warn_random_detector(det_config: str) -> None:
    """The loud warning of a detector built without weights (as the pose
    model's): its boxes are meaningless."""
    import logging
    import warnings

    from mmengine.logging import print_log
    print_log(
        '!' * 70 + f'\nNo detector checkpoint for "{det_config}": the detector has RANDOM '
        'WEIGHTS and its boxes are meaningless.\nPass --det-checkpoint / det_weights.\n' + '!' * 70,
        logger='current',
        level=logging.WARNING)
    warnings.warn(f'detector "{det_config}" has random weights (no checkpoint)')
