"""Model building blocks shared by backbones, necks and heads."""
from .duc import DUCUnit
from .flip import flip_heatmaps_back, flip_keypoints_back, get_flip_indices
from .onnx_init import OnnxConvInit, onnx_conv
from .integral import (SymmetricIntegral, integral_coordinates,
                       normalize_heatmaps)

__all__ = ['DUCUnit', 'SymmetricIntegral', 'integral_coordinates',
           'normalize_heatmaps', 'flip_heatmaps_back', 'flip_keypoints_back',
           'get_flip_indices', 'OnnxConvInit', 'onnx_conv']
