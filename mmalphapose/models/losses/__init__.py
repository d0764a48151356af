"""Losses (MODELS)."""
from .keypoint_losses import KeypointL1Loss, KeypointMSELoss

__all__ = ['KeypointMSELoss', 'KeypointL1Loss']

from .embedding_loss import BatchHardTripletLoss  # noqa: E402
from .embedding_loss import IdentityCrossEntropyLoss

__all__ += ['BatchHardTripletLoss', 'IdentityCrossEntropyLoss']

from .smpl_losses import HybrIKLoss  # noqa: E402

__all__ += ['HybrIKLoss']
