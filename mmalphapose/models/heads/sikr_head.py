"""SIKR head: integral keypoint regression with the symmetric gradient."""
from typing import Optional, Sequence

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import MODELS
from mmalphapose.utils.typing import Features, OptConfigType, SampleList
from ..utils import flip_heatmaps_back, get_flip_indices, integral_coordinates
from .base_head import BaseTopdownHead


@MODELS.register_module()
class SIKRHead(BaseTopdownHead):
    """Symmetric Integral Keypoint Regression (AlphaPose, TPAMI 2022 §3).

    Forward: raw maps (N,K,H,W). Loss: normalise (``norm_type``), soft-argmax
    with SIKR's gradient ``amplitude * sign(i - c)`` (or the ordinary
    integral gradient with ``symmetric=False``), L1 against the
    ``SIKRLabel`` targets (``keypoint_labels``, ``keypoint_weights``).
    Predict: soft-argmax by the decoder (AlphaPose's
    ``heatmap_to_coord_simple_regress``). Flip test as AlphaPose's evaluation
    path (``validate.py``): the maps of the flipped pass are un-flipped in
    heatmap space (:func:`flip_heatmaps_back`: swap left/right channels,
    mirror, 1-pixel right shift when ``test_cfg['shift_heatmap']``, default
    True), both passes are decoded with the integral decoder and their
    coordinates and scores averaged.

    test_cfg keys: ``flip_test`` (bool), ``shift_heatmap`` (bool).

    Args:
        in_channels / out_channels: input channels / K.
        norm_type: 'sigmoid' (AlphaPose), 'softmax' or 'divide_sum';
            ``None`` takes the decoder's.
        symmetric: SIKR gradient (True) or plain integral gradient.
        amplitude: SIKR gradient amplitude in heatmap pixels (AlphaPose: 2).
        loss: default ``KeypointL1Loss(reduction='batch_sum')`` (AlphaPose).
        decoder: a ``SIKRLabel`` config.
    """

    # AlphaPose's drawing threshold of regression (SIKR) models (alphapose/utils/writer.py:56)
    vis_kpt_thr = 0.05

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 final_kernel_size: int = 3,
                 in_index: int = -1,
                 norm_type: Optional[str] = None,
                 symmetric: bool = True,
                 amplitude: float = 2.,
                 loss: dict = dict(type='KeypointL1Loss', reduction='batch_sum'),
                 decoder: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(in_channels, out_channels, final_kernel_size, in_index, decoder, init_cfg)
        if norm_type is None:
            norm_type = getattr(self.decoder, 'norm_type', 'sigmoid')
        self.norm_type = norm_type
        self.symmetric = symmetric
        self.amplitude = amplitude
        self.loss_module = MODELS.build(loss)

    def integral(self, heatmaps):
        """Normalised coordinates (N,K,2) and scores (N,K) from raw maps."""
        return integral_coordinates(heatmaps, self.norm_type, self.symmetric, self.amplitude)

    def loss(self,
             feats: Features,
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> dict:
        coords, _ = self.integral(self.forward(feats))
        labels = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_labels',
                              coords.device)
        weights = self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_weights',
                               coords.device)
        return dict(loss_kpt=self.loss_module(coords, labels, weights))

    def decode_outputs(self,
                       outputs,
                       outputs_flip,
                       batch_data_samples,
                       test_cfg: dict,
                       flip_indices: Optional[Sequence[int]] = None) -> InstanceData:
        """Raw maps (N,K,h,w) (+ those of the flipped crops) -> one
        InstanceData with ``keypoints`` (N,K,2) in crop pixels and
        ``keypoint_scores`` (N,K); the flip pairs are ``flip_indices`` or
        else the samples'."""
        keypoints, scores = self.decoder.decode(outputs)
        if outputs_flip is not None:
            if flip_indices is None:
                flip_indices = get_flip_indices(batch_data_samples, self.out_channels)
            maps_f = flip_heatmaps_back(outputs_flip, flip_indices,
                                        bool(test_cfg.get('shift_heatmap', True)))
            kf, sf = self.decoder.decode(maps_f)
            keypoints = (keypoints + kf) * 0.5
            scores = (scores + sf) * 0.5
        return InstanceData(
            keypoints=np.asarray(keypoints, np.float32),
            keypoint_scores=np.asarray(scores, np.float32))
