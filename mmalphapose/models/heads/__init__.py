"""Heads (MODELS)."""
from .base_head import BaseHead, BaseTopdownHead
from .combined_head import CombinedHead
from .heatmap_head import FastPoseHeatmapHead, PartPathHeatmapHead
from .hybrik_head import HybrIKHead
from .identity_embedding_head import IdentityEmbeddingHead
from .sikr_head import SIKRHead

__all__ = [
    'BaseHead', 'BaseTopdownHead', 'FastPoseHeatmapHead', 'PartPathHeatmapHead', 'SIKRHead',
    'CombinedHead', 'IdentityEmbeddingHead', 'HybrIKHead'
]
