"""Model building blocks shared by backbones, necks and heads.

The integral (soft-argmax) functions live in :mod:`mmalphapose.codecs.integral`
(their one home) and are re-exported here for the heads."""
from mmalphapose.codecs.integral import SymmetricIntegral, integral_coordinates, normalize_heatmaps
from .duc import DUCUnit
from .flip import flip_heatmaps_back, get_flip_indices
from .onnx_init import OnnxConvInit, onnx_conv
from .pose_guided_pooling import PoseGuidedPooling

__all__ = [
    'DUCUnit', 'SymmetricIntegral', 'integral_coordinates', 'normalize_heatmaps',
    'flip_heatmaps_back', 'get_flip_indices', 'OnnxConvInit', 'onnx_conv', 'PoseGuidedPooling'
]
