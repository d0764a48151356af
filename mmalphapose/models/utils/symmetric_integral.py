"""SIKR's symmetric integral gradient (an autograd function, so it lives with
the models; the forward soft-argmax is the codecs' :mod:`mmalphapose.codecs.integral`).

AlphaPose's ``IngetralCoordinate`` (``alphapose/models/criterion.py:13``):
the gradient of ``c = sum_i i * p_i`` w.r.t. the marginal ``p`` is
``amplitude * sign(i - c)`` instead of ``i``.
"""
from typing import Tuple

import torch
from torch import Tensor
from torch.autograd import Function

from mmalphapose.codecs.integral import soft_argmax


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


def integral_coordinates(heatmaps: Tensor,
                         norm_type: str = 'sigmoid',
                         symmetric: bool = True,
                         amplitude: float = 2.) -> Tuple[Tensor, Tensor]:
    """Soft-argmax of (N,K,H,W) logits for training.

    Returns normalised coordinates (N,K,2) = ``c / size - 0.5`` and scores
    (N,K) (:func:`~mmalphapose.codecs.integral.soft_argmax`). With
    ``symmetric`` the gradient w.r.t. the marginals is SIKR's
    ``amplitude * sign(i - c)``; otherwise the ordinary integral gradient.
    The forward values are the same either way.
    """
    if not symmetric:
        return soft_argmax(heatmaps, norm_type)
    amplitude = float(amplitude)
    return soft_argmax(heatmaps, norm_type, lambda m: SymmetricIntegral.apply(m, amplitude))
