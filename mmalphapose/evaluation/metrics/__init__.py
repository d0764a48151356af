"""Evaluation metrics: COCO keypoint AP and MOT tracking metrics."""
from .coco_metric import CocoMetric, coco_keypoint_eval
from .mot_metric import ClearMOTAccumulator, evaluate_keypoint_mota, evaluate_mot, load_mot_txt
from .posetrack18_metric import PoseTrack18Metric, evaluate_posetrack, load_posetrack_gt

__all__ = [
    'CocoMetric', 'coco_keypoint_eval', 'ClearMOTAccumulator', 'evaluate_keypoint_mota',
    'evaluate_mot', 'load_mot_txt', 'PoseTrack18Metric', 'evaluate_posetrack', 'load_posetrack_gt'
]
