"""Pose-aware identity embedding (AlphaPose TPAMI'22, arXiv 2211.03375: the
pose-aware identity embedding and its pose-guided attention).

A re-id branch on the pose network's shared features. The predicted keypoint
heatmaps, normalised per keypoint, weight the feature map before pooling
(pose-guided attention), so the embedding describes the person the pose
belongs to rather than background or other people in the box.

``PoseTrackEstimator`` (``models/pose_estimators/pose_track.py``) is a
``TopdownPoseEstimator`` with this branch: one forward pass gives keypoints
and ``pred_instances.embeddings``.
"""
import zlib
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmalphapose.registry import MODELS
from mmalphapose.utils.array_conversion import to_numpy
from mmalphapose.utils.typing import Features, OptConfigType, OptSampleList, SampleList
from .base_head import BaseHead


def identity_labels(batch_data_samples: Sequence) -> Tensor:
    """One identity per top-down sample, unique across videos.

    ``gt_instance_labels.identity`` when present; else the PoseTrack
    ``gt_instances.track_ids`` combined with the sample's ``video_id``;
    else (no track id, or -1) the sample's instance ``id`` (each instance
    its own identity, positives come from augmented copies).
    """
    labels = []
    for i, ds in enumerate(batch_data_samples):
        lab = ds.get('gt_instance_labels', None)
        if lab is not None and 'identity' in lab:
            labels.append(int(to_numpy(lab.identity).reshape(-1)[0]))
            continue
        gt = ds.get('gt_instances', None)
        track = -1
        if gt is not None and 'track_ids' in gt:
            tids = to_numpy(gt.track_ids).reshape(-1)
            track = int(tids[0]) if len(tids) else -1
        meta = ds.metainfo
        if track >= 0:
            labels.append(_video_key(meta.get('video_id', None)) * 1000 + track)
        elif meta.get('id', None) is not None:
            labels.append(10**9 + int(np.asarray(meta['id']).reshape(-1)[0]))
        else:
            raise KeyError(f'data sample {i}: no identity label; need '
                           'gt_instance_labels.identity, gt_instances.track_ids or an '
                           'instance "id" in the metainfo')
    return torch.as_tensor(labels, dtype=torch.int64)


def _video_key(vid) -> int:
    """Integer key of a video id (numeric strings keep their value)."""
    if vid is None:
        return 0
    vid = str(np.asarray(vid).reshape(-1)[0])
    return int(vid) if vid.isdigit() else zlib.crc32(vid.encode()) % 10**6


@MODELS.register_module()
class IdentityEmbeddingHead(BaseHead):
    """Re-id embedding with pose-guided attention pooling.

    Args:
        in_channels (int): Channels of the shared feature map.
        embed_dim (int): Embedding size D. 128.
        num_identities (int, optional): Identity classes of the classifier
            (identity labels are taken modulo this). None: no CE loss.
        mid_channels (int): Channels of the 1x1 conv before pooling. 256.
        heatmap_type (str): ``'heatmap'`` (MSE heatmaps; confidence = the
            clamped peak) or ``'logits'`` (SIKR maps; confidence =
            sigmoid of the peak). 'heatmap'.
        attention (str): ``'max'`` or ``'mean'`` over keypoints, or
            ``'none'`` (plain average pooling, for ablations). 'max'.
        attention_dilation (int): Max-pool kernel spreading each keypoint's
            response over its limb neighbourhood (odd). 3.
        attention_floor (float): Minimum weight of any location. 0.01.
        in_index (int): Feature index used from a tuple of features. -1.
        detach_heatmaps (bool): Do not back-propagate the re-id loss into
            the pose maps. True.
        loss_cls (dict, optional): Identity classification loss.
        loss_triplet (dict, optional): Metric loss on the embeddings.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dim: int = 128,
                 num_identities: Optional[int] = None,
                 mid_channels: int = 256,
                 heatmap_type: str = 'heatmap',
                 attention: str = 'max',
                 attention_dilation: int = 3,
                 attention_floor: float = 0.01,
                 in_index: int = -1,
                 detach_heatmaps: bool = True,
                 loss_cls: Optional[dict] = dict(type='IdentityCrossEntropyLoss', loss_weight=1.0),
                 loss_triplet: Optional[dict] = dict(
                     type='BatchHardTripletLoss', margin=0.3, loss_weight=1.0),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if heatmap_type not in ('heatmap', 'logits'):
            raise ValueError(f'heatmap_type must be heatmap|logits, got '
                             f'{heatmap_type!r}')
        if attention not in ('max', 'mean', 'none'):
            raise ValueError(f'attention must be max|mean|none, got '
                             f'{attention!r}')
        self.embed_dim, self.num_identities = embed_dim, num_identities
        self.heatmap_type, self.attention = heatmap_type, attention
        self.attention_dilation = attention_dilation | 1
        self.attention_floor = attention_floor
        self.in_index, self.detach_heatmaps = in_index, detach_heatmaps
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False), nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True))
        self.fc = nn.Linear(mid_channels, embed_dim)
        self.bn = nn.BatchNorm1d(embed_dim)
        self.classifier = (
            nn.Linear(embed_dim, num_identities, bias=False) if num_identities else None)
        self.loss_cls = (
            MODELS.build(loss_cls) if loss_cls and self.classifier is not None else None)
        self.loss_triplet = MODELS.build(loss_triplet) if loss_triplet else None

    def attention_map(self, heatmaps: Tensor, size) -> Tensor:
        """(N, K, H, W) keypoint maps -> (N, 1, h, w) weights in [floor, 1]."""
        h = heatmaps.detach() if self.detach_heatmaps else heatmaps
        h = h.float()
        peak = h.flatten(2).amax(-1)  # (N, K)
        conf = (peak.clamp(0, 1) if self.heatmap_type == 'heatmap' else torch.sigmoid(peak))
        shifted = h - h.flatten(2).amin(-1)[..., None, None]
        norm = shifted / shifted.flatten(2).amax(-1).clamp_min(1e-6)[
            ..., None, None]  # each keypoint map in [0, 1]
        norm = norm * conf[..., None, None]
        att = (
            norm.amax(1, keepdim=True) if self.attention == 'max' else norm.mean(1, keepdim=True) /
            norm.mean(1, keepdim=True).flatten(1).amax(-1).clamp_min(1e-6)[:, None, None, None])
        k = self.attention_dilation
        if k > 1:
            att = F.max_pool2d(att, k, stride=1, padding=k // 2)
        att = F.interpolate(att, size=size, mode='bilinear', align_corners=False)
        f = self.attention_floor
        return f + (1.0 - f) * att.clamp(0, 1)

    def _embed(self, feats: Features, heatmaps: Optional[Tensor]) -> Tensor:
        x = feats if isinstance(feats, Tensor) else feats[self.in_index]
        x = self.reduce(x)
        if self.attention == 'none' or heatmaps is None:
            pooled = x.mean((2, 3))
        else:
            if heatmaps.shape[0] != x.shape[0]:
                raise ValueError(f'{heatmaps.shape[0]} heatmaps for '
                                 f'{x.shape[0]} feature maps')
            att = self.attention_map(heatmaps, x.shape[-2:])
            pooled = (x * att).sum((2, 3)) / att.sum((2, 3))
        return self.bn(self.fc(pooled))

    def forward(self, feats: Features, heatmaps: Optional[Tensor]) -> Tensor:
        """Shared features + pose maps -> L2-normalised embeddings (N, D)."""
        return F.normalize(self._embed(feats, heatmaps), dim=1)

    def loss(self,
             feats: Features,
             heatmaps: Optional[Tensor],
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> Dict[str, Tensor]:
        """Identity losses; labels from the data samples (see
        :func:`identity_labels`). Unlike the pose heads it also takes the
        pose maps it attends with (``heatmaps``, (N,K,H,W) or None)."""
        labels = identity_labels(batch_data_samples).to(
            (feats if isinstance(feats, Tensor) else feats[0]).device)
        emb = self._embed(feats, heatmaps)
        losses: Dict[str, Tensor] = {}
        if self.loss_cls is not None:
            cls_labels = torch.where(labels >= 0, labels % self.num_identities, labels)
            logits = self.classifier(emb)
            losses['loss_id_cls'] = self.loss_cls(logits, cls_labels)
            with torch.no_grad():
                ok = cls_labels >= 0
                acc = (logits[ok].argmax(1) == cls_labels[ok]).float().mean()
            losses['acc_id'] = acc if bool(ok.any()) else emb.new_zeros(())
        if self.loss_triplet is not None:
            losses['loss_id_triplet'] = self.loss_triplet(emb, labels)
        if not losses:
            raise ValueError('IdentityEmbeddingHead has no loss configured')
        return losses

    @torch.no_grad()
    def predict(self,
                feats: Features,
                heatmaps: Optional[Tensor],
                batch_data_samples: OptSampleList = None,
                test_cfg: OptConfigType = None) -> Tensor:
        """Embeddings (N, D) for inference."""
        return self.forward(feats, heatmaps)
