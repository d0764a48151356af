"""COCO-style top-down keypoint dataset (xtcocotools index, mmengine BaseDataset)."""
import contextlib
import copy
import io
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from xtcocotools.coco import COCO

from mmalphapose.registry import DATASETS, TRANSFORMS
from mmalphapose.structures.pose_metainfo import PoseMetainfo

#: metainfo entries copied into every sample (MMPose 1.x + sigmas / name)
SAMPLE_METAINFO_KEYS = ('upper_body_ids', 'lower_body_ids', 'flip_pairs', 'flip_indices',
                        'dataset_keypoint_weights', 'skeleton_links', 'sigmas', 'dataset_name',
                        'num_keypoints')


def load_json_file(path: str, what: str = 'annotation file') -> Any:
    """json.load with errors that name the file (missing / corrupt)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} "{path}" does not exist')
    try:
        with open(path, 'r', encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{what} "{path}" is not valid JSON: {err}') from err
    except UnicodeDecodeError as err:
        raise ValueError(f'{what} "{path}" is not UTF-8 text: {err}') from err


@DATASETS.register_module()
class BaseCocoStyleDataset(BaseDataset):
    """Top-down dataset over a COCO keypoint JSON.

    One sample per person instance (``data_mode='topdown'``), either from the
    GT boxes or, with ``bbox_file`` (test mode), one sample per detected
    person box of a COCO results JSON (``[{image_id, bbox xywh, score,
    category_id}]``) whose score is >= ``filter_cfg['bbox_score_thr']``.

    GT boxes ``[x, y, w, h]`` become ``[x, y, x + w - 1, y + h - 1]`` as in
    AlphaPose's training datasets (``alphapose/utils/bbox.py:61``); boxes of
    a detection file become ``[x, y, x + w, y + h]`` as in AlphaPose's
    detection loader (``coco_det.py:77-78``). Both are clipped to the image.

    Crowd annotations are skipped; instances without visible keypoints are
    skipped when ``filter_cfg['filter_empty_gt']`` (default: not test_mode);
    boxes with zero area after clipping to the image are skipped with a
    logged warning. Missing files, corrupt JSON, a wrong keypoint count or a
    malformed record raise FileNotFoundError / ValueError naming the file and
    the record id.

    Args:
        ann_file: annotation JSON (relative to ``data_root``).
        bbox_file: optional detection results JSON (test mode only).
        data_mode: only ``'topdown'``.
        metainfo: ``dict(from_file=...)`` or a dataset_info dict; defaults
            to the class ``METAINFO``.
        data_root / data_prefix: ``data_prefix=dict(img='val2017/')``.
        filter_cfg: ``filter_empty_gt``, ``min_keypoints``, ``bbox_score_thr``,
            ``domains`` (keep only annotations whose ``domain`` field, as the
            distillation label tools write it, is in this list),
            ``vis_thr`` (a keypoint is visible, weight 1, when its ``v`` is
            >= this; None (default): ``min(1, v)``; AlphaPose's Halpe and
            COCO-WholeBody loaders use 0.35, ``halpe_136.py:107``),
            ``skip_zero_num_keypoints`` (with ``filter_empty_gt``, skip an
            annotation whose ``num_keypoints`` field is 0, as AlphaPose's
            loaders do, e.g. ``coco_wholebody.py:104``; COCO-WholeBody counts
            only body keypoints there, so face/hand-only people are
            dropped; default False), ``skip_zero_area`` (with
            ``filter_empty_gt``, skip an annotation whose ``area`` field is
            <= 0 even when its box is good, as AlphaPose's COCO loader,
            ``mscoco.py:86``; default False).
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/coco.py')

    def __init__(self,
                 ann_file: str = '',
                 bbox_file: Optional[str] = None,
                 data_mode: str = 'topdown',
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''),
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Sequence[int]] = None,
                 serialize_data: bool = True,
                 pipeline: List = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        if data_mode != 'topdown':
            raise ValueError(f'{self.__class__.__name__}: unsupported data_mode "{data_mode}" '
                             "(only 'topdown')")
        if bbox_file and not test_mode:
            raise ValueError(f'{self.__class__.__name__}: bbox_file is only used in test_mode '
                             '(detection boxes carry no keypoint labels)')
        self.data_mode = data_mode
        self.bbox_file = bbox_file
        cfg = dict(filter_empty_gt=not test_mode, min_keypoints=1, bbox_score_thr=0.0)
        cfg.update(filter_cfg or {})
        self.skip_stats: Dict[str, int] = {}
        if bbox_file and data_root and not osp.isabs(bbox_file):
            self.bbox_file = osp.join(data_root, bbox_file)
        # build our transforms from our registry, whatever the default scope is
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            filter_cfg=cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    # ------------------------------------------------------------------ metainfo
    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        if metainfo is None:
            metainfo = copy.deepcopy(cls.METAINFO)
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}')
        if any(k in metainfo for k in ('from_file', 'keypoint_info', 'num_keypoints')):
            return PoseMetainfo.load(metainfo)
        return metainfo

    @property
    def num_keypoints(self) -> int:
        return int(self._metainfo['num_keypoints'])

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        for key in SAMPLE_METAINFO_KEYS:
            if key in self._metainfo:
                info[key] = copy.deepcopy(self._metainfo[key])
        return info

    # ------------------------------------------------------------------ loading
    def extract_keypoints(self, ann: dict) -> np.ndarray:
        """Return the (K, 3) keypoint array of one annotation (subclasses
        override for multi-field / sliced formats)."""
        return self._reshape_keypoints(ann.get('keypoints'), ann, 'keypoints')

    def _reshape_keypoints(self,
                           values: Any,
                           ann: dict,
                           field: str,
                           num: Optional[int] = None) -> np.ndarray:
        num = self.num_keypoints if num is None else num
        if not isinstance(values, (list, tuple)):
            raise ValueError(f'{self.ann_file}: annotation id={ann.get("id")} has no list '
                             f'"{field}" (got {type(values).__name__})')
        if len(values) != 3 * num:
            raise ValueError(f'{self.ann_file}: annotation id={ann.get("id")} "{field}" has '
                             f'{len(values)} values, expected {3 * num} ({num} keypoints x 3) '
                             f'for {self.metainfo.get("dataset_name")}')
        try:
            return np.asarray(values, dtype=np.float32).reshape(num, 3)
        except (TypeError, ValueError) as err:
            raise ValueError(f'{self.ann_file}: annotation id={ann.get("id")} "{field}" is not '
                             f'numeric: {err}') from err

    def _skip(self, reason: str, msg: Optional[str] = None) -> None:
        self.skip_stats[reason] = self.skip_stats.get(reason, 0) + 1
        if msg:
            print_log(msg, logger='current', level=30)

    def _image_info(self, img: dict) -> dict:
        for key in ('id', 'file_name'):
            if key not in img:
                raise ValueError(f'{self.ann_file}: image record {img} has no "{key}"')
        return dict(
            img_id=img['id'],
            img_path=osp.join(self.data_prefix.get('img', '') or '', img['file_name']),
            ori_shape=(int(img.get('height', 0)), int(img.get('width', 0))))

    def _clip_box(self,
                  bbox: Any,
                  img_shape: Tuple[int, int],
                  ann_id: Any,
                  inclusive: bool = False) -> np.ndarray:
        """COCO ``[x, y, w, h]`` -> (1, 4) xyxy clipped to the image;
        ``inclusive``: AlphaPose's GT convention ``x2 = x + max(w - 1, 0)``
        (``bbox_xywh_to_xyxy``), else ``x2 = x + w``."""
        if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
            raise ValueError(f'{self.ann_file}: record id={ann_id} has a malformed "bbox" '
                             f'{bbox!r} (expected [x, y, w, h])')
        x, y, w, h = (float(v) for v in bbox)
        if inclusive:
            w, h = max(w - 1, 0.), max(h - 1, 0.)
        x1, y1, x2, y2 = x, y, x + w, y + h
        ih, iw = img_shape
        if iw > 0 and ih > 0:
            x1, x2 = np.clip([x1, x2], 0, iw - 1)
            y1, y2 = np.clip([y1, y2], 0, ih - 1)
        return np.array([[x1, y1, x2, y2]], dtype=np.float32)

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        """One GT annotation -> one sample dict (``None`` = skipped)."""
        ann, img = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        ann_id = ann.get('id')
        for key in ('image_id', 'bbox'):
            if key not in ann:
                raise ValueError(f'{self.ann_file}: annotation id={ann_id} has no "{key}"')
        if ann.get('iscrowd', 0):
            self._skip('crowd')
            return None
        domains = self.filter_cfg.get('domains')
        if domains is not None and ann.get('domain') not in domains:
            self._skip('domain')
            return None
        kpts = self.extract_keypoints(ann)
        vis_thr = self.filter_cfg.get('vis_thr')
        if vis_thr is None:
            visible = np.minimum(1, kpts[:, 2])
        else:
            visible = (kpts[:, 2] >= vis_thr).astype(np.float32)
        num_visible = int(np.count_nonzero(visible > 0))
        if self.filter_cfg.get('filter_empty_gt'):
            if num_visible < self.filter_cfg.get('min_keypoints', 1):
                self._skip('empty')
                return None
            if self.filter_cfg.get('skip_zero_num_keypoints') and \
                    ann.get('num_keypoints') == 0:
                self._skip('num_keypoints_0')
                return None
            if self.filter_cfg.get('skip_zero_area') and ann.get('area', 1) <= 0:
                self._skip('area_0')
                return None
        bbox = self._clip_box(ann['bbox'], img['ori_shape'], ann_id, inclusive=True)
        if bbox[0, 2] <= bbox[0, 0] or bbox[0, 3] <= bbox[0, 1]:
            self._skip(
                'zero_area', f'{self.ann_file}: skipping annotation id={ann_id} '
                f'(image {img["img_id"]}): zero-area box {ann["bbox"]}')
            return None
        info = dict(img['base'])
        info.update(
            id=ann_id,
            category_id=ann.get('category_id', 1),
            bbox=bbox,
            bbox_score=np.ones(1, dtype=np.float32),
            num_keypoints=num_visible,
            keypoints=kpts[None, :, :2].copy(),
            keypoints_visible=visible[None].copy(),
            iscrowd=int(ann.get('iscrowd', 0)),
            area=np.float32(ann.get('area', 0.)),
            raw_ann_info=copy.deepcopy(ann))
        info.update(self.extra_instance_info(ann))
        return info

    def extra_image_info(self, img: dict) -> dict:
        """Extra per-image fields (e.g. PoseTrack frame ids)."""
        return {}

    def extra_instance_info(self, ann: dict) -> dict:
        """Extra per-instance fields (e.g. PoseTrack track ids)."""
        return {}

    def _load_coco(self) -> Tuple[dict, Dict[Any, dict]]:
        data = load_json_file(self.ann_file)
        if not isinstance(data, dict) or not isinstance(data.get('images'), list) \
                or not isinstance(data.get('annotations'), list):
            raise ValueError(f'{self.ann_file}: not a COCO annotation file (needs "images" and '
                             '"annotations" lists)')
        images = {}
        for img in data['images']:
            if not isinstance(img, dict):
                raise ValueError(f'{self.ann_file}: malformed image record {img!r}')
            base = self._image_info(img)
            base.update(self.extra_image_info(img))
            images[img['id']] = dict(img_id=img['id'], ori_shape=base['ori_shape'], base=base)
        for ann in data['annotations']:
            if not isinstance(ann, dict):
                raise ValueError(f'{self.ann_file}: malformed annotation record {ann!r}')
            for key in ('id', 'image_id'):
                if key not in ann:
                    raise ValueError(f'{self.ann_file}: annotation {ann.get("id", "?")} has no '
                                     f'"{key}"')
            if ann['image_id'] not in images:
                raise ValueError(f'{self.ann_file}: annotation id={ann["id"]} refers to '
                                 f'unknown image_id={ann["image_id"]}')
        data.setdefault('categories', [dict(id=1, name='person')])
        with contextlib.redirect_stdout(io.StringIO()):  # xtcocotools prints progress
            self.coco = COCO(self.ann_file, ann_data=data)
        return data, images

    def load_data_list(self) -> List[dict]:
        data, images = self._load_coco()
        self.skip_stats = {}
        if self.bbox_file:
            data_list = self._load_detections(images)
        else:
            data_list = []
            for img_id in self.coco.getImgIds():
                img = images[img_id]
                for ann in self.coco.loadAnns(self.coco.getAnnIds(imgIds=img_id)):
                    info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=img))
                    if info is not None:
                        data_list.append(info)
        if self.skip_stats:
            print_log(f'{self.__class__.__name__}: {self.ann_file}: skipped '
                      f'{self.skip_stats}',
                      logger='current')
        if not data_list:
            raise ValueError(
                f'{self.__class__.__name__}: no usable person instance in '
                f'"{self.bbox_file or self.ann_file}" ({len(data["annotations"])} annotations, '
                f'skipped: {self.skip_stats or "none"})')
        return data_list

    def _load_detections(self, images: Dict[Any, dict]) -> List[dict]:
        dets = load_json_file(self.bbox_file, 'detection results file')
        if not isinstance(dets, list):
            raise ValueError(f'detection results file "{self.bbox_file}" must hold a list of '
                             '{image_id, bbox, score}')
        thr = self.filter_cfg.get('bbox_score_thr') or 0.0
        k = self.num_keypoints
        data_list = []
        for i, det in enumerate(dets):
            if not isinstance(det, dict) or 'image_id' not in det or 'bbox' not in det:
                raise ValueError(f'{self.bbox_file}: detection #{i} is malformed: {det!r}')
            if det.get('category_id', 1) != 1:
                continue
            score = float(det.get('score', 1.0))
            if score < thr:
                self._skip('low_score')
                continue
            img = images.get(det['image_id'])
            if img is None:
                raise ValueError(f'{self.bbox_file}: detection #{i} refers to image_id='
                                 f'{det["image_id"]} not in "{self.ann_file}"')
            bbox = self._clip_box(det['bbox'], img['ori_shape'], f'#{i}')
            if bbox[0, 2] <= bbox[0, 0] or bbox[0, 3] <= bbox[0, 1]:
                self._skip(
                    'zero_area', f'{self.bbox_file}: skipping detection #{i} '
                    f'(image {det["image_id"]}): zero-area box {det["bbox"]}')
                continue
            info = dict(img['base'])
            info.update(
                id=i,
                category_id=1,
                bbox=bbox,
                bbox_score=np.array([score], dtype=np.float32),
                keypoints=np.zeros((1, k, 2), np.float32),
                keypoints_visible=np.ones((1, k), np.float32))
            data_list.append(info)
        return data_list

    def filter_data(self) -> List[dict]:
        # filtering is done while parsing (crowd / empty / zero area / det score)
        return self.data_list
