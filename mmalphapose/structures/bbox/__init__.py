from .transforms import (bbox_area, bbox_cs2xywh, bbox_cs2xyxy, bbox_iou, bbox_xywh2cs,
                         bbox_xywh2xyxy, bbox_xyxy2cs, bbox_xyxy2xywh, fix_aspect_ratio, flip_bbox)

__all__ = [
    'bbox_area', 'bbox_cs2xywh', 'bbox_cs2xyxy', 'bbox_iou', 'bbox_xywh2cs', 'bbox_xywh2xyxy',
    'bbox_xyxy2cs', 'bbox_xyxy2xywh', 'fix_aspect_ratio', 'flip_bbox'
]
