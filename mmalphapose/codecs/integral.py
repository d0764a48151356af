"""Integral (soft-argmax) keypoint regression: the one home of AlphaPose's
heatmap normalisation, soft-argmax and SIKR's symmetric gradient.

Used for decoding by the ``SIKRLabel`` / ``CombinedLabel`` codecs and for the
losses of ``SIKRHead`` / ``CombinedHead``. It follows AlphaPose's
``_integral_tensor`` / ``norm_heatmap`` (forward, computed in the maps' dtype,
float32 for network outputs) and ``IngetralCoordinate`` (backward):

1. ``norm_type='sigmoid'`` (every AlphaPose config): elementwise sigmoid,
   keypoint score = its maximum, then divide by the sum;
   ``'softmax'``: softmax over H*W; ``'divide_sum'``: divide by the sum
   (scores are ones for both).
2. marginals over rows / columns, ``c = sum_i i * p_i`` (heatmap pixel ``i``
   at position ``i``), normalised ``c / size - 0.5``.
3. training: the gradient w.r.t. the marginals is ``amplitude * sign(i - c)``
   (SIKR) instead of ``i``.
"""
from typing import Tuple, Union

import numpy as np
import torch
from torch import Tensor
from torch.autograd import Function

NORM_TYPES = ('sigmoid', 'softmax', 'divide_sum')


def check_norm_type(norm_type: str) -> str:
    """Return ``norm_type`` or raise a one-line error naming the choices."""
    if norm_type not in NORM_TYPES:
        raise ValueError(f'norm_type must be one of {NORM_TYPES}, got {norm_type!r}')
    return norm_type


class SymmetricIntegral(Function):
    """``c = sum_i i * p_i`` over the last dim, with SIKR's backward.

    Backward: ``dc/dp_i = amplitude * sign(i - c)`` (``-1`` left of the
    prediction ``c``, ``+1`` at or right of it; all ``+1`` when ``c`` lies
    beyond the last index, as AlphaPose's ``IngetralCoordinate``) instead of
    the true ``i``.
    """

    @staticmethod
    def forward(ctx, marginal: Tensor, amplitude: float) -> Tensor:
        idx = torch.arange(marginal.shape[-1], dtype=marginal.dtype, device=marginal.device)
        coord = (marginal * idx).sum(-1)
        ctx.save_for_backward(coord)
        ctx.amplitude = amplitude
        ctx.length = marginal.shape[-1]
        return coord

    @staticmethod
    def backward(ctx, grad_coord: Tensor):
        coord, = ctx.saved_tensors
        idx = torch.arange(ctx.length, dtype=coord.dtype, device=coord.device)
        c = coord.unsqueeze(-1)
        sign = torch.where(idx < c, -torch.ones_like(c), torch.ones_like(c))
        sign = torch.where(c > ctx.length, torch.ones_like(sign), sign)
        return grad_coord.unsqueeze(-1) * sign * ctx.amplitude, None


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


def integral_coordinates(heatmaps: Tensor,
                         norm_type: str = 'sigmoid',
                         symmetric: bool = True,
                         amplitude: float = 2.) -> Tuple[Tensor, Tensor]:
    """Soft-argmax of (N,K,H,W) logits.

    Returns normalised coordinates (N,K,2) = ``c / size - 0.5`` (heatmap
    pixel ``i`` at position ``i``) and scores (N,K). With ``symmetric`` the
    gradient w.r.t. the marginals is SIKR's ``amplitude * sign(i - c)``;
    otherwise it is the ordinary integral gradient. The forward values are
    the same either way.
    """
    prob, scores = normalize_heatmaps(heatmaps, norm_type)
    h, w = prob.shape[-2:]
    mx = prob.sum(2)  # (N,K,W)
    my = prob.sum(3)  # (N,K,H)
    if symmetric:
        cx = SymmetricIntegral.apply(mx, float(amplitude))
        cy = SymmetricIntegral.apply(my, float(amplitude))
    else:
        cx = (mx * torch.arange(w, dtype=mx.dtype, device=mx.device)).sum(-1)
        cy = (my * torch.arange(h, dtype=my.dtype, device=my.device)).sum(-1)
    coords = torch.stack([cx / w - 0.5, cy / h - 0.5], -1)
    return coords, scores


def integral_decode(heatmaps: Union[Tensor, np.ndarray],
                    norm_type: str = 'sigmoid') -> Tuple[np.ndarray, np.ndarray]:
    """Decoding (no gradient): (N,K,H,W) maps -> normalised coordinates
    (N,K,2) in [-0.5, 0.5] inside the map and scores (N,K), float32 numpy.

    The forward of :func:`integral_coordinates` run in float32 (as AlphaPose
    runs it on the network output).
    """
    with torch.no_grad():
        if isinstance(heatmaps, Tensor):
            t = heatmaps.detach().float()
        else:
            t = torch.as_tensor(np.asarray(heatmaps, dtype=np.float32))
        coords, scores = integral_coordinates(t, norm_type, symmetric=False)
    return coords.cpu().numpy(), scores.cpu().numpy()
