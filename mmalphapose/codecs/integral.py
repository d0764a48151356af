"""Integral (soft-argmax) keypoint regression: the one home of AlphaPose's
heatmap normalisation and soft-argmax (the forward).

Used for decoding by the ``SIKRLabel`` / ``CombinedLabel`` codecs and, with
SIKR's symmetric gradient (:mod:`mmalphapose.models.utils.symmetric_integral`,
autograd, so it lives with the models), for the losses of ``SIKRHead`` /
``CombinedHead``. It follows AlphaPose's ``_integral_tensor`` /
``norm_heatmap`` (``alphapose/utils/transforms.py:650``, ``:692``; forward
computed in the maps' dtype, float32 for network outputs):

1. ``norm_type='sigmoid'`` (every AlphaPose config): elementwise sigmoid,
   keypoint score = its maximum, then divide by the sum;
   ``'softmax'``: softmax over H*W; ``'divide_sum'``: divide by the sum
   (scores are ones for both).
2. marginals over rows / columns, ``c = sum_i i * p_i`` (heatmap pixel ``i``
   at position ``i``), normalised ``c / size - 0.5``.
3. training (models/utils/symmetric_integral.py): the gradient w.r.t. the
   marginals is ``amplitude * sign(i - c)`` (SIKR) instead of ``i``.
"""
from typing import Callable, Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor

NORM_TYPES = ('sigmoid', 'softmax', 'divide_sum')


def check_norm_type(norm_type: str) -> str:
    """Return ``norm_type`` or raise a one-line error naming the choices."""
    if norm_type not in NORM_TYPES:
        raise ValueError(f'norm_type must be one of {NORM_TYPES}, got {norm_type!r}')
    return norm_type


def normalize_heatmaps(heatmaps: Tensor, norm_type: str = 'sigmoid') -> Tuple[Tensor, Tensor]:
    """(N,K,H,W) logits -> probability maps (N,K,H,W) and scores (N,K).

    'sigmoid': AlphaPose's two-step normalisation (sigmoid, score = its max,
    divide by the sum); 'softmax'; 'divide_sum' (scores are ones for both).
    """
    check_norm_type(norm_type)
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w)
    if norm_type == 'sigmoid':
        maps = flat.sigmoid()
        scores = maps.max(-1)[0]
    elif norm_type == 'softmax':
        maps = flat.softmax(-1)
        scores = torch.ones_like(flat[..., 0])
    else:
        maps = flat
        scores = torch.ones_like(flat[..., 0])
    prob = maps / maps.sum(-1, keepdim=True)
    return prob.reshape(n, k, h, w), scores


def plain_integral(marginal: Tensor) -> Tensor:
    """``c = sum_i i * p_i`` over the last dim (the ordinary gradient)."""
    idx = torch.arange(marginal.shape[-1], dtype=marginal.dtype, device=marginal.device)
    return (marginal * idx).sum(-1)


def soft_argmax(heatmaps: Tensor,
                norm_type: str = 'sigmoid',
                integrate: Optional[Callable[[Tensor], Tensor]] = None) -> Tuple[Tensor, Tensor]:
    """Soft-argmax of (N,K,H,W) logits.

    Returns normalised coordinates (N,K,2) = ``c / size - 0.5`` (heatmap
    pixel ``i`` at position ``i``) and scores (N,K). ``integrate`` maps a
    marginal (N,K,L) to ``c`` (N,K); default :func:`plain_integral` (SIKR's
    symmetric gradient passes its own, same forward values).
    """
    integrate = integrate or plain_integral
    prob, scores = normalize_heatmaps(heatmaps, norm_type)
    h, w = prob.shape[-2:]
    cx = integrate(prob.sum(2))  # marginal over rows (N,K,W)
    cy = integrate(prob.sum(3))  # (N,K,H)
    return torch.stack([cx / w - 0.5, cy / h - 0.5], -1), scores


def integral_decode(heatmaps: Union[Tensor, np.ndarray],
                    norm_type: str = 'sigmoid') -> Tuple[np.ndarray, np.ndarray]:
    """Decoding (no gradient): (N,K,H,W) maps -> normalised coordinates
    (N,K,2) in [-0.5, 0.5] inside the map and scores (N,K), float32 numpy.

    :func:`soft_argmax` run in float32 (as AlphaPose runs it on the network
    output).
    """
    with torch.no_grad():
        if isinstance(heatmaps, Tensor):
            t = heatmaps.detach().float()
        else:
            t = torch.as_tensor(np.asarray(heatmaps, dtype=np.float32))
        coords, scores = soft_argmax(t, norm_type)
    return coords.cpu().numpy(), scores.cpu().numpy()
