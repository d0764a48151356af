"""The head interface (:class:`BaseHead`) and the shared parts of the
top-down heads (:class:`BaseTopdownHead`)."""
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmalphapose.registry import KEYPOINT_CODECS
from mmalphapose.utils.typing import Features, OptConfigType, OptMultiConfig, Outputs, SampleList


def _to_tensor(x, device) -> Tensor:
    if isinstance(x, Tensor):
        return x.to(device=device, dtype=torch.float32)
    return torch.as_tensor(np.asarray(x), dtype=torch.float32, device=device)


class BaseHead(BaseModule, metaclass=ABCMeta):
    """What every head implements (MMPose's ``BaseHead``).

    - :meth:`forward`: features -> raw outputs (maps, or named tensors);
    - :meth:`loss`: features + data samples with targets -> dict of losses;
    - :meth:`predict`: features + data samples -> predictions.
    """

    @abstractmethod
    def forward(self, feats: Features) -> Outputs:
        """Features -> raw outputs."""

    @abstractmethod
    def loss(self,
             feats: Features,
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> Dict[str, Tensor]:
        """Features + data samples with targets -> dict of losses."""

    @abstractmethod
    def predict(self,
                feats: Features,
                batch_data_samples: SampleList,
                test_cfg: OptConfigType = None) -> Any:
        """Features + data samples -> predictions."""


class BaseTopdownHead(BaseHead):
    """Final 3x3/1x1 conv producing K maps, plus target gathering and
    decoding. Subclasses define ``loss`` and ``decode_outputs`` (which packs
    the N crops' predictions into one InstanceData).

    Args:
        in_channels: channels of the input feature.
        out_channels: number of keypoints K.
        final_kernel_size: 3 (FastPose's ``conv_out``) or 1 (SimpleBaseline,
            HRNet).
        in_index: which feature of the input tuple to use (-1: last; 0 for
            HRNet's highest-resolution branch).
        decoder: codec config used to decode predictions.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 final_kernel_size: int = 3,
                 in_index: int = -1,
                 decoder: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.in_index = in_index
        self.final_layer = nn.Conv2d(
            in_channels, out_channels, final_kernel_size, padding=final_kernel_size // 2)
        # AlphaPose's _initialize: N(0, 0.001), bias 0
        nn.init.normal_(self.final_layer.weight, std=0.001)
        nn.init.zeros_(self.final_layer.bias)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None

    def _select(self, feats: Features) -> Tensor:
        if isinstance(feats, Tensor):
            return feats
        return feats[self.in_index]

    def forward(self, feats: Features) -> Tensor:
        """Features -> raw maps (N, K, H, W) (no activation)."""
        return self.final_layer(self._select(feats))

    # ------------------------------------------------------------ targets
    @staticmethod
    def _gather(batch_data_samples, field: str, name: str, device) -> Tensor:
        try:
            if field == 'gt_fields':
                vals = [_to_tensor(d.gt_fields.get(name), device) for d in batch_data_samples]
                return torch.stack(vals)
            vals = [_to_tensor(getattr(d, field).get(name), device) for d in batch_data_samples]
        except (AttributeError, TypeError) as exc:
            raise KeyError(f'training needs "{field}.{name}" in every data '
                           'sample; add GenerateTarget with the right codec to '
                           f'the pipeline ({exc})') from exc
        return torch.cat(vals)

    # ------------------------------------------------------------ outputs
    def predict(self,
                feats: Features,
                batch_data_samples: SampleList,
                test_cfg: OptConfigType = None) -> InstanceData:
        """Features (``[feats, feats_of_flipped_input]`` with
        ``test_cfg['flip_test']``) -> :meth:`forward` -> :meth:`decode_outputs`.

        Returns:
            one InstanceData of the N crops (keypoints (N,K,2) in crop
            pixels, keypoint_scores (N,K), float32); ``preds[i]`` is crop i.
        """
        test_cfg = test_cfg or {}
        feats, feats_flip = self._split_flip(feats, test_cfg)
        outputs_flip = None if feats_flip is None else self.forward(feats_flip)
        return self.decode_outputs(self.forward(feats), outputs_flip, batch_data_samples, test_cfg)

    def decode_outputs(self,
                       outputs,
                       outputs_flip,
                       batch_data_samples: SampleList,
                       test_cfg: dict,
                       flip_indices: Optional[Sequence[int]] = None) -> InstanceData:
        """Raw outputs of :meth:`forward` (and of the flipped crops, or None)
        -> one InstanceData of the N crops; what a network runner's output
        goes through (``TopdownPoseEstimator.predict_crops``). The flip pairs
        are ``flip_indices`` when given (checked once by the caller), else
        those of the samples' metainfo."""
        raise NotImplementedError(f'{type(self).__name__} does not decode outputs')

    @staticmethod
    def _split_flip(feats, test_cfg: OptConfigType) -> Tuple[Features, Optional[Features]]:
        if test_cfg and test_cfg.get('flip_test', False):
            if not (isinstance(feats, (list, tuple)) and len(feats) == 2):
                raise ValueError('flip_test expects [feats, feats_flipped]')
            return feats[0], feats[1]
        return feats, None
