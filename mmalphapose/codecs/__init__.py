"""Keypoint codecs (KEYPOINT_CODECS): label <-> prediction conversions."""
from .base import BaseKeypointCodec
from .combined_label import CombinedLabel
from .integral import (NORM_TYPES, SymmetricIntegral, integral_coordinates, integral_decode,
                       normalize_heatmaps)
from .msra_heatmap import MSRAHeatmap, refine_quarter_offset
from .sikr_label import SIKRLabel

__all__ = [
    'BaseKeypointCodec', 'MSRAHeatmap', 'SIKRLabel', 'CombinedLabel', 'NORM_TYPES',
    'SymmetricIntegral', 'integral_coordinates', 'integral_decode', 'normalize_heatmaps',
    'refine_quarter_offset'
]

from .hybrik_label import HybrIKLabel  # noqa: E402

__all__ += ['HybrIKLabel']
