"""Training-engine parts: hooks and optimiser wrappers."""
from .hooks import ChannelsLastHook, KnowledgeDistillationHook
from .optim_wrappers import AutocastOptimWrapper

__all__ = ['ChannelsLastHook', 'KnowledgeDistillationHook', 'AutocastOptimWrapper']
