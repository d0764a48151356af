"""COCO keypoint AP (xtcocotools) with per-dataset sigmas and whole-body parts."""
import contextlib
import io
import json
import os.path as osp
import tempfile
from collections import OrderedDict, defaultdict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmalphapose.registry import METRICS, POSE_NMS
from mmalphapose.utils.array_conversion import as_rows, to_numpy
from ..functional import KeypointConverter, rescore_instances

#: xtcocotools field / iouType of each whole-body part, in concatenation order
PART_FIELDS = OrderedDict(
    body=('keypoints', 'keypoints'),
    foot=('foot_kpts', 'keypoints_foot'),
    face=('face_kpts', 'keypoints_face'),
    left_hand=('lefthand_kpts', 'keypoints_lefthand'),
    right_hand=('righthand_kpts', 'keypoints_righthand'))
PART_SCORE_KEYS = ('foot_score', 'face_score', 'lefthand_score', 'righthand_score',
                   'wholebody_score')
WHOLEBODY_GT_FIELDS = ('keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts', 'righthand_kpts')
STAT_NAMES = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)',
              'AR (L)')


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default) if hasattr(obj, key) else default


@METRICS.register_module()
class CocoMetric(BaseMetric):
    """COCO keypoint AP/AR computed by xtcocotools' COCOeval.

    Args:
        ann_file: COCO-style GT JSON (COCO, Halpe, COCO-WholeBody split
            fields, PoseTrack18). Whole-body GT fields are concatenated in
            body/foot/face/left hand/right hand order. When ``None``, the GT
            is rebuilt from each sample's ``raw_ann_info`` (GT-box mode).
        use_area: use the GT ``area`` in OKS (falls back to box area x 0.53,
            with a warning, when the GT has no ``area``).
        score_mode: ``'bbox'``, ``'bbox_keypoint'`` (default), ``'keypoint'``
            or ``'alphapose'`` (see :func:`rescore_instances`).
        keypoint_score_thr: keypoint score threshold of the rescoring.
        nms_mode: ``'none'`` or a POSE_NMS name (``'ParametricPoseNMS'``,
            ``'OKSNMS'``, ``'SoftOKSNMS'``...), built with
            ``metainfo=dataset_meta`` and ``nms_cfg``; applied per image.
        nms_cfg: extra constructor arguments of the pose NMS.
        format_only: only dump the results JSON (needs ``outfile_prefix``).
        outfile_prefix: results go to ``{prefix}.keypoints.json``.
        pred_converter / gt_converter: ``dict(num_keypoints, mapping=[(src,
            dst), ...])`` to map predictions / GT into the metainfo layout,
            e.g. a Halpe-136 model on COCO-17 GT. Without gt_converter,
            136-keypoint Halpe GT under Halpe-26 metainfo uses its first 26.
        sigmas: override of the metainfo sigmas.
        parts: whole-body part split (defaults to ``dataset_meta['parts']``);
            when set, per-part AP and the whole-body AP are reported.

    Each result carries its prediction's box (``pred_instances.bboxes`` as
    xywh, when the predictions have boxes) as MMPose's CocoMetric writes it,
    so COCO's ``loadRes`` takes the box area (not the keypoint extent) as the
    result's area and AP (M) / AP (L) equal MMPose's.
    """

    default_prefix: Optional[str] = 'coco'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 use_area: bool = True,
                 score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2,
                 nms_mode: str = 'none',
                 nms_cfg: Optional[dict] = None,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 pred_converter: Optional[dict] = None,
                 gt_converter: Optional[dict] = None,
                 sigmas: Optional[Sequence[float]] = None,
                 parts: Optional[Dict[str, List[int]]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if score_mode not in ('bbox', 'bbox_keypoint', 'keypoint', 'alphapose'):
            raise ValueError(f'CocoMetric: unknown score_mode "{score_mode}"')
        if format_only and not outfile_prefix:
            raise ValueError('CocoMetric: format_only=True needs outfile_prefix')
        if nms_mode != 'none' and nms_mode not in POSE_NMS:
            import mmalphapose.post_processing  # noqa: F401  (registers POSE_NMS)
            if nms_mode not in POSE_NMS:
                raise ValueError(f'CocoMetric: nms_mode "{nms_mode}" is neither "none" nor a '
                                 f'POSE_NMS module ({sorted(POSE_NMS.module_dict)})')
        self.ann_file = ann_file
        self.use_area = use_area
        self.score_mode = score_mode
        self.keypoint_score_thr = keypoint_score_thr
        self.nms_mode = nms_mode
        self.nms_cfg = dict(nms_cfg or {})
        self.format_only = format_only
        self.outfile_prefix = outfile_prefix
        self.pred_converter = KeypointConverter(**pred_converter) if pred_converter else None
        self.gt_converter = KeypointConverter(**gt_converter) if gt_converter else None
        self.sigmas = None if sigmas is None else np.asarray(sigmas, np.float64)
        self.parts = parts
        self._nms = None

    # ------------------------------------------------------------------ process
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store each sample's predictions (numpy) with its ids."""
        for ds in data_samples:
            pred = _get(ds, 'pred_instances')
            if pred is None:
                raise ValueError('CocoMetric: data sample without "pred_instances"')
            kpts = to_numpy(_get(pred, 'keypoints')).astype(np.float64)
            if kpts.ndim == 2:
                kpts = kpts[None]
            n = kpts.shape[0]
            scores = _get(pred, 'keypoint_scores')
            scores = np.ones(kpts.shape[:2]) if scores is None else \
                as_rows(scores, n, name='pred_instances.keypoint_scores')
            bbox_scores = _get(pred, 'bbox_scores')
            bbox_scores = np.ones(n) if bbox_scores is None else \
                to_numpy(bbox_scores).astype(np.float64).reshape(-1)
            bboxes = _get(pred, 'bboxes')
            bboxes = None if bboxes is None else to_numpy(bboxes).astype(np.float64).reshape(-1, 4)
            meta = ds if isinstance(ds, dict) else ds.metainfo
            finite = np.isfinite(kpts[..., :2]).all((1, 2)) & np.isfinite(scores).all(1) \
                & np.isfinite(bbox_scores)
            if not finite.all():
                MMLogger.get_current_instance().warning(
                    f'CocoMetric: dropping {int((~finite).sum())} prediction(s) with NaN/inf '
                    f'values (img_id={_get(meta, "img_id")}, id={_get(meta, "id")})')
                kpts, scores, bbox_scores = kpts[finite], scores[finite], bbox_scores[finite]
                bboxes = None if bboxes is None else bboxes[finite]
            img_id = _get(meta, 'img_id')
            if img_id is None:
                raise ValueError('CocoMetric: data sample has no "img_id"')
            raw = _get(meta, 'raw_ann_info')
            ori_shape = _get(meta, 'ori_shape')
            self.results.append(
                dict(
                    raw_ann_info=raw if self.ann_file is None else None,
                    ori_shape=None if ori_shape is None else tuple(int(v) for v in ori_shape),
                    img_id=img_id,
                    id=_get(meta, 'id'),
                    category_id=_get(meta, 'category_id', 1),
                    keypoints=kpts[..., :2],
                    keypoint_scores=scores,
                    bbox_scores=bbox_scores,
                    bboxes=bboxes))

    # ------------------------------------------------------------------ helpers
    @property
    def _meta(self) -> dict:
        return self.dataset_meta or {}

    def _num_keypoints(self) -> int:
        if self._meta.get('num_keypoints'):
            return int(self._meta['num_keypoints'])
        if self.sigmas is not None:
            return len(self.sigmas)
        raise ValueError('CocoMetric: dataset_meta has no num_keypoints; set the metric\'s '
                         'dataset_meta or sigmas')

    def _get_sigmas(self, k: int) -> np.ndarray:
        sigmas = self.sigmas if self.sigmas is not None else self._meta.get('sigmas')
        if sigmas is None:
            raise ValueError('CocoMetric: no sigmas (dataset_meta["sigmas"] or sigmas=...)')
        sigmas = np.asarray(sigmas, np.float64)
        if len(sigmas) != k:
            raise ValueError(f'CocoMetric: {len(sigmas)} sigmas for {k} keypoints')
        return sigmas

    def _get_parts(self, k: int) -> Optional[Dict[str, List[int]]]:
        parts = self.parts if self.parts is not None else self._meta.get('parts')
        if not parts:
            return None
        unknown = set(parts) - set(PART_FIELDS)
        if unknown:
            raise ValueError(f'CocoMetric: unknown part names {sorted(unknown)} '
                             f'(use {list(PART_FIELDS)})')
        order = [i for name in PART_FIELDS for i in parts.get(name, [])]
        if order != list(range(k)) or set(parts) != set(PART_FIELDS):
            raise ValueError('CocoMetric: parts must be body/foot/face/left_hand/right_hand '
                             f'covering 0..{k - 1} in order')
        return {name: list(parts[name]) for name in PART_FIELDS}

    def _gt_keypoints(self, ann: dict, k: int, source: str) -> np.ndarray:
        if all(f in ann for f in WHOLEBODY_GT_FIELDS[1:]):
            flat = [v for f in WHOLEBODY_GT_FIELDS for v in ann[f]]
        else:
            flat = ann.get('keypoints')
        if not isinstance(flat, list) or len(flat) % 3:
            raise ValueError(f'{source}: annotation id={ann.get("id")} has malformed keypoints')
        kpts = np.asarray(flat, np.float64).reshape(1, -1, 3)
        if self.gt_converter is not None:
            kpts, _ = self.gt_converter(kpts)
        elif (self._meta.get('dataset_name'), kpts.shape[1], k) == ('halpe26', 136, 26):
            kpts = kpts[:, :26]  # Halpe-26 = the first 26 Halpe-FullBody keypoints
        if kpts.shape[1] != k:
            raise ValueError(f'{source}: annotation id={ann.get("id")} has {kpts.shape[1]} '
                             f'keypoints, the metric expects {k} (set gt_converter to map them)')
        return kpts[0]

    def _split(self, kpts3: np.ndarray, parts: Optional[Dict[str, List[int]]]) -> dict:
        """(K,3) -> xtcocotools keypoint fields."""
        if parts is None:
            return dict(keypoints=kpts3.reshape(-1).tolist())
        return {
            PART_FIELDS[name][0]: kpts3[ids].reshape(-1).tolist()
            for name, ids in parts.items()
        }

    def _build_nms(self):
        if self._nms is None:
            self._nms = POSE_NMS.build(
                dict(type=self.nms_mode, metainfo=self._meta, **self.nms_cfg))
        return self._nms

    # ------------------------------------------------------------------ results
    def results_to_coco(self, results: List[dict]) -> List[dict]:
        """Group per image, convert layout, rescore, (pose-NMS) -> COCO results."""
        k = self._num_keypoints()
        parts = self._get_parts(k)
        by_img: Dict[Any, List[dict]] = defaultdict(list)
        for r in results:
            by_img[r['img_id']].append(r)
        out = []
        for img_id, rs in by_img.items():
            # de-duplicate samples seen twice (distributed padding)
            seen, uniq = set(), []
            for r in rs:
                key = (r['id'], r['keypoints'].tobytes()) if r['id'] is not None else id(r)
                if key not in seen:
                    seen.add(key)
                    uniq.append(r)
            kpts = np.concatenate([r['keypoints'] for r in uniq])
            scores = np.concatenate([r['keypoint_scores'] for r in uniq])
            bbox_scores = np.concatenate([r['bbox_scores'] for r in uniq])
            cats = np.concatenate([np.full(len(r['keypoints']), r['category_id']) for r in uniq])
            if self.pred_converter is not None:
                kpts, scores = self.pred_converter(kpts, scores)
            if kpts.shape[1] != k:
                raise ValueError(f'CocoMetric: predictions have {kpts.shape[1]} keypoints, the '
                                 f'dataset has {k} (set pred_converter)')
            has_boxes = any(r['bboxes'] is not None for r in uniq)
            bboxes = np.concatenate([
                r['bboxes'] if r['bboxes'] is not None else np.concatenate(
                    [r['keypoints'].min(1), r['keypoints'].max(1)], 1) for r in uniq
            ])
            if self.nms_mode != 'none' and len(kpts) > 1:
                inst = InstanceData(
                    keypoints=kpts, keypoint_scores=scores, bboxes=bboxes, bbox_scores=bbox_scores)
                kept, keep = self._build_nms().nms(inst)
                keep = np.asarray(keep, np.int64).reshape(-1)
                kpts = to_numpy(kept.keypoints).astype(np.float64)
                scores = as_rows(kept.keypoint_scores, len(kpts), name='keypoint_scores')
                bbox_scores, cats, bboxes = bbox_scores[keep], cats[keep], bboxes[keep]
            inst_scores = rescore_instances(bbox_scores, scores, self.score_mode,
                                            self.keypoint_score_thr)
            kpts3 = np.concatenate([kpts, scores[..., None]], axis=-1)
            for i in range(len(kpts3)):
                entry = dict(image_id=img_id, category_id=int(cats[i]), score=float(inst_scores[i]))
                if has_boxes:  # as MMPose: COCO's loadRes then takes the box area
                    x1, y1, x2, y2 = (float(v) for v in bboxes[i])
                    entry['bbox'] = [x1, y1, x2 - x1, y2 - y1]
                entry.update(self._split(kpts3[i], parts))
                if parts is not None:  # xtcocotools' per-part ranking keys (same score)
                    entry.update({key: entry['score'] for key in PART_SCORE_KEYS})
                out.append(entry)
        return out

    def _gt_from_samples(self, results: List[dict]) -> dict:
        """COCO GT rebuilt from the samples' ``raw_ann_info`` (when ann_file is None)."""
        images, anns = {}, {}
        for r in results:
            raw = r.get('raw_ann_info')
            if not isinstance(raw, dict):
                raise ValueError('CocoMetric: without ann_file every data sample needs the GT '
                                 'annotation in metainfo["raw_ann_info"] (GT-box mode); set '
                                 'ann_file for detection-box evaluation')
            h, w = r['ori_shape'] or (0, 0)
            images[r['img_id']] = dict(id=r['img_id'], height=h, width=w)
            anns[raw['id']] = raw
        return dict(images=list(images.values()), annotations=list(anns.values()))

    def _prepare_gt(self, outdir: str, results: Optional[List[dict]] = None) -> tuple:
        from mmalphapose.datasets.datasets.base_coco_style import load_json_file
        if self.ann_file:
            gt = load_json_file(self.ann_file)
        else:
            gt = self._gt_from_samples(results or [])
        source = self.ann_file or 'GT from data samples'
        if not isinstance(gt, dict) or 'annotations' not in gt or 'images' not in gt:
            raise ValueError(f'{source}: not a COCO annotation file')
        k = self._num_keypoints()
        parts = self._get_parts(k)
        anns, has_area = [], True
        for ann in gt['annotations']:
            kpts3 = self._gt_keypoints(ann, k, source)
            new = {
                key: v
                for key, v in ann.items()
                if key not in WHOLEBODY_GT_FIELDS and key != 'segmentation'
            }
            new['iscrowd'] = int(bool(ann.get('iscrowd', 0)))
            new.update(self._split(kpts3, parts))
            has_area &= 'area' in ann
            anns.append(new)
        cats = gt.get('categories') or [dict(id=1, name='person', supercategory='person')]
        gt_file = osp.join(outdir, 'gt.json')
        with open(gt_file, 'w') as f:
            json.dump(dict(images=gt['images'], annotations=anns, categories=cats), f)
        use_area = self.use_area
        if use_area and not has_area:
            MMLogger.get_current_instance().warning(
                f'CocoMetric: {source} has annotations without "area"; using '
                'use_area=False (box area x 0.53)')
            use_area = False
        return gt_file, parts, use_area

    def dump_results(self, coco_results: List[dict], prefix: str) -> str:
        path = f'{prefix}.keypoints.json'
        with open(path, 'w') as f:
            json.dump(coco_results, f)
        return path

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        coco_results = self.results_to_coco(results)
        tmp = None
        if self.outfile_prefix is None:
            tmp = tempfile.TemporaryDirectory()
            prefix = osp.join(tmp.name, 'results')
        else:
            prefix = self.outfile_prefix
        res_file = self.dump_results(coco_results, prefix)
        if self.format_only:
            logger.info(f'CocoMetric: results saved to {res_file}')
            return {}
        try:
            outdir = tmp.name if tmp else osp.dirname(osp.abspath(prefix))
            gt_file, parts, use_area = self._prepare_gt(outdir, results)
            k = self._num_keypoints()
            sigmas = self._get_sigmas(k)
            metrics = OrderedDict()
            if parts is None:
                stats = coco_keypoint_eval(gt_file, res_file, 'keypoints', sigmas, use_area)
                metrics.update(zip(STAT_NAMES, stats))
            else:
                for name, (_, iou_type) in PART_FIELDS.items():
                    stats = coco_keypoint_eval(gt_file, res_file, iou_type, sigmas[parts[name]],
                                               use_area)
                    metrics.update({f'{name}/{s}': v for s, v in zip(STAT_NAMES, stats)})
                stats = coco_keypoint_eval(gt_file, res_file, 'keypoints_wholebody', sigmas,
                                           use_area)
                metrics.update(zip(STAT_NAMES, stats))
        finally:
            if tmp is not None:
                tmp.cleanup()
        logger.info('CocoMetric: ' + ', '.join(f'{n}={v:.4f}' for n, v in metrics.items()))
        return dict(metrics)


def coco_keypoint_eval(gt_file: str,
                       res_file: str,
                       iou_type: str,
                       sigmas: np.ndarray,
                       use_area: bool = True) -> List[float]:
    """Run xtcocotools COCOeval and return its 10 summary stats."""
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    with open(res_file) as f:
        res = json.load(f)
    if not res:
        return [0.0] * len(STAT_NAMES)
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(gt_file)
        coco_dt = coco_gt.loadRes(res)
        ev = COCOeval(coco_gt, coco_dt, iou_type, np.asarray(sigmas), use_area)
        ev.params.useSegm = None
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [float(s) for s in ev.stats[:len(STAT_NAMES)]]
