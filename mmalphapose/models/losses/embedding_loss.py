"""Re-identification losses for the identity-embedding branch."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmalphapose.registry import MODELS


@MODELS.register_module()
class IdentityCrossEntropyLoss(nn.Module):
    """Cross-entropy over identity classes, with label smoothing.

    Args:
        label_smooth (float): Label-smoothing epsilon. 0.1.
        loss_weight (float): Multiplier. 1.0.

    Labels < 0 (unknown identity) are ignored.
    """

    def __init__(self, label_smooth: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.label_smooth = label_smooth
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, labels: Tensor) -> Tensor:
        """``logits`` (N, C), ``labels`` (N,) int64 -> scalar."""
        valid = labels >= 0
        if not bool(valid.any()):
            return logits.sum() * 0.0
        if int(labels.max()) >= logits.shape[1]:
            raise ValueError(f'identity label {int(labels.max())} >= '
                             f'num_identities {logits.shape[1]}')
        loss = F.cross_entropy(logits[valid], labels[valid], label_smoothing=self.label_smooth)
        return loss * self.loss_weight


@MODELS.register_module()
class BatchHardTripletLoss(nn.Module):
    """Batch-hard triplet loss (Hermans et al. 2017).

    For every anchor the farthest same-identity and the closest
    other-identity embedding in the batch form the triplet;
    ``max(0, d(a, p) - d(a, n) + margin)`` is averaged over anchors that have
    both. Euclidean distances of (optionally L2-normalised) embeddings.

    Args:
        margin (float): Triplet margin. 0.3.
        normalize (bool): L2-normalise the embeddings first. True.
        loss_weight (float): Multiplier. 1.0.
    """

    def __init__(self,
                 margin: float = 0.3,
                 normalize: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.margin, self.normalize = margin, normalize
        self.loss_weight = loss_weight

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """``embeddings`` (N, D), ``labels`` (N,) -> scalar (0 without any
        valid triplet, still connected to the graph)."""
        x = F.normalize(embeddings, dim=1) if self.normalize else embeddings
        d = torch.cdist(x, x).clamp_min(0)
        valid = labels >= 0
        same = (labels[:, None] == labels[None, :]) & valid[:, None] & valid[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool, device=x.device)
        pos_mask = same & ~eye
        neg_mask = ~same & valid[:, None] & valid[None, :]
        has = pos_mask.any(1) & neg_mask.any(1)
        if not bool(has.any()):
            return embeddings.sum() * 0.0
        d_pos = torch.where(pos_mask, d, torch.zeros_like(d)).amax(1)
        d_neg = torch.where(neg_mask, d, torch.full_like(d, float('inf'))).amin(1)
        loss = F.relu(d_pos - d_neg + self.margin)[has].mean()
        return loss * self.loss_weight
