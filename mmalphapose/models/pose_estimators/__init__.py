"""Pose estimators (MODELS) and the network runners their predict calls."""
from .network_runner import NetworkOutputs, NetworkRunner, PyTorchRunner
from .topdown import TopdownPoseEstimator, crop_to_image

__all__ = [
    'TopdownPoseEstimator', 'NetworkRunner', 'NetworkOutputs', 'PyTorchRunner', 'crop_to_image'
]
