"""Test-time flip helpers."""
from typing import Sequence

import numpy as np
import torch
from torch import Tensor


def get_flip_indices(batch_data_samples: Sequence, num_keypoints: int) -> list:
    """``flip_indices`` from the first sample's metainfo, checked against K."""
    if not batch_data_samples:
        raise ValueError('flip test needs data samples carrying flip_indices')
    flip_indices = batch_data_samples[0].metainfo.get('flip_indices', None)
    if flip_indices is None:
        raise KeyError('flip test needs "flip_indices" in the data sample '
                       'metainfo (set by the dataset / PackPoseInputs)')
    flip_indices = [int(i) for i in flip_indices]
    if len(flip_indices) != num_keypoints:
        raise ValueError(f'flip_indices has {len(flip_indices)} entries but '
                         f'the head predicts {num_keypoints} keypoints')
    return flip_indices


def flip_heatmaps_back(heatmaps: Tensor,
                       flip_indices: Sequence[int],
                       shift: bool = True,
                       unshifted: int = 0) -> Tensor:
    """Un-flip the (N,K,H,W) maps of a horizontally flipped input, as
    AlphaPose's ``flip_heatmap``: swap left/right channels, mirror W and,
    with ``shift``, move right by one pixel (column 0 keeps its value).
    The first ``unshifted`` channels (after the swap) are only mirrored: maps
    whose cell ``c`` covers [c, c+1), as MoveNet's, need no shift.

    AlphaPose applies this to heatmaps and to integral-regression logits
    alike. Its own helper shifts in place with an overlapping slice copy,
    which PyTorch does not define; the intended shift is a copy, done here.
    """
    out = heatmaps[:, list(flip_indices)].flip(-1)
    if shift and unshifted < out.shape[1]:
        out = out.clone()
        out[:, unshifted:, ..., 1:] = out[:, unshifted:, ..., :-1].clone()
    return out


def to_tensor(x, dtype=torch.float32) -> Tensor:
    if isinstance(x, Tensor):
        return x.to(dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype)
