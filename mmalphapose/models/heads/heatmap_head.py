"""Heatmap head: FastPose's ``conv_out`` or SimpleBaseline's deconvs + 1x1."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.registry import MODELS
from mmalphapose.utils.typing import Features, OptConfigType, SampleList
from ..utils import flip_heatmaps_back, get_flip_indices
from .base_head import BaseTopdownHead


@MODELS.register_module()
class FastPoseHeatmapHead(BaseTopdownHead):
    """Heatmap regression trained with a weighted MSE.

    Args:
        in_channels / out_channels: input channels / K.
        deconv_out_channels: SimpleBaseline's transposed convs
            (k=4, s=2, p=1, no bias, BN, ReLU), e.g. (256, 256, 256);
            empty for FastPose (the neck already up-samples).
        final_kernel_size: 3 for FastPose, 1 for SimpleBaseline / HRNet.
        loss: default AlphaPose's 0.5 * MSE.
        decoder: an ``MSRAHeatmap`` config.
        final_act: None, or 'sigmoid' to squash the heatmaps into (0, 1)
            (for a final layer initialised from a sigmoid-output model
            such as MoveNet's keypoint heatmaps).

    test_cfg keys: ``flip_test`` (bool), ``shift_heatmap`` (AlphaPose's
    1-pixel shift of the un-flipped heatmap, default True), ``center_prior``
    (None, or sigma as a fraction of the heatmap size: peaks are chosen on the
    heatmaps times a Gaussian centred in the crop, the way MoveNet weights its
    centre map, so a peak of an overlapping person near the crop border loses
    to the centred person's; scores stay the raw peak values).

    ``offset_index``: the feature (of the backbone's tuple) holding sub-pixel
    offsets (N,2*Ko,h,w), (dy, dx) in heatmap pixels for each of the first Ko
    keypoints (MoveNet's keypoint-offset head, ``MoveNetFPN(offset_branch=
    True)``); ``forward`` then gives the K heatmaps followed by these 2*Ko maps
    (one tensor, so every network runner and export carries them), and those
    Ko keypoints are placed at their heatmap peak plus its offset instead of
    the codec's quarter-pixel step (:func:`add_peak_offsets`). Measured on
    ``people_photos`` (GT boxes): body AP 0.729 -> 0.839 for MoveNet's own
    heatmaps at 256x192. When that feature has 4*Ko+1 channels (offsets,
    then MoveNet's person-centre map and keypoint regression,
    ``MoveNetFPN(centre_branches=True)``) the Ko peaks are chosen as MoveNet
    chooses them (:func:`movenet_peaks`) instead of under ``center_prior``,
    which then serves only the other K-Ko keypoints.
    """

    # AlphaPose's drawing threshold of heatmap models (vis_thres, alphapose/utils/writer.py:54)
    vis_kpt_thr = 0.4

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 deconv_out_channels: Sequence[int] = (),
                 final_kernel_size: int = 3,
                 in_index: int = -1,
                 loss: dict = dict(type='KeypointMSELoss', loss_weight=0.5),
                 decoder: Optional[dict] = None,
                 final_act: Optional[str] = None,
                 offset_index: Optional[int] = None,
                 init_cfg=None) -> None:
        if final_act not in (None, 'sigmoid'):
            raise ValueError(f"FastPoseHeatmapHead: final_act must be None or 'sigmoid', "
                             f'got {final_act!r}')
        layers = []
        c = in_channels
        for out in deconv_out_channels:
            layers += [
                nn.ConvTranspose2d(c, out, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out, momentum=0.1),
                nn.ReLU(inplace=True)
            ]
            c = out
        super().__init__(c, out_channels, final_kernel_size, in_index, decoder, init_cfg)
        self.final_act = final_act
        self.offset_index = offset_index
        if final_act == 'sigmoid':
            # background prior sigmoid(-4) ~ 0.02 (CenterNet-style), not 0.5
            nn.init.constant_(self.final_layer.bias, -4.0)
        self.in_channels = in_channels
        self.deconv_layers = nn.Sequential(*layers) if layers else nn.Identity()
        for m in self.deconv_layers.modules():
            if isinstance(m, nn.ConvTranspose2d):
                nn.init.normal_(m.weight, std=0.001)
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: Features):
        """Features -> (N,K,h,w) heatmaps (followed by the 2*Ko offset maps
        with ``offset_index``)."""
        out = self.final_layer(self.deconv_layers(self._select(feats)))
        return self._with_offsets(out.sigmoid() if self.final_act == 'sigmoid' else out, feats)

    def _with_offsets(self, heatmaps: torch.Tensor, feats: Features) -> torch.Tensor:
        if self.offset_index is None:
            return heatmaps
        return torch.cat([heatmaps, feats[self.offset_index].to(heatmaps.dtype)], 1)

    def loss(self,
             feats: Features,
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> dict:
        pred = self.forward(feats)[:, :self.out_channels]
        target = self._gather(batch_data_samples, 'gt_fields', 'heatmaps', pred.device)
        weights = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_weights',
                               pred.device)
        return dict(loss_kpt=self.loss_module(pred, target, weights))

    def decode_outputs(self,
                       heatmaps,
                       heatmaps_flip,
                       batch_data_samples,
                       test_cfg: dict,
                       flip_indices: Optional[Sequence[int]] = None) -> InstanceData:
        """(N,K,h,w) heatmaps (+ those of the flipped crops) -> one float32
        InstanceData: keypoints (N,K,2) in crop pixels and keypoint_scores
        (N,K); the network's tensors become numpy here, once. The flip pairs
        are ``flip_indices`` (checked by the caller, once) or else the
        samples' (:func:`get_flip_indices`)."""
        k = self.out_channels
        extra = heatmaps[:, k:] if heatmaps.shape[1] > k else None
        c = 0 if extra is None else extra.shape[1]
        ko = c // 4 if c % 2 else c // 2  # keypoints with offsets (MoveNet's first ko)
        heatmaps = heatmaps[:, :k]
        if heatmaps_flip is not None:
            if flip_indices is None:
                flip_indices = get_flip_indices(batch_data_samples, k)
            # MoveNet's maps (the first ko): cell c covers [c, c+1), mirrored unshifted
            hm_flip = flip_heatmaps_back(
                heatmaps_flip[:, :k],
                flip_indices,
                test_cfg.get('shift_heatmap', True),
                unshifted=ko)
            if extra is not None:
                extra = (extra + flip_movenet_maps_back(heatmaps_flip[:, k:], flip_indices)) * 0.5
            heatmaps = (heatmaps + hm_flip) * 0.5
        prior = test_cfg.get('center_prior')
        hm = heatmaps.detach().cpu().numpy()
        n = hm.shape[0]
        peaks = None  # (N,K) flat peak index under the centre prior
        if not prior:
            keypoints, scores = self.decoder.decode(hm)
        else:
            weighted = (heatmaps * centre_prior(heatmaps.shape[-2:], prior, heatmaps)).detach()
            weighted = weighted.cpu().numpy()
            keypoints, _ = self.decoder.decode(weighted)
            peaks = weighted.reshape(n, k, -1).argmax(2)
            scores = np.take_along_axis(hm.reshape(n, k, -1), peaks[..., None], 2)[..., 0]
        if extra is not None:
            maps = extra.detach().cpu().numpy()
            # the first ko keypoints' peaks, where their offsets are read
            if c % 2:  # MoveNet's own choice of the peaks, its scores the raw peak values
                first = movenet_peaks(hm[:, :ko], maps[:, 2 * ko], maps[:, 2 * ko + 1:])
                scores[:, :ko] = np.take_along_axis(hm[:, :ko].reshape(n, ko, -1),
                                                    first[..., None], 2)[..., 0]
            elif peaks is None:
                first = hm[:, :ko].reshape(n, ko, -1).argmax(2)
            else:
                first = peaks[:, :ko]
            keypoints = add_peak_offsets(keypoints, first, maps[:, :2 * ko], self.decoder.stride)
        return InstanceData(keypoints=keypoints, keypoint_scores=scores)


def flip_offsets_back(offsets: torch.Tensor,
                      flip_indices: Sequence[int],
                      within_cell: bool = True) -> torch.Tensor:
    """Un-flip the (N,2*Ko,h,w) (dy, dx) offset maps of a flipped input.

    MoveNet's offsets place a keypoint at ``cell + offset`` with the offset
    in [0, 1) (cell ``c`` covers [c, c+1)), so the mirror image ``W - x`` of
    ``c + o`` is ``(W-1-c) + (1-o)``: keypoint pairs swapped, the maps mirrored
    without a shift (as the first Ko heatmaps then are), dx -> 1 - dx. With
    ``within_cell=False`` the maps hold displacements between cells (MoveNet's
    regression from the centre cell: the mirror of cell ``c + dx`` is cell
    ``(W-1-c) - dx``), so dx -> -dx.
    """
    ko = offsets.shape[1] // 2
    pairs = [2 * int(j) + d for j in flip_indices[:ko] for d in (0, 1)]
    out = flip_heatmaps_back(offsets, pairs, False).clone()
    out[:, 1::2] = 1.0 - out[:, 1::2] if within_cell else -out[:, 1::2]
    return out


def flip_movenet_maps_back(maps: torch.Tensor, flip_indices: Sequence[int]) -> torch.Tensor:
    """Un-flip MoveNet's decoding maps of a flipped input: the (N,2*Ko,h,w)
    offsets (:func:`flip_offsets_back`), then, when present ((N,4*Ko+1,h,w)),
    the person-centre map (mirrored unshifted) and the (dy, dx) regression
    from the centre cell (``flip_offsets_back(..., within_cell=False)``)."""
    c = maps.shape[1]
    if not c % 2:
        return flip_offsets_back(maps, flip_indices)
    ko = c // 4
    return torch.cat([
        flip_offsets_back(maps[:, :2 * ko], flip_indices), maps[:, 2 * ko:2 * ko + 1].flip(3),
        flip_offsets_back(maps[:, 2 * ko + 1:], flip_indices, within_cell=False)
    ], 1)


def movenet_peaks(heatmaps: np.ndarray, centre: np.ndarray, regress: np.ndarray) -> np.ndarray:
    """MoveNet's choice of each keypoint's heatmap cell, as its graph decodes
    (``movenet-thunder.onnx``, the nodes after its four heads): the person
    centre is the cell of the highest ``centre / (d_c + 1.8)``, ``d_c`` the
    distance to the map's middle ``(h/2, w/2)``; the regression there places
    each keypoint roughly (centre cell + (dy, dx)); its peak is then the cell
    of the highest ``heatmap / (d_k + 1.8)``, ``d_k`` the distance to that
    rough place, so the person in the middle wins over a neighbour's limbs.

    Args:
        heatmaps: (N,Ko,h,w) keypoint heatmaps.
        centre: (N,h,w) person-centre map.
        regress: (N,2*Ko,h,w) (dy, dx) per keypoint from a centre cell, in
            heatmap cells.

    Returns:
        (N,Ko) flat peak index ``y * w + x``.
    """
    n, ko, h, w = heatmaps.shape
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None]
    near_middle = 1.0 / (np.sqrt((ys - h / 2)**2 + (xs - w / 2)**2) + 1.8)
    ctr = (centre.reshape(n, h, w) * near_middle).reshape(n, -1).argmax(1)
    reg = np.take_along_axis(regress.reshape(n, 2 * ko, h * w), ctr[:, None, None], 2)
    reg = reg.reshape(n, ko, 2)
    ry = (ctr // w)[:, None] + reg[..., 0]  # (N,Ko) rough keypoint places
    rx = (ctr % w)[:, None] + reg[..., 1]
    dist = np.sqrt((ys - ry[..., None, None])**2 + (xs - rx[..., None, None])**2)
    return (heatmaps / (dist + 1.8)).reshape(n, ko, -1).argmax(2)


def add_peak_offsets(keypoints: np.ndarray, peaks: np.ndarray, offsets: np.ndarray,
                     stride) -> np.ndarray:
    """Keypoints (N,K,2) with the first Ko (= 2*Ko offset channels / 2)
    placed at their heatmap peak (``peaks`` (N,Ko): flat index ``y * w + x``
    of the maximum of the maps the codec decoded) plus the (dy, dx)
    ``offsets`` (N,2*Ko,h,w) there, in crop pixels (``stride``: crop pixels
    per heatmap pixel, (sx, sy)), as MoveNet decodes its keypoints."""
    n, c, h, w = offsets.shape
    ko = c // 2
    idx = np.asarray(peaks).reshape(n, ko)
    py, px = idx // w, idx % w
    off = offsets.reshape(n, ko, 2, h * w)
    dy = np.take_along_axis(off[:, :, 0], idx[..., None], 2)[..., 0]
    dx = np.take_along_axis(off[:, :, 1], idx[..., None], 2)[..., 0]
    out = keypoints.copy()
    out[:, :ko] = np.stack([px + dx, py + dy], -1) * np.asarray(stride, np.float32)
    return out.astype(np.float32)


def centre_prior(size, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """(H, W) Gaussian with its peak (1) at the heatmap centre and standard
    deviations ``sigma * H`` and ``sigma * W``."""
    h, w = size
    ys = (torch.arange(h, dtype=like.dtype, device=like.device) - (h - 1) / 2) / (sigma * h)
    xs = (torch.arange(w, dtype=like.dtype, device=like.device) - (w - 1) / 2) / (sigma * w)
    return torch.exp(-0.5 * (ys[:, None]**2 + xs[None]**2))


@MODELS.register_module()
class PartPathHeatmapHead(FastPoseHeatmapHead):
    """:class:`FastPoseHeatmapHead` over a two-path backbone
    (:class:`~mmalphapose.models.backbones.MoveNetPartFPN`): the first
    ``num_body_keypoints`` heatmaps from the body features (``feats[0]``,
    ``final_layer``, so a body model's output layer loads as it is), the other
    ``out_channels - num_body_keypoints`` (face, hands) from the part features
    (``feats[1]``, ``part_final_layer``). Loss, flip test, centre prior and
    decoding are :class:`FastPoseHeatmapHead`'s.

    Args:
        num_body_keypoints: the split; None: body + foot of ``metainfo``
            (26 for Halpe-136 and 23 for COCO-WholeBody-133).
        metainfo: dataset metainfo (used when ``num_body_keypoints`` is None).
        frozen_body: keep ``final_layer``'s weights (with a frozen body path:
            the body keypoints stay those of the body model).
        in_index: where the body features are in the backbone's tuple (the
            part features follow them).
        Others as :class:`FastPoseHeatmapHead` (no deconvolutions).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_body_keypoints: Optional[int] = None,
                 metainfo: Optional[Union[str, dict]] = None,
                 frozen_body: bool = True,
                 final_kernel_size: int = 1,
                 loss: dict = dict(type='KeypointMSELoss', loss_weight=0.5),
                 decoder: Optional[dict] = None,
                 final_act: Optional[str] = None,
                 in_index: int = 0,
                 offset_index: Optional[int] = None,
                 init_cfg=None) -> None:
        super().__init__(
            in_channels,
            out_channels,
            final_kernel_size=final_kernel_size,
            in_index=in_index,
            loss=loss,
            decoder=decoder,
            final_act=final_act,
            offset_index=offset_index,
            init_cfg=init_cfg)
        if num_body_keypoints is None:
            if metainfo is None:
                raise ValueError('PartPathHeatmapHead: give num_body_keypoints or metainfo')
            from .combined_head import num_body_from_metainfo
            num_body_keypoints = num_body_from_metainfo(metainfo)
        if not 0 < num_body_keypoints < out_channels:
            raise ValueError(f'PartPathHeatmapHead: num_body_keypoints {num_body_keypoints} '
                             f'must be in 1..{out_channels - 1}')
        self.num_body_keypoints = num_body_keypoints
        self.final_layer = self._output_conv(num_body_keypoints, final_kernel_size)
        self.part_final_layer = self._output_conv(out_channels - num_body_keypoints,
                                                  final_kernel_size)
        if frozen_body:
            for p in self.final_layer.parameters():
                p.requires_grad = False

    def _output_conv(self, channels: int, kernel: int) -> nn.Conv2d:
        layer = nn.Conv2d(self.in_channels, channels, kernel, padding=kernel // 2)
        nn.init.normal_(layer.weight, std=0.001)
        nn.init.constant_(layer.bias, -4.0 if self.final_act == 'sigmoid' else 0.0)
        return layer

    def forward(self, feats: Features) -> torch.Tensor:
        """``(body (N,C,h,w), part (N,C,h,w)[, offsets])`` -> heatmaps
        (N,K,h,w) (followed by the offset maps with ``offset_index``)."""
        if isinstance(feats, torch.Tensor) or len(feats) < self.in_index + 2:
            raise ValueError('PartPathHeatmapHead: expects the (body, part) features of a '
                             'two-path backbone such as MoveNetPartFPN')
        body, part = feats[self.in_index], feats[self.in_index + 1]
        out = torch.cat([self.final_layer(body), self.part_final_layer(part)], 1)
        return self._with_offsets(out.sigmoid() if self.final_act == 'sigmoid' else out, feats)
