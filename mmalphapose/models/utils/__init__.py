"""Model building blocks shared by backbones, necks and heads.

The soft-argmax forward lives in :mod:`mmalphapose.codecs.integral`; SIKR's
symmetric gradient (autograd) in :mod:`.symmetric_integral`."""
from .duc_unit import DUCUnit
from .flip import flip_heatmaps_back, get_flip_indices
from .onnx_init import OnnxConvInit, onnx_conv
from .pose_guided_pooling import PoseGuidedPooling
from .symmetric_integral import SymmetricIntegral, integral_coordinates

__all__ = [
    'DUCUnit', 'SymmetricIntegral', 'integral_coordinates', 'flip_heatmaps_back',
    'get_flip_indices', 'OnnxConvInit', 'onnx_conv', 'PoseGuidedPooling'
]
