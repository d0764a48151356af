"""Post-processing: pose NMS (P-NMS, OKS-NMS; POSE_NMS), box NMS and
AlphaPose's proposal score."""
from .box_nms import box_nms
from .oks_nms import OKSNMS, SoftOKSNMS, oks_iou
from .parametric_pose_nms import PNMS_PRESETS, ParametricPoseNMS
from .scores import proposal_score
from .utils import load_metainfo

__all__ = [
    'ParametricPoseNMS', 'PNMS_PRESETS', 'OKSNMS', 'SoftOKSNMS', 'oks_iou', 'load_metainfo',
    'box_nms', 'proposal_score'
]
