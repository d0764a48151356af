"""Losses (MODELS)."""
from .embedding_loss import BatchHardTripletLoss, IdentityCrossEntropyLoss
from .keypoint_losses import KeypointL1Loss, KeypointMSELoss
from .smpl_losses import HybrIKLoss

__all__ = [
    'KeypointMSELoss', 'KeypointL1Loss', 'BatchHardTripletLoss', 'IdentityCrossEntropyLoss',
    'HybrIKLoss'
]
