"""Keypoint losses: heatmap MSE and L1 on integral coordinates (AlphaPose)."""
from typing import Optional

from torch import Tensor, nn

from mmalphapose.registry import MODELS


@MODELS.register_module()
class KeypointMSELoss(nn.Module):
    """Heatmap MSE with per-keypoint target weights.

    ``loss_weight * mean((out * w - target * w) ** 2)`` over all elements;
    AlphaPose's MSE loss is ``loss_weight=0.5``. Accepts MMPose's arguments:
    ``skip_empty_channel`` (zero the channels whose target is all zero) and a
    ``mask`` of (N,K) or (N,K,H,W) in ``forward``; unlike MMPose's class,
    ``use_target_weight`` defaults to True (AlphaPose weights its targets).
    """

    def __init__(self,
                 use_target_weight: bool = True,
                 skip_empty_channel: bool = False,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        self.use_target_weight = use_target_weight
        self.skip_empty_channel = skip_empty_channel
        self.loss_weight = loss_weight

    def forward(self,
                output: Tensor,
                target: Tensor,
                target_weights: Optional[Tensor] = None,
                mask: Optional[Tensor] = None) -> Tensor:
        """output/target (N,K,H,W), target_weights (N,K), mask (N,K) or
        (N,K,H,W)."""
        if output.shape != target.shape:
            raise ValueError(f'heatmap shapes differ: output {tuple(output.shape)}'
                             f' vs target {tuple(target.shape)}')
        w = None
        if self.use_target_weight and target_weights is not None:
            w = target_weights.reshape(*target_weights.shape[:2], 1, 1)
        if mask is not None:
            m = mask.reshape(*mask.shape[:2], 1, 1) if mask.dim() == 2 else mask
            w = m.to(output.dtype) if w is None else w * m
        if self.skip_empty_channel:
            m = (target != 0).flatten(2).any(2).reshape(*target.shape[:2], 1, 1)
            w = m.to(output.dtype) if w is None else w * m
        if w is not None:
            output, target = output * w, target * w
        return self.loss_weight * ((output - target)**2).mean()


@MODELS.register_module()
class KeypointL1Loss(nn.Module):
    """L1 on (normalised) coordinates with per-keypoint weights.

    ``reduction='batch_sum'``: AlphaPose's ``L1JointRegression``,
    sum over keypoints and x/y divided by the batch size.
    ``reduction='mean'``: mean over all N*K*2 entries.
    """

    def __init__(self,
                 reduction: str = 'batch_sum',
                 loss_weight: float = 1.,
                 use_target_weight: bool = True) -> None:
        super().__init__()
        if reduction not in ('batch_sum', 'mean'):
            raise ValueError(f"reduction must be 'batch_sum' or 'mean', got {reduction!r}")
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.use_target_weight = use_target_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                target_weights: Optional[Tensor] = None) -> Tensor:
        """pred/target (N,K,2), target_weights (N,K) or (N,K,2)."""
        if pred.shape != target.shape:
            raise ValueError(f'coordinate shapes differ: pred {tuple(pred.shape)}'
                             f' vs target {tuple(target.shape)}')
        loss = (pred - target).abs()
        if self.use_target_weight and target_weights is not None:
            if target_weights.dim() == 2:
                target_weights = target_weights.unsqueeze(-1)
            loss = loss * target_weights
        if self.reduction == 'batch_sum':
            loss = loss.sum() / max(pred.shape[0], 1)
        else:
            loss = loss.mean()
        return self.loss_weight * loss
