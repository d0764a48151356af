"""Heads (MODELS)."""
from .base_head import BaseTopdownHead
from .combined_head import CombinedHead
from .heatmap_head import FastPoseHeatmapHead, PartPathHeatmapHead
from .sikr_head import SIKRHead

__all__ = [
    'BaseTopdownHead', 'FastPoseHeatmapHead', 'PartPathHeatmapHead', 'SIKRHead', 'CombinedHead'
]

from .identity_embedding_head import IdentityEmbeddingHead  # noqa: E402
from .identity_embedding_head import PoseTrackEstimator

__all__ += ['IdentityEmbeddingHead', 'PoseTrackEstimator']

from .hybrik_head import HybrIKHead  # noqa: E402

__all__ += ['HybrIKHead']
