"""Training hooks (registered in HOOKS)."""
from .channels_last_hook import ChannelsLastHook
from .knowledge_distillation_hook import KnowledgeDistillationHook

__all__ = ['ChannelsLastHook', 'KnowledgeDistillationHook']
