"""Pose estimators (MODELS) and the network runners their predict calls."""
from .network_runner import NetworkOutputs, NetworkRunner, PyTorchRunner
from .pose_track import PoseTrackEstimator
from .topdown import TopdownPoseEstimator, crop_to_image

__all__ = [
    'TopdownPoseEstimator', 'PoseTrackEstimator', 'NetworkRunner', 'NetworkOutputs',
    'PyTorchRunner', 'crop_to_image'
]
