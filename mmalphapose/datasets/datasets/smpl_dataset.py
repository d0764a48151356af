"""Top-down 3D human dataset with SMPL labels (HybrIK training data)."""
import copy
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset

from mmalphapose.registry import DATASETS, TRANSFORMS
from .base_coco_style import load_json_file
from .utils import parse_pose_metainfo

NUM_JOINTS = 29
NUM_SMPL = 24


def _field(ann: dict, key: str, shape: tuple, where: str) -> Optional[np.ndarray]:
    if ann.get(key) is None:
        return None
    try:
        arr = np.asarray(ann[key], np.float32)
        return arr.reshape(shape)
    except (ValueError, TypeError) as exc:
        raise ValueError(f'{where}: field "{key}" must hold {int(np.prod(shape))} numbers '
                         f'{shape}, got {np.shape(ann[key])}') from exc


@DATASETS.register_module()
class SMPLDataset(BaseDataset):
    """One sample per annotated person of a JSON file in the format of
    ``docs/smpl.md`` (images with camera intrinsics, annotations with a box,
    2D / 3D joints in the 29-joint SMPL+leaves order, SMPL pose / shape /
    twist); every label but the box is optional.

    Per sample: ``img_path``, ``bbox`` (1,4 xyxy), ``keypoints`` (1,29,2)
    image pixels (projected from ``keypoints_3d`` with the camera when
    missing), ``keypoints_visible`` (1,29), ``keypoints_3d`` (1,29,3) metres in
    the camera frame and ``keypoints_3d_visible`` (1,29) (zeros when absent),
    ``smpl_pose`` (1,72), ``smpl_betas`` (1,10), ``smpl_weight`` (1,) (1 with
    SMPL labels), ``smpl_twist`` (1,23,2) and ``smpl_twist_weight`` (1,23).

    Args:
        ann_file: the JSON (relative to ``data_root``).
        data_prefix: ``dict(img='images/')``.
        metainfo: defaults to ``configs/_base_/datasets/smpl29.py``.
        joints_3d_unit: ``'m'`` or ``'mm'`` (Human3.6M's native unit).
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/smpl29.py')

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''),
                 joints_3d_unit: str = 'm',
                 pipeline: List = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 **kwargs) -> None:
        if joints_3d_unit not in ('m', 'mm'):
            raise ValueError(f"SMPLDataset: joints_3d_unit must be 'm' or 'mm', got "
                             f'{joints_3d_unit!r}')
        self.unit_scale = 1e-3 if joints_3d_unit == 'mm' else 1.
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch,
            **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        if metainfo is None:
            metainfo = copy.deepcopy(cls.METAINFO)
        return parse_pose_metainfo(metainfo)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['flip_indices'] = list(self._metainfo['flip_indices'])
        info['dataset_name'] = self._metainfo.get('dataset_name', 'smpl29')
        return info

    def load_data_list(self) -> List[dict]:
        path = self.ann_file
        data = load_json_file(path, 'SMPL annotation file')
        if not isinstance(data, dict) or 'images' not in data or 'annotations' not in data:
            raise ValueError(f'SMPL annotation file "{path}" needs "images" and "annotations"')
        images: Dict[Any, dict] = {}
        for img in data['images']:
            if 'id' not in img or 'file_name' not in img:
                raise ValueError(f'SMPL annotation file "{path}": an image lacks "id" or '
                                 '"file_name"')
            images[img['id']] = img
        out = []
        for ann in data['annotations']:
            where = f'SMPL annotation file "{path}", annotation id={ann.get("id")}'
            img = images.get(ann.get('image_id'))
            if img is None:
                raise ValueError(f'{where}: unknown image_id {ann.get("image_id")!r}')
            out.append(self._parse(ann, img, where))
        return out

    def _parse(self, ann: dict, img: dict, where: str) -> dict:
        box = _field(ann, 'bbox', (4, ), where)
        if box is None:
            raise ValueError(f'{where}: no "bbox" [x, y, w, h]')
        if box[2] <= 0 or box[3] <= 0:
            raise ValueError(f'{where}: "bbox" has zero area {box.tolist()}')
        k3d = _field(ann, 'keypoints_3d', (NUM_JOINTS, -1), where)
        vis3d = np.zeros(NUM_JOINTS, np.float32)
        if k3d is not None:
            vis3d = k3d[:, 3] if k3d.shape[1] == 4 else np.ones(NUM_JOINTS, np.float32)
            k3d = k3d[:, :3] * self.unit_scale
        k2d = _field(ann, 'keypoints_2d', (NUM_JOINTS, -1), where)
        if k2d is not None:
            vis = k2d[:, 2] if k2d.shape[1] == 3 else np.ones(NUM_JOINTS, np.float32)
            k2d = k2d[:, :2]
        elif k3d is not None and img.get('cam_param') is not None:
            cam = img['cam_param']
            f = np.asarray(cam['f'], np.float32).reshape(2)
            c = np.asarray(cam['c'], np.float32).reshape(2)
            k2d = k3d[:, :2] / np.maximum(k3d[:, 2:], 1e-6) * f + c
            vis = vis3d.copy()
        else:
            k2d = np.zeros((NUM_JOINTS, 2), np.float32)
            vis = np.zeros(NUM_JOINTS, np.float32)
        pose = _field(ann, 'smpl_pose', (NUM_SMPL * 3, ), where)
        betas = _field(ann, 'smpl_betas', (10, ), where)
        twist = _field(ann, 'smpl_twist', (NUM_SMPL - 1, 2), where)
        has_smpl = pose is not None and betas is not None
        prefix = self.data_prefix.get('img', '') or ''
        return dict(
            img_path=osp.join(prefix, img['file_name']),
            img_id=img['id'],
            id=ann.get('id'),
            ori_shape=(img.get('height'), img.get('width')),
            bbox=np.array([[box[0], box[1], box[0] + box[2], box[1] + box[3]]], np.float32),
            bbox_score=np.ones(1, np.float32),
            keypoints=k2d[None].astype(np.float32),
            keypoints_visible=vis[None].astype(np.float32),
            keypoints_3d=(np.zeros(
                (1, NUM_JOINTS, 3), np.float32) if k3d is None else k3d[None].astype(np.float32)),
            keypoints_3d_visible=vis3d[None].astype(np.float32),
            smpl_pose=(pose if has_smpl else np.zeros(72, np.float32))[None],
            smpl_betas=(betas if has_smpl else np.zeros(10, np.float32))[None],
            smpl_weight=np.array([1. if has_smpl else 0.], np.float32),
            smpl_twist=(np.tile([1., 0.],
                                (NUM_SMPL - 1,
                                 1)).astype(np.float32) if twist is None else twist)[None],
            smpl_twist_weight=np.full((1, NUM_SMPL - 1), 0. if twist is None else 1., np.float32))
