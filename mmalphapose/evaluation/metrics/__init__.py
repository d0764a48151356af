"""Metrics (registered in METRICS)."""
from .coco_metric import CocoMetric, coco_keypoint_eval

__all__ = ['CocoMetric', 'coco_keypoint_eval']

from .mot_metric import (ClearMOTAccumulator, evaluate_keypoint_mota,  # noqa: E402
                         evaluate_mot, load_mot_txt)

__all__ += ['ClearMOTAccumulator', 'evaluate_keypoint_mota', 'evaluate_mot',
            'load_mot_txt']
