"""Top-down pose estimator: backbone -> neck -> head, with flip test."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmalphapose.registry import MODELS
from mmalphapose.utils.array_conversion import to_numpy
from .network_runner import NetworkOutputs, NetworkRunner, PyTorchRunner


@MODELS.register_module()
class TopdownPoseEstimator(BaseModel):
    """Top-down pose estimator (one person crop per sample).

    Args:
        backbone / neck / head: model configs (neck optional).
        train_cfg / test_cfg: passed to the head; ``test_cfg.flip_test``
            also runs the horizontally flipped crop; ``test_cfg.embedding``
            (a ``PoseGuidedPooling`` config, ``type`` optional) makes
            ``predict`` also write ``pred_instances.embeddings`` (N, D) from
            the same forward (the un-flipped features of the network
            runner's output and the preprocessed crops).
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
        # who runs backbone + neck + head.forward in predict (the onnxruntime
        # backend gives another runner: apis/backends.py)
        self.network_runner: NetworkRunner = PyTorchRunner(self)

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
        """MMPose's per-sample API: :meth:`predict_crops` then
        :meth:`add_pred_to_datasample` (``pred_instances`` of each sample)."""
        return self.add_pred_to_datasample(self.predict_crops(inputs, data_samples), data_samples)

    def predict_crops(self,
                      inputs: Tensor,
                      data_samples: Sequence,
                      flip: Optional[bool] = None,
                      with_embeddings: bool = True,
                      flip_indices: Optional[Sequence[int]] = None,
                      box_heights: Optional[np.ndarray] = None) -> InstanceData:
        """All N crops at once: :attr:`network_runner` (and again on the
        flipped crops) -> ``head.decode_outputs`` (-> the embedder).

        Args:
            inputs: (N,3,H,W) preprocessed crops.
            data_samples: the samples (only their metainfo's
                ``flip_indices`` is read here, when ``flip_indices`` is None).
            flip: flip test (None: ``test_cfg.flip_test``).
            with_embeddings: also the identity embedding (N,D) of
                ``test_cfg.embedding`` (only a tracker reads it).
            flip_indices: the flip pairs, checked once by the caller
                (``TopdownPredictor``); None: the samples'.
            box_heights: (N,) person box heights (image pixels); with
                ``test_cfg.flip_min_height`` the flip test runs only for
                the crops whose box is at least that tall (measured:
                ``benchmarks/flip_by_size.py``, ``docs/speed.md``).

        Returns:
            one float32 InstanceData: keypoints (N,K,2) in crop pixels,
            keypoint_scores (N,K), and the head's other fields.
        """
        flip = bool(self.test_cfg.get('flip_test', False)) if flip is None else bool(flip)
        tall = None  # (N,) bool: the crops to flip when only some are
        if flip and box_heights is not None and self.test_cfg.get('flip_min_height'):
            tall = np.asarray(box_heights, np.float32).reshape(-1) >= \
                float(self.test_cfg['flip_min_height'])
            flip, tall = bool(tall.any()), None if tall.all() or not tall.any() else tall
        test_cfg = self.test_cfg if flip == bool(self.test_cfg.get('flip_test', False)) else \
            dict(self.test_cfg, flip_test=flip)
        decode = getattr(self.head, 'decode_outputs', None)
        tall = None if decode is None else tall  # a head's own predict flips all or none
        if tall is not None:
            out, preds = self._decode_tall_flipped(inputs, tall, data_samples, test_cfg,
                                                   flip_indices)
        else:
            out = self.network_runner(inputs)
            out_flip = self.network_runner(inputs.flip(-1)) if flip else None
            if decode is None:  # a head with its own predict (test stand-ins)
                feats = [out.feats, out_flip.feats] if flip else out.feats
                preds = self.head.predict(feats, data_samples, test_cfg=test_cfg)
            else:
                preds = decode(out.head_out, None if out_flip is None else out_flip.head_out,
                               data_samples, test_cfg, flip_indices)
        if isinstance(preds, (list, tuple)):
            preds = InstanceData.cat(list(preds))
        if with_embeddings and len(preds) and 'embeddings' not in preds:
            emb = self.embed(out, inputs, preds)
            if emb is not None:
                preds.embeddings = emb
        return preds

    def _decode_tall_flipped(
            self, inputs: Tensor, tall: np.ndarray, data_samples: Sequence, test_cfg: dict,
            flip_indices: Optional[Sequence[int]]) -> Tuple[NetworkOutputs, InstanceData]:
        """N crops of which only the ``tall`` (N,) ones are also flipped, in
        one network run (the N crops, then the T flipped ones: no second run
        on a batch of a few crops): the network outputs of the N crops and
        ``head.decode_outputs``' predictions, rows in the input order."""
        idx, rest = np.flatnonzero(tall), np.flatnonzero(~tall)
        sel = torch.as_tensor(idx, device=inputs.device)
        n = len(inputs)
        both = self.network_runner(torch.cat([inputs, inputs[sel].flip(-1)]))
        out = NetworkOutputs(both.head_out[:n], tuple(f[:n] for f in both.feats))
        preds = InstanceData.cat([
            self.head.decode_outputs(out.head_out[sel], both.head_out[n:], data_samples,
                                     test_cfg, flip_indices),
            self.head.decode_outputs(out.head_out[torch.as_tensor(rest, device=inputs.device)],
                                     None, data_samples, dict(test_cfg, flip_test=False),
                                     flip_indices)
        ])[np.argsort(np.concatenate([idx, rest]))]
        return out, preds

    def embed(self, out: NetworkOutputs, inputs: Tensor,
              preds: InstanceData) -> Optional[np.ndarray]:
        """The identity embedding (N,D) float32 of the crops, from the network
        runner's un-flipped output (``test_cfg.embedding``); None when the
        model has none. :class:`PoseTrackEstimator` uses its embedding head."""
        if self.embedder is None:
            return None
        dev = inputs.device
        return self.embedder(out.feats, inputs, torch.as_tensor(preds.keypoints, device=dev),
                             torch.as_tensor(preds.keypoint_scores,
                                             device=dev)).float().cpu().numpy()

    @staticmethod
    def _meta_array(sample, key: str) -> np.ndarray:
        if key not in sample.metainfo:
            raise KeyError(f'predict needs "{key}" in the data sample metainfo '
                           '(set by TopdownAffine / PackPoseInputs)')
        val = sample.metainfo[key]
        if isinstance(val, torch.Tensor):
            val = val.cpu().numpy()
        return np.asarray(val, np.float32).reshape(-1, 2)

    def add_pred_to_datasample(self, preds: Union[InstanceData, List[InstanceData]],
                               data_samples: list) -> list:
        """Map the crop-pixel predictions of all N samples to the image at
        once (:func:`crop_to_image`) and store each sample's row as its
        ``pred_instances``; every other field of the prediction (e.g.
        ``embeddings``) is carried over unchanged; ``bboxes`` /
        ``bbox_scores`` come from the samples' ``gt_instances`` (else the
        crop's extent and 1)."""
        if isinstance(preds, (list, tuple)):
            preds = InstanceData.cat(list(preds)) if len(preds) else InstanceData()
        if len(preds) != len(data_samples):
            raise ValueError(f'{len(preds)} predictions for '
                             f'{len(data_samples)} data samples')
        if not data_samples:
            return data_samples
        size = np.concatenate([self._meta_array(s, 'input_size') for s in data_samples])
        center = np.concatenate([self._meta_array(s, 'input_center') for s in data_samples])
        scale = np.concatenate([self._meta_array(s, 'input_scale') for s in data_samples])
        out = InstanceData(**{
            k: v
            for k, v in preds.items() if k not in ('keypoints', 'keypoint_scores', 'bboxes',
                                                   'bbox_scores')
        })
        out.keypoints = crop_to_image(preds.keypoints, size, center, scale)
        out.keypoint_scores = np.asarray(preds.keypoint_scores, np.float32)
        boxes, box_scores = [], []
        for i, sample in enumerate(data_samples):
            gt = sample.get('gt_instances', None)
            if gt is not None and 'bboxes' in gt:
                boxes.append(to_numpy(gt.bboxes, np.float32).reshape(-1, 4)[:1])
                sc = gt.get('bbox_scores', np.ones(1, np.float32))
                box_scores.append(to_numpy(sc, np.float32).reshape(-1)[:1])
            else:
                boxes.append(np.concatenate([center[i] - scale[i] / 2,
                                             center[i] + scale[i] / 2])[None])
                box_scores.append(np.ones(1, np.float32))
        out.bboxes = np.concatenate(boxes).astype(np.float32)
        out.bbox_scores = np.concatenate(box_scores).astype(np.float32)
        for i, sample in enumerate(data_samples):
            sample.pred_instances = out[i]
        return data_samples


def crop_to_image(keypoints: np.ndarray, input_size: np.ndarray, centers: np.ndarray,
                  scales: np.ndarray) -> np.ndarray:
    """Crop pixels -> image pixels for N crops, the one crop -> image
    inverse of the project: ``kpt / input_size * scale + center - scale / 2``.

    Args:
        keypoints: (N,K,2) in crop pixels.
        input_size: (w, h) of the crops, (2,) or (N,2).
        centers / scales: (N,2) of each crop in image pixels.

    Returns:
        (N,K,2) float32.
    """
    size = np.asarray(input_size, np.float32).reshape(-1, 1, 2)
    centers = np.asarray(centers, np.float32).reshape(-1, 1, 2)
    scales = np.asarray(scales, np.float32).reshape(-1, 1, 2)
    kpts = np.asarray(keypoints, np.float32)
    return (kpts / size * scales + centers - 0.5 * scales).astype(np.float32, copy=False)
