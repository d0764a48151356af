"""Heatmap head: FastPose's ``conv_out`` or SimpleBaseline's deconvs + 1x1."""
from typing import List, Optional, Sequence

import torch
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.registry import MODELS
from ..utils import flip_heatmaps_back, get_flip_indices
from .base_head import BaseTopdownHead, Feats


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
    """

    # AlphaPose's drawing threshold of heatmap models (vis_thres, facts §9.3)
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
        if final_act == 'sigmoid':
            # background prior sigmoid(-4) ~ 0.02 (CenterNet-style), not 0.5
            nn.init.constant_(self.final_layer.bias, -4.0)
        self.in_channels = in_channels
        self.deconv_layers = nn.Sequential(*layers) if layers else nn.Identity()
        for m in self.deconv_layers.modules():
            if isinstance(m, nn.ConvTranspose2d):
                nn.init.normal_(m.weight, std=0.001)
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: Feats):
        out = self.final_layer(self.deconv_layers(self._select(feats)))
        return out.sigmoid() if self.final_act == 'sigmoid' else out

    def loss(self, feats: Feats, batch_data_samples, train_cfg: dict = {}) -> dict:
        pred = self.forward(feats)
        target = self._gather(batch_data_samples, 'gt_fields', 'heatmaps', pred.device)
        weights = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_weights',
                               pred.device)
        return dict(loss_kpt=self.loss_module(pred, target, weights))

    def predict(self, feats, batch_data_samples, test_cfg: dict = {}) -> List[InstanceData]:
        feats, feats_flip = self._split_flip(feats, test_cfg)
        heatmaps = self.forward(feats)
        if feats_flip is not None:
            flip_indices = get_flip_indices(batch_data_samples, self.out_channels)
            hm_flip = flip_heatmaps_back(
                self.forward(feats_flip), flip_indices, test_cfg.get('shift_heatmap', True))
            heatmaps = (heatmaps + hm_flip) * 0.5
        prior = test_cfg.get('center_prior')
        if not prior:
            keypoints, scores = self.decoder.decode(heatmaps)
            return self._pack(keypoints, scores)
        weighted = heatmaps * centre_prior(heatmaps.shape[-2:], prior, heatmaps)
        keypoints, _ = self.decoder.decode(weighted)
        flat = heatmaps.flatten(2)
        scores = flat.gather(2, weighted.flatten(2).argmax(2, keepdim=True))[..., 0]
        return self._pack(keypoints, scores.detach().cpu().numpy())


def centre_prior(size, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """(H, W) Gaussian with its peak (1) at the heatmap centre and standard
    deviations ``sigma * H`` and ``sigma * W``."""
    h, w = size
    ys = (torch.arange(h, dtype=like.dtype, device=like.device) - (h - 1) / 2) / (sigma * h)
    xs = (torch.arange(w, dtype=like.dtype, device=like.device) - (w - 1) / 2) / (sigma * w)
    return torch.exp(-0.5 * (ys[:, None]**2 + xs[None]**2))
