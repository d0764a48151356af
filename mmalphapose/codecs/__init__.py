"""Keypoint codecs (KEYPOINT_CODECS): label <-> prediction conversions."""
from .base import BaseKeypointCodec
from .combined_label import CombinedLabel
from .msra_heatmap import MSRAHeatmap
from .sikr_label import SIKRLabel, integral_decode

__all__ = ['BaseKeypointCodec', 'MSRAHeatmap', 'SIKRLabel', 'CombinedLabel',
           'integral_decode']
