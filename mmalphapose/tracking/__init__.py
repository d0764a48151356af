"""Multi-person trackers (TRACKERS registry) and their building blocks."""
from .base_tracker import Detections, resolve_sigmas
from .identity_sampler import RepeatedInstanceSampler
from .iou_tracker import IoUTracker
from .kalman_filter import CHI2INV95, KalmanFilterXYAH, xyah2xyxy, xyxy2xyah
from .matching import embedding_distance, fuse_motion, iou_distance, linear_assignment, pose_oks
from .pose_aware_tracker import PoseAwareTracker
from .poseflow_tracker import ORBMatcher, PoseFlowTracker
from .track import Track, TrackState

__all__ = [
    'PoseAwareTracker', 'PoseFlowTracker', 'IoUTracker', 'KalmanFilterXYAH', 'CHI2INV95',
    'xyxy2xyah', 'xyah2xyxy', 'linear_assignment', 'iou_distance', 'embedding_distance', 'pose_oks',
    'fuse_motion', 'Track', 'TrackState', 'Detections', 'resolve_sigmas', 'ORBMatcher',
    'RepeatedInstanceSampler'
]
