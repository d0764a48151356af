"""Data structures: PoseDataSample, PoseMetainfo and bbox helpers."""
from .bbox import (bbox_area, bbox_cs2xywh, bbox_cs2xyxy, bbox_iou, bbox_xywh2cs, bbox_xywh2xyxy,
                   bbox_xyxy2cs, bbox_xyxy2xywh, fix_aspect_ratio, flip_bbox)
from .pose_data_sample import PoseDataSample
from .pose_metainfo import PART_NAMES, PoseMetainfo
from .utils import merge_data_samples, split_instances

__all__ = [
    'PoseDataSample', 'PoseMetainfo', 'PART_NAMES', 'merge_data_samples', 'split_instances',
    'bbox_area', 'bbox_cs2xywh', 'bbox_cs2xyxy', 'bbox_iou', 'bbox_xywh2cs', 'bbox_xywh2xyxy',
    'bbox_xyxy2cs', 'bbox_xyxy2xywh', 'fix_aspect_ratio', 'flip_bbox'
]
