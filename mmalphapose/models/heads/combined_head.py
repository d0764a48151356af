"""AlphaPose's Combined head: heatmap loss on body+feet, SIKR on face+hands."""
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import MODELS
from mmalphapose.structures.pose_metainfo import PoseMetainfo
from mmalphapose.utils.typing import Features, OptConfigType, SampleList
from ..utils import flip_heatmaps_back, get_flip_indices, integral_coordinates
from .base_head import BaseTopdownHead


def num_body_from_metainfo(metainfo: Union[str, dict]) -> int:
    """Body + foot keypoint count from a dataset metainfo (anything
    :meth:`PoseMetainfo.load` takes: a metainfo file, ``dict(from_file=...)``,
    a dataset_info or a parsed dict)."""
    parts = PoseMetainfo.load(metainfo).parts
    if 'body' not in parts or 'foot' not in parts:
        raise KeyError('CombinedHead needs "parts" with "body" and "foot" in '
                       'the dataset metainfo, or an explicit num_body_keypoints')
    return len(parts['body']) + len(parts['foot'])


@MODELS.register_module()
class CombinedHead(BaseTopdownHead):
    """One K-channel output; the first ``num_body_keypoints`` channels are
    heatmaps (MSE), the rest are integral-regression maps (SIKR, L1).

    AlphaPose: ``loss = 100 * 0.5 * MSE(body) + 0.01 * L1(face+hands)``, the
    split being 26 (Halpe-136) / 23 (COCO-WholeBody-133), i.e. K - 110.

    Predict follows AlphaPose's evaluation path for ``Combined`` models
    (``validate.py`` with ``heatmap_to_coord`` = [simple, regress]): the
    flipped pass is un-flipped in heatmap space for all K channels
    (:func:`flip_heatmaps_back`: swap left/right, mirror, 1-pixel right shift
    when ``test_cfg['shift_heatmap']``, default True); the body part averages
    the two heatmaps and decodes them (argmax + quarter-pixel refinement);
    the face/hands decode both passes with the integral decoder and average
    coordinates and scores.

    Args:
        num_body_keypoints: the split; when None it is taken from
            ``metainfo`` (``len(parts.body) + len(parts.foot)``) or the decoder.
        metainfo: dataset metainfo (dict, or dict(from_file=...)).
        heatmap_loss / regression_loss: loss configs.
        norm_type, symmetric, amplitude: as :class:`SIKRHead`.
        decoder: a ``CombinedLabel`` config (its split is overridden).
    """

    # AlphaPose's drawing thresholds: heatmap parts 0.4, integral parts 0.05
    # (alphapose/utils/writer.py:62)
    vis_kpt_thr = dict(body=0.4, foot=0.4, face=0.05, left_hand=0.05, right_hand=0.05)

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_body_keypoints: Optional[int] = None,
                 metainfo: Optional[Union[str, dict]] = None,
                 final_kernel_size: int = 3,
                 in_index: int = -1,
                 norm_type: Optional[str] = None,
                 symmetric: bool = True,
                 amplitude: float = 2.,
                 heatmap_loss: dict = dict(type='KeypointMSELoss', loss_weight=50.),
                 regression_loss: dict = dict(
                     type='KeypointL1Loss', reduction='batch_sum', loss_weight=0.01),
                 decoder: Optional[dict] = None,
                 init_cfg=None) -> None:
        if num_body_keypoints is None and metainfo is not None:
            num_body_keypoints = num_body_from_metainfo(metainfo)
        if num_body_keypoints is None:
            if decoder is None or 'num_body_keypoints' not in decoder:
                raise ValueError('CombinedHead needs num_body_keypoints, a '
                                 'metainfo with parts, or a decoder with it')
            num_body_keypoints = decoder['num_body_keypoints']
        if not 0 < num_body_keypoints < out_channels:
            raise ValueError(f'num_body_keypoints ({num_body_keypoints}) must '
                             f'be in (0, {out_channels})')
        if decoder is not None:
            decoder = dict(decoder, num_body_keypoints=num_body_keypoints)
        super().__init__(in_channels, out_channels, final_kernel_size, in_index, decoder, init_cfg)
        self.num_body_keypoints = int(num_body_keypoints)
        if norm_type is None:
            norm_type = getattr(self.decoder, 'sikr_codec', None)
            norm_type = norm_type.norm_type if norm_type else 'sigmoid'
        self.norm_type = norm_type
        self.symmetric = symmetric
        self.amplitude = amplitude
        self.heatmap_loss = MODELS.build(heatmap_loss)
        self.regression_loss = MODELS.build(regression_loss)

    def loss(self,
             feats: Features,
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> dict:
        b = self.num_body_keypoints
        out = self.forward(feats)
        dev = out.device
        heatmaps = self._gather(batch_data_samples, 'gt_fields', 'heatmaps', dev)
        labels = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_labels', dev)
        weights = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_weights', dev)
        coords, _ = integral_coordinates(out[:, b:], self.norm_type, self.symmetric, self.amplitude)
        return dict(
            loss_heatmap=self.heatmap_loss(out[:, :b], heatmaps[:, :b], weights[:, :b]),
            loss_regression=self.regression_loss(coords, labels[:, b:], weights[:, b:]))

    def decode_outputs(self,
                       out,
                       out_flip,
                       batch_data_samples,
                       test_cfg: dict,
                       flip_indices: Optional[Sequence[int]] = None) -> InstanceData:
        """Raw maps (N,K,h,w) (+ those of the flipped crops) -> one
        InstanceData with ``keypoints`` (N,K,2) in crop pixels and
        ``keypoint_scores`` (N,K); the flip pairs are ``flip_indices`` or
        else the samples'."""
        b = self.num_body_keypoints
        hm_codec, reg_codec = self.decoder.heatmap_codec, self.decoder.sikr_codec
        body = out[:, :b]
        if out_flip is not None:
            if flip_indices is None:
                flip_indices = get_flip_indices(batch_data_samples, self.out_channels)
            if any(flip_indices[i] >= b for i in range(b)):
                raise ValueError('flip_indices mix body and face/hand keypoints')
            out_f = flip_heatmaps_back(out_flip, flip_indices,
                                       bool(test_cfg.get('shift_heatmap', True)))
            body = (body + out_f[:, :b]) * 0.5
        kb, sb = hm_codec.decode(body)
        kr, sr = reg_codec.decode(out[:, b:])
        if out_flip is not None:
            kf, sf = reg_codec.decode(out_f[:, b:])
            kr = (kr + kf) * 0.5
            sr = (sr + sf) * 0.5
        return InstanceData(
            keypoints=np.concatenate([kb, kr], 1).astype(np.float32),
            keypoint_scores=np.concatenate([sb, sr], 1).astype(np.float32))
