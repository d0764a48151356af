"""Training-engine parts: hooks and optimiser wrappers."""
from .hooks import ChannelsLastHook, DPGPhaseHook, KnowledgeDistillationHook
from .optim_wrappers import AutocastOptimWrapper

__all__ = ['ChannelsLastHook', 'DPGPhaseHook', 'KnowledgeDistillationHook', 'AutocastOptimWrapper']
