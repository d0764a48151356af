"""Codec of AlphaPose's Combined loss: heatmaps for body+feet, integral
labels for face+hands."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmalphapose.registry import KEYPOINT_CODECS
from .base import BaseKeypointCodec
from .msra_heatmap import MSRAHeatmap
from .sikr_label import SIKRLabel


@KEYPOINT_CODECS.register_module()
class CombinedLabel(BaseKeypointCodec):
    """Heatmap targets for the first ``num_body_keypoints`` (body + feet: 26
    for Halpe-136, 23 for COCO-WholeBody-133) and SIKR labels for the rest.

    ``encode`` returns ``heatmaps`` (K,H,W) (only the first
    ``num_body_keypoints`` channels are non-zero), ``keypoint_labels``
    (N,K,2) and ``keypoint_weights`` (N,K): heatmap weights for the body
    part, visibility for the rest. ``decode`` decodes argmax for the body
    part (:class:`MSRAHeatmap`, AlphaPose's ``heatmap_to_coord_simple``) and
    soft-argmax for the rest (:class:`SIKRLabel`, AlphaPose's
    ``heatmap_to_coord_simple_regress``), then concatenates, as AlphaPose's
    ``Combined`` decoder list. The flip test is done by ``CombinedHead``.
    """

    # MMPose's GenerateTarget / PackPoseInputs routing (see BaseKeypointCodec)
    label_mapping_table = dict(
        keypoint_labels='keypoint_labels', keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Sequence[int] = (192, 256),
                 heatmap_size: Sequence[int] = (48, 64),
                 num_body_keypoints: int = 26,
                 sigma: float = 2.,
                 norm_type: str = 'sigmoid',
                 refine: str = 'quarter') -> None:
        super().__init__(input_size, heatmap_size)
        self.num_body_keypoints = int(num_body_keypoints)
        self.heatmap_codec = MSRAHeatmap(input_size, heatmap_size, sigma, refine)
        self.sikr_codec = SIKRLabel(input_size, heatmap_size, norm_type)

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None) -> Dict:
        keypoints, vis = self._check_keypoints(keypoints, keypoints_visible)
        b = self.num_body_keypoints
        if keypoints.shape[1] <= b:
            raise ValueError(f'CombinedLabel needs more than {b} keypoints, '
                             f'got {keypoints.shape[1]}')
        hm = self.heatmap_codec.encode(keypoints[:, :b], vis[:, :b])
        reg = self.sikr_codec.encode(keypoints, vis)
        heatmaps = np.zeros((keypoints.shape[1], ) + hm['heatmaps'].shape[1:], np.float32)
        heatmaps[:b] = hm['heatmaps']
        weights = reg['keypoint_weights'].copy()
        weights[:, :b] = hm['keypoint_weights']
        return dict(
            heatmaps=heatmaps, keypoint_labels=reg['keypoint_labels'], keypoint_weights=weights)

    def decode(self, encoded) -> Tuple[np.ndarray, np.ndarray]:
        hm = self._as_batch(encoded)
        b = self.num_body_keypoints
        kb, sb = self.heatmap_codec.decode(hm[:, :b])
        kr, sr = self.sikr_codec.decode(hm[:, b:])
        return np.concatenate([kb, kr], 1), np.concatenate([sb, sr], 1)
