"""Integral-regression label codec of SIKR (AlphaPose's L1JointRegression)."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmalphapose.registry import KEYPOINT_CODECS
from .base import BaseKeypointCodec, _as_numpy
from .integral import check_norm_type, integral_decode


@KEYPOINT_CODECS.register_module()
class SIKRLabel(BaseKeypointCodec):
    """Normalised-coordinate labels for integral keypoint regression.

    ``encode``: ``keypoint_labels = p / input_size - 0.5`` (fraction of the
    crop, in [-0.5, 0.5] inside it) and ``keypoint_weights`` = visibility
    (times ``body_weight`` for the first ``num_body_keypoints``, AlphaPose's x2
    quirk for full-skeleton whole-body targets).
    ``decode``: AlphaPose's ``heatmap_to_coord_simple_regress``: integral
    soft-argmax over the heatmap logits (:func:`~.integral.integral_decode`,
    float32), normalised by ``norm_type`` ('sigmoid': AlphaPose's two-step
    normalisation, score = max of the sigmoid map; 'softmax';
    'divide_sum'); ``x_n = c / W_hm - 0.5`` is mapped back to crop pixels as
    ``(x_n + 0.5) * W_in``. The flip test (AlphaPose's evaluation path,
    ``validate.py``) is done by the heads: the flipped pass is un-flipped in
    heatmap space, both passes are decoded here and their coordinates and
    scores averaged.
    """

    # MMPose's GenerateTarget / PackPoseInputs routing (see BaseKeypointCodec)
    label_mapping_table = dict(
        keypoint_labels='keypoint_labels', keypoint_weights='keypoint_weights')

    def __init__(self,
                 input_size: Sequence[int] = (192, 256),
                 heatmap_size: Sequence[int] = (48, 64),
                 norm_type: str = 'sigmoid',
                 body_weight: float = 1.,
                 num_body_keypoints: Optional[int] = None) -> None:
        super().__init__(input_size, heatmap_size)
        self.norm_type = check_norm_type(norm_type)
        self.body_weight = float(body_weight)
        self.num_body_keypoints = num_body_keypoints

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None) -> Dict:
        """(N,K,2) crop-pixel keypoints -> ``keypoint_labels`` (N,K,2),
        ``keypoint_weights`` (N,K)."""
        keypoints, vis = self._check_keypoints(keypoints, keypoints_visible)
        labels = keypoints / np.array(self.input_size, np.float32) - 0.5
        weights = (vis > 0).astype(np.float32)
        if self.num_body_keypoints and self.body_weight != 1:
            weights[:, :self.num_body_keypoints] *= self.body_weight
        return dict(keypoint_labels=labels.astype(np.float32), keypoint_weights=weights)

    def labels_to_keypoints(self, labels) -> np.ndarray:
        """Normalised coordinates (..., 2) -> crop pixels."""
        return ((_as_numpy(labels) + 0.5) * np.array(self.input_size, np.float32)).astype(
            np.float32)

    def decode(self, encoded) -> Tuple[np.ndarray, np.ndarray]:
        """Heatmap logits (K,H,W) or (N,K,H,W) -> (keypoints (N,K,2) in
        crop pixels, scores (N,K))."""
        if hasattr(encoded, 'detach'):  # keep a tensor (and its device)
            hm = encoded if encoded.dim() == 4 else encoded[None]
        else:
            hm = self._as_batch(encoded)
        labels, scores = integral_decode(hm, self.norm_type)
        return self.labels_to_keypoints(labels), scores
