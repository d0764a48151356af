"""Top-down pose estimator: backbone -> neck -> head, with flip test."""
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmalphapose.registry import MODELS
from mmalphapose.utils.array_conversion import to_numpy


@MODELS.register_module()
class TopdownPoseEstimator(BaseModel):
    """Top-down pose estimator (one person crop per sample).

    Args:
        backbone / neck / head: model configs (neck optional).
        train_cfg / test_cfg: passed to the head; ``test_cfg.flip_test``
            also runs the horizontally flipped crop; ``test_cfg.embedding``
            (a ``PoseGuidedPooling`` config, ``type`` optional) makes
            ``predict`` also write ``pred_instances.embeddings`` (N, D) from
            the same forward (a backend replacing the tensor forward must
            give ``self.embedder.required_outputs()``: the un-flipped
            feature map it pools and the preprocessed crops).
        data_preprocessor: defaults to ``PoseDataPreprocessor`` (AlphaPose
            normalisation).
        metainfo: dataset metainfo (kept for inference APIs/visualisers).

    Modes: ``'tensor'`` (raw head output), ``'loss'`` (dict of losses) and
    ``'predict'`` (data samples with ``pred_instances``: ``keypoints``
    (N,K,2) in image pixels, ``keypoint_scores``, ``bboxes``, ``bbox_scores``).
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 metainfo: Optional[dict] = None,
                 init_cfg=None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PoseDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # build in our scope so that it works without a default scope
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        self.metainfo = metainfo
        self.embedder = self._build_embedder(self.test_cfg.get('embedding'), metainfo)

    @staticmethod
    def _build_embedder(cfg: Optional[dict], metainfo: Optional[dict]):
        """``test_cfg.embedding`` -> the module that writes
        ``pred_instances.embeddings`` in :meth:`predict` (default type
        ``PoseGuidedPooling`` with the model's metainfo; ``dict()`` uses its
        defaults); None when unset."""
        if cfg is None or cfg is False:
            return None
        cfg = dict(type='PoseGuidedPooling', **cfg) if 'type' not in cfg else dict(cfg)
        if metainfo is None and 'metainfo' not in cfg:
            raise ValueError('test_cfg.embedding needs the model metainfo (model.metainfo)')
        cfg.setdefault('metainfo', metainfo)
        return MODELS.build(cfg)

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        x = self.backbone(inputs)
        if self.neck is not None:
            x = self.neck(x)
        return x if isinstance(x, (tuple, list)) else (x, )

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.head.forward(self.extract_feat(inputs))
        raise ValueError(f'invalid mode "{mode}": use loss, predict or tensor')

    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        return self.head.loss(self.extract_feat(inputs), data_samples, train_cfg=self.train_cfg)

    def predict(self, inputs: Tensor, data_samples: list) -> list:
        if self.test_cfg.get('flip_test', False):
            feats = [self.extract_feat(inputs), self.extract_feat(inputs.flip(-1))]
        else:
            feats = self.extract_feat(inputs)
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        if self.embedder is not None:
            self.add_embeddings(preds, feats[0] if self.test_cfg.get('flip_test') else feats,
                                inputs)
        return self.add_pred_to_datasample(preds, data_samples)

    def add_embeddings(self, preds: List[InstanceData], feats, inputs: Tensor) -> None:
        """Set ``embeddings`` (1, D) of each prediction with ``self.embedder``
        from the same forward's features (un-flipped) and crops; the
        keypoints are still in crop pixels here. Predictions that already
        carry embeddings (a trained identity head) keep theirs."""
        if not preds or 'embeddings' in preds[0]:
            return
        kpts = torch.as_tensor(np.stack([np.asarray(p.keypoints, np.float32)[0] for p in preds]))
        scores = torch.as_tensor(
            np.stack([np.asarray(p.keypoint_scores, np.float32)[0] for p in preds]))
        dev = inputs.device
        emb = self.embedder(feats, inputs, kpts.to(dev), scores.to(dev)).cpu().numpy()
        for p, e in zip(preds, emb):
            p.embeddings = e[None]

    @staticmethod
    def _meta_array(sample, key: str) -> np.ndarray:
        if key not in sample.metainfo:
            raise KeyError(f'predict needs "{key}" in the data sample metainfo '
                           '(set by TopdownAffine / PackPoseInputs)')
        val = sample.metainfo[key]
        if isinstance(val, torch.Tensor):
            val = val.cpu().numpy()
        return np.asarray(val, np.float32).reshape(-1, 2)

    def add_pred_to_datasample(self, preds: List[InstanceData], data_samples: list) -> list:
        """Map crop-pixel predictions to the image and store them as
        ``pred_instances`` (``img = kpt / input_size * input_scale +
        input_center - input_scale / 2``; the one crop -> image inverse of
        the project). Every other field of the head's prediction (e.g.
        ``embeddings``) is carried over unchanged."""
        if len(preds) != len(data_samples):
            raise ValueError(f'{len(preds)} predictions for '
                             f'{len(data_samples)} data samples')
        for pred, sample in zip(preds, data_samples):
            size = self._meta_array(sample, 'input_size')
            center = self._meta_array(sample, 'input_center')
            scale = self._meta_array(sample, 'input_scale')
            kpts = np.asarray(pred.keypoints, np.float32)
            kpts = (kpts / size[:, None] * scale[:, None] + center[:, None] - 0.5 * scale[:, None])
            out = InstanceData()
            for key, value in pred.items():
                if key not in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
                    out.set_field(value, key)
            out.keypoints = kpts
            out.keypoint_scores = np.asarray(pred.keypoint_scores, np.float32)
            gt = sample.get('gt_instances', None)
            n = len(kpts)
            if gt is not None and 'bboxes' in gt:
                out.bboxes = to_numpy(gt.bboxes, np.float32).reshape(-1, 4)[:n]
                scores = gt.get('bbox_scores', np.ones(n, np.float32))
                out.bbox_scores = to_numpy(scores, np.float32).reshape(-1)[:n]
            else:
                bbox = np.concatenate([center - scale / 2, center + scale / 2], 1)
                out.bboxes = bbox.astype(np.float32)
                out.bbox_scores = np.ones(n, np.float32)
            sample.pred_instances = out
        return data_samples
