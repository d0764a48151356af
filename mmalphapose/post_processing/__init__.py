"""Pose-level post-processing: parametric pose NMS and OKS-NMS (POSE_NMS)."""
from .oks_nms import OKSNMS, SoftOKSNMS, oks_iou
from .parametric_pose_nms import PNMS_PRESETS, ParametricPoseNMS
from .utils import load_metainfo

__all__ = [
    'ParametricPoseNMS', 'PNMS_PRESETS', 'OKSNMS', 'SoftOKSNMS', 'oks_iou',
    'load_metainfo'
]
