"""Training-free pose-guided identity embedding (issue 18).

The pose network's own feature map, sampled where the person's confident
keypoints and limbs are, in the same forward pass that gives the keypoints:
no identity-labelled data and no second forward.

For each person crop, the sample points are its K keypoints plus the middle
of every skeleton link; a point's weight is its keypoint score (the smaller
of the two ends for a link), 0 at or below ``kpt_thr``. Points are split
into an *upper* (head, arms, torso) and a *lower* (hips, legs, feet) group
by keypoint name. For each source,

* ``'feats'``: the feature map ``extract_feat(inputs)[feature_index]``
  (N, C, h, w) sampled bilinearly at the points,
* ``'pixels'``: the normalised input crop ``inputs`` (N, 3, H, W) averaged
  over a ``pixel_window`` x ``pixel_window`` window at each point, then
  soft-assigned to a fixed palette of ``palette_bins ** 3`` colours (a
  clothing-colour histogram; the crop's value range is taken from the
  model's data preprocessor: ``inputs`` are ``(pixel - mean) / std``),

each group's weighted mean is L2-normalised (zero when the group has no
confident point); all blocks are concatenated and L2-normalised again, so
the cosine of two embeddings is the mean cosine of their shared blocks
(scaled by the fraction of blocks both have).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmalphapose.registry import MODELS

LOWER_NAMES = ('hip', 'knee', 'ankle', 'toe', 'heel', 'foot')


def lower_body_mask(names: Sequence[str]) -> np.ndarray:
    """(K,) bool: keypoints of the lower body (hips, legs, feet) by name."""
    return np.array([any(t in n.lower() for t in LOWER_NAMES) for n in names], bool)


@MODELS.register_module()
class PoseGuidedPooling(nn.Module):
    """Pose-guided pooling of a pose network's features into an embedding.

    Args:
        metainfo (dict | PoseMetainfo | str): the model's metainfo (keypoint
            names for the upper/lower split, skeleton links for the limb
            points); anything ``PoseMetainfo.load`` takes.
        sources (Sequence[str]): ``'feats'`` and/or ``'pixels'``.
            ('feats', 'pixels').
        feature_index (int): which map of ``extract_feat`` to pool. -1.
        kpt_thr (float): keypoint score at or below which a point is
            ignored. 0.3.
        pixel_window (int): side (input pixels) of the colour window. 15.
        palette_bins (int): palette colours per channel. 4.
        pixel_range (tuple): (low, high) of a normalised crop value, to lay
            the palette on. (-1, 1) (mean = std = 127.5).
        pooled_keypoints (int | None): pool at the first this many keypoints
            only (and the links between them); e.g. 26 for a Halpe-136 model
            whose body path is a Halpe-26 model: its embedding is then that
            model's. None: all.

    The embedding size is ``2 * (C + palette_bins ** 3)`` with both sources
    (C: channels of the pooled map; 320 for the bundled Halpe-26 student).
    """

    def __init__(self,
                 metainfo,
                 sources: Sequence[str] = ('feats', 'pixels'),
                 feature_index: int = -1,
                 kpt_thr: float = 0.3,
                 pixel_window: int = 15,
                 palette_bins: int = 4,
                 pixel_range: Tuple[float, float] = (-1.0, 1.0),
                 pooled_keypoints: Optional[int] = None) -> None:
        super().__init__()
        from mmalphapose.structures import PoseMetainfo
        bad = set(sources) - {'feats', 'pixels'}
        if bad or not sources:
            raise ValueError(f'PoseGuidedPooling.sources: use "feats" and/or "pixels", '
                             f'got {list(sources)}')
        meta = PoseMetainfo.load(metainfo)
        self.sources = tuple(sources)
        self.feature_index, self.kpt_thr = int(feature_index), float(kpt_thr)
        self.pixel_window = max(1, int(pixel_window)) | 1
        self.num_keypoints = int(meta.num_keypoints)
        self.pooled_keypoints = self.num_keypoints if pooled_keypoints is None \
            else int(pooled_keypoints)
        if not 0 < self.pooled_keypoints <= self.num_keypoints:
            raise ValueError(f'PoseGuidedPooling.pooled_keypoints: {pooled_keypoints} is not in '
                             f'1..{self.num_keypoints}')
        lo, hi = float(pixel_range[0]), float(pixel_range[1])
        levels = torch.linspace(lo, hi, max(2, int(palette_bins)))
        palette = torch.stack(torch.meshgrid(levels, levels, levels, indexing='ij'), -1)
        self.register_buffer('palette', palette.reshape(-1, 3), persistent=False)
        self.palette_tau = float((levels[1] - levels[0])**2) / 2.0
        links = meta.skeleton
        links = links[(links < self.pooled_keypoints).all(1)]
        lower = lower_body_mask(meta.names[:self.pooled_keypoints])
        link_lower = lower[links].any(1) if len(links) else np.zeros(0, bool)
        self.register_buffer('links', torch.as_tensor(links, dtype=torch.long), persistent=False)
        self.register_buffer(
            'point_lower',
            torch.as_tensor(np.concatenate([lower, link_lower]), dtype=torch.bool),
            persistent=False)

    # ------------------------------------------------------------ points
    def points(self, keypoints: Tensor, scores: Tensor) -> Tuple[Tensor, Tensor]:
        """Sample points and weights.

        Args:
            keypoints (Tensor): (N, K, 2) in input-crop pixels.
            scores (Tensor): (N, K).

        Returns:
            tuple: points (N, P + L, 2) and weights (N, P + L) (0 where not
            confident; P = ``pooled_keypoints``, L its links).
        """
        if keypoints.shape[1] != self.num_keypoints:
            raise ValueError(f'PoseGuidedPooling: {keypoints.shape[1]} keypoints, the '
                             f'metainfo has {self.num_keypoints}')
        keypoints = keypoints[:, :self.pooled_keypoints]
        scores = scores[:, :self.pooled_keypoints]
        pts, w = keypoints, scores
        if len(self.links):
            a, b = self.links[:, 0], self.links[:, 1]
            pts = torch.cat([pts, 0.5 * (keypoints[:, a] + keypoints[:, b])], 1)
            w = torch.cat([w, torch.minimum(scores[:, a], scores[:, b])], 1)
        w = torch.where((w > self.kpt_thr) & torch.isfinite(pts).all(-1), w, torch.zeros_like(w))
        return torch.nan_to_num(pts), w

    @staticmethod
    def sample(maps: Tensor, pts: Tensor, input_size: Tuple[int, int]) -> Tensor:
        """Bilinear samples of ``maps`` (N, C, h, w) at ``pts`` (N, P, 2)
        given in input pixels of an (W, H) crop -> (N, P, C)."""
        w_in, h_in = input_size
        grid = torch.stack([pts[..., 0] / w_in * 2 - 1, pts[..., 1] / h_in * 2 - 1], -1)
        out = F.grid_sample(
            maps.float(), grid[:, :, None].float(), mode='bilinear', align_corners=False)
        return out[..., 0].transpose(1, 2)

    @staticmethod
    def window_means(inputs: Tensor, pts: Tensor, window: int) -> Tensor:
        """Means of ``inputs`` over ``window`` x ``window`` pixel windows,
        sampled bilinearly at ``pts``.

        Equal to ``sample(avg_pool2d(inputs, window, stride=1, padding=window
        // 2, count_include_pad=False), pts)`` (windows clipped at the crop
        border; zero outside the crop, as ``grid_sample``'s zero padding), but
        only the ``(window + 1) ** 2`` pixels around each point are read,
        instead of filtering the whole crop.

        Args:
            inputs (Tensor): (N, C, H, W) crops.
            pts (Tensor): (N, P, 2) points in input pixels.
            window (int): odd window side.

        Returns:
            Tensor: (N, P, C) float32.
        """
        n, c, h, w = inputs.shape
        k = int(window)
        r = k // 2
        x, y = pts[..., 0].float() - 0.5, pts[..., 1].float() - 0.5  # pixel-centre coords
        x0, y0 = torch.floor(x), torch.floor(y)
        fx, fy = x - x0, y - y0
        inside = lambda v, size: ((v >= 0) & (v < size)).float()  # noqa: E731
        wx = torch.stack([(1 - fx) * inside(x0, w), fx * inside(x0 + 1, w)], -1)  # (N, P, 2)
        wy = torch.stack([(1 - fy) * inside(y0, h), fy * inside(y0 + 1, h)], -1)
        offsets = torch.arange(-r, r + 2, device=inputs.device)
        cols = x0.long().clamp(-1, w - 1)[..., None] + offsets  # (N, P, k+1): both windows
        rows = y0.long().clamp(-1, h - 1)[..., None] + offsets
        col_in, row_in = inside(cols, w), inside(rows, h)
        batch = torch.arange(n, device=inputs.device)[:, None, None, None]
        patch = inputs.float().permute(0, 2, 3, 1)[batch,
                                                   rows.clamp(0, h - 1)[..., :, None],
                                                   cols.clamp(0, w - 1)[..., None, :]]
        patch = patch * (row_in[..., :, None] * col_in[..., None, :])[..., None]
        by_row = torch.stack([patch[:, :, :k].sum(2), patch[:, :, 1:].sum(2)], 2)
        sums = torch.stack([by_row[:, :, :, :k].sum(3), by_row[:, :, :, 1:].sum(3)], 3)
        row_count = torch.stack([row_in[..., :k].sum(-1), row_in[..., 1:].sum(-1)], -1)
        col_count = torch.stack([col_in[..., :k].sum(-1), col_in[..., 1:].sum(-1)], -1)
        count = (row_count[..., :, None] * col_count[..., None, :]).clamp_min(1)
        means = sums / count[..., None]  # (N, P, 2 dy, 2 dx, C)
        return (means * (wy[..., :, None, None] * wx[..., None, :, None])).sum((2, 3))

    def pool(self, samples: Tensor, weights: Tensor) -> Tensor:
        """(N, P, C) samples, (N, P) weights -> (N, 2 * C): the normalised
        weighted means of the upper and the lower group."""
        blocks = []
        for group in (~self.point_lower, self.point_lower):
            w = weights * group.to(weights.dtype)
            m = (samples * w[..., None]).sum(1) / w.sum(1, keepdim=True).clamp_min(1e-6)
            blocks.append(F.normalize(m, dim=1))
        return torch.cat(blocks, 1)

    def colour_histogram(self, colours: Tensor) -> Tensor:
        """(N, P, 3) colours -> (N, P, B^3) soft palette assignments."""
        d2 = ((colours[..., None, :] - self.palette)**2).sum(-1)
        return torch.softmax(-d2 / self.palette_tau, -1)

    # ------------------------------------------------------------ forward
    @torch.no_grad()
    def forward(self, feats: Optional[Sequence[Tensor]], inputs: Optional[Tensor],
                keypoints: Tensor, scores: Tensor) -> Tensor:
        """Embeddings of N person crops.

        Args:
            feats (Sequence[Tensor] | None): ``extract_feat(inputs)`` (the
                un-flipped pass); needed with source ``'feats'``.
            inputs (Tensor | None): (N, 3, H, W) preprocessed crops; needed
                with source ``'pixels'`` and for the crop size.
            keypoints (Tensor): (N, K, 2) in input-crop pixels.
            scores (Tensor): (N, K).

        Returns:
            Tensor: (N, D) float32, L2-normalised rows.
        """
        if inputs is None:
            raise ValueError('PoseGuidedPooling needs the input crops (for their size)')
        input_size = (int(inputs.shape[-1]), int(inputs.shape[-2]))
        pts, w = self.points(keypoints.float(), scores.float())
        blocks = []
        if 'feats' in self.sources:
            if feats is None:
                raise ValueError('PoseGuidedPooling: source "feats" needs the feature maps')
            fmap = feats[self.feature_index]
            blocks.append(self.pool(self.sample(fmap, pts, input_size), w))
        if 'pixels' in self.sources:
            colours = self.window_means(inputs, pts, self.pixel_window)
            blocks.append(self.pool(self.colour_histogram(colours), w))
        return F.normalize(torch.cat(blocks, 1), dim=1)

    def required_outputs(self) -> Dict[str, str]:
        """What a backend must give besides the keypoints (for an ONNX export
        that replaces the tensor forward)."""
        out = {}
        if 'feats' in self.sources:
            out['feats'] = f'extract_feat(inputs)[{self.feature_index}] of the un-flipped crops'
        out['inputs'] = 'the preprocessed crops (N, 3, H, W)'
        return out
