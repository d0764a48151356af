"""Training hooks (registered in HOOKS)."""
from .channels_last_hook import ChannelsLastHook
from .dpg_phase_hook import DPGPhaseHook
from .knowledge_distillation_hook import KnowledgeDistillationHook

__all__ = ['ChannelsLastHook', 'DPGPhaseHook', 'KnowledgeDistillationHook']
