"""``PoseTrackEstimator``: a top-down pose estimator with AlphaPose's
pose-aware identity-embedding branch (:class:`IdentityEmbeddingHead`), so one
forward pass gives keypoints and ``pred_instances.embeddings``."""
from typing import Dict

import numpy as np
from mmengine.structures import InstanceData
from torch import Tensor

from mmalphapose.registry import MODELS
from mmalphapose.utils.typing import ConfigType, OptConfigType, SampleList
from .network_runner import NetworkOutputs
from .topdown import TopdownPoseEstimator


@MODELS.register_module()
class PoseTrackEstimator(TopdownPoseEstimator):
    """Top-down pose estimator with a pose-aware identity-embedding branch.

    Same arguments as :class:`TopdownPoseEstimator` plus ``embedding_head``
    (an :class:`IdentityEmbeddingHead` config) and ``embedding_loss_weight``.
    ``loss`` adds the identity losses (``loss_id_*``) to the pose losses;
    ``predict_crops`` (and so ``predict``) also writes ``embeddings`` (N, D),
    from the same network-runner output as the keypoints (:meth:`embed`).
    """

    def __init__(self,
                 backbone: ConfigType,
                 head: ConfigType,
                 embedding_head: ConfigType,
                 neck: OptConfigType = None,
                 embedding_loss_weight: float = 1.0,
                 **kwargs) -> None:
        super().__init__(backbone=backbone, head=head, neck=neck, **kwargs)
        self.embedding_head = MODELS.build(embedding_head)
        self.embedding_loss_weight = embedding_loss_weight

    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        feats = self.extract_feat(inputs)
        losses = self.head.loss(feats, data_samples, train_cfg=self.train_cfg)
        id_losses = self.embedding_head.loss(feats, self.head.forward(feats), data_samples)
        for k, v in id_losses.items():
            losses[k] = v * self.embedding_loss_weight if k.startswith('loss') else v
        return losses

    def embed(self, out: NetworkOutputs, inputs: Tensor,
              preds: InstanceData) -> np.ndarray:
        """The embedding head on the network runner's un-flipped features and
        head output: (N, D) float32, one row per crop (``predict_crops``; the
        base ``predict`` writes it per sample)."""
        emb = self.embedding_head.predict(out.feats, out.head_out)
        return emb.float().cpu().numpy()
