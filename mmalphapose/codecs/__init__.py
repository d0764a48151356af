"""Keypoint codecs (KEYPOINT_CODECS): label <-> prediction conversions."""
from .base import BaseKeypointCodec
from .combined_label import CombinedLabel
from .hybrik_label import HybrIKLabel
from .integral import NORM_TYPES, integral_decode, normalize_heatmaps, soft_argmax
from .msra_heatmap import MSRAHeatmap, refine_quarter_offset
from .sikr_label import SIKRLabel

__all__ = [
    'BaseKeypointCodec', 'MSRAHeatmap', 'SIKRLabel', 'CombinedLabel', 'HybrIKLabel', 'NORM_TYPES',
    'soft_argmax', 'integral_decode', 'normalize_heatmaps', 'refine_quarter_offset'
]
