"""``PoseTrackEstimator``: a top-down pose estimator with AlphaPose's
pose-aware identity-embedding branch (:class:`IdentityEmbeddingHead`), so one
forward pass gives keypoints and ``pred_instances.embeddings``."""
from typing import Dict

import numpy as np
from torch import Tensor

from mmalphapose.registry import MODELS
from mmalphapose.utils.typing import ConfigType, Features, OptConfigType, SampleList
from .topdown import TopdownPoseEstimator


@MODELS.register_module()
class PoseTrackEstimator(TopdownPoseEstimator):
    """Top-down pose estimator with a pose-aware identity-embedding branch.

    Same arguments as :class:`TopdownPoseEstimator` plus ``embedding_head``
    (an :class:`IdentityEmbeddingHead` config) and ``embedding_loss_weight``.
    ``loss`` adds the identity losses (``loss_id_*``) to the pose losses;
    ``predict`` also writes ``pred_instances.embeddings`` (1, D) per sample.
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

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        feats = self.extract_feat(inputs)
        if self.test_cfg.get('flip_test', False):
            pose_feats: Features = [feats, self.extract_feat(inputs.flip(-1))]
        else:
            pose_feats = feats
        preds = self.head.predict(pose_feats, data_samples, test_cfg=self.test_cfg)
        samples = self.add_pred_to_datasample(preds, data_samples)
        emb = self.embedding_head.predict(feats, self.head.forward(feats))
        emb = emb.float().cpu().numpy()
        for i, sample in enumerate(samples):
            n = len(sample.pred_instances.keypoints)
            sample.pred_instances.embeddings = np.repeat(emb[i:i + 1], n, 0)
        return samples
