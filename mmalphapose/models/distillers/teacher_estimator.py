"""The ONNX teachers wrapped as a top-down pose estimator (Halpe-26).

It takes the same inputs as :class:`TopdownPoseEstimator` at test time
(person crops ``(N,3,H,W)`` BGR 0..255 plus data samples whose metainfo has
``input_center`` / ``input_scale`` / ``input_size``) and fills
``pred_instances`` with Halpe-26 keypoints in image pixels: MoveNet Thunder
for the COCO-17 body, BlazePose for the feet and the derived head / neck /
pelvis (``pseudo_labels.assemble_halpe26``). Use it as an online teacher
(``predict_crops``), as a reference model, or as a slower but more accurate
Halpe-26 model for the demo. It cannot be trained.
"""
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from mmalphapose.registry import MODELS
from .onnx_teachers import BlazePoseTeacher, MoveNetTeacher
from .pseudo_labels import assemble_halpe26


@MODELS.register_module()
class ONNXTeacherPoseEstimator(BaseModel):
    """MoveNet (+ BlazePose feet) as a Halpe-26 top-down estimator.

    Args:
        body_model: MoveNet SinglePose Thunder ONNX file.
        feet_model: BlazePose full ONNX file, or None (feet scores 0).
        score_thr: keypoints whose confidence is below get score 0
            (their positions are kept).
        num_threads: onnxruntime threads (0 = default).
        metainfo: dataset metainfo (for visualisers); optional.
        test_cfg: ``flip_test`` is ignored; ``embedding`` (a
            ``PoseGuidedPooling`` config) adds ``pred_instances.embeddings``
            pooled from the crop pixels (BGR 0..255) at the keypoints: the
            ONNX graphs give no features, so only ``sources=('pixels',)``.
    """

    def __init__(self,
                 body_model: str,
                 feet_model: Optional[str] = None,
                 score_thr: float = 0.0,
                 num_threads: int = 0,
                 metainfo: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.body = MoveNetTeacher(body_model, padding=1.0, num_threads=num_threads)
        self.feet = BlazePoseTeacher(feet_model, padding=1.0, num_threads=num_threads) \
            if feet_model else None
        self.score_thr = float(score_thr)
        self.test_cfg = dict(test_cfg or dict(flip_test=False))
        self.embedder = None
        emb = self.test_cfg.get('embedding')
        if emb is not None and emb is not False:
            emb = dict(type='PoseGuidedPooling', **emb) if 'type' not in emb else dict(emb)
            emb.setdefault('sources', ('pixels', ))
            emb.setdefault('pixel_range', (0.0, 255.0))
            emb.setdefault('metainfo', metainfo)
            self.embedder = MODELS.build(emb)
        if metainfo is not None:
            from mmalphapose.structures.pose_metainfo import PoseMetainfo
            metainfo = PoseMetainfo.load(metainfo)
        self.dataset_meta = metainfo
        self.metainfo = metainfo

    def predict_crops(self, imgs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(N,H,W,3) uint8 BGR crops -> Halpe-26 keypoints (N,26,2) in crop
        pixels and scores (N,26)."""
        imgs = np.asarray(imgs)
        n, h, w = imgs.shape[:3]
        kpts = np.zeros((n, 26, 2), np.float32)
        scores = np.zeros((n, 26), np.float32)
        box = np.array([[0, 0, w, h]], np.float32)
        for i in range(n):
            img = np.ascontiguousarray(imgs[i])
            body, bs = self.body.predict(img, box)
            blaze = blaze_s = None
            if self.feet is not None:
                blaze, blaze_s = self.feet.predict(img, box)
            k, s, _ = assemble_halpe26(body, bs, blaze, blaze_s, score_thr=0.0)
            kpts[i], scores[i] = k[0], s[0]
        scores[scores < self.score_thr] = 0
        return kpts, scores

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'predict'):
        if mode == 'loss':
            raise RuntimeError('ONNXTeacherPoseEstimator is inference-only')
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        imgs = inputs.detach().permute(0, 2, 3, 1).clamp(0, 255).round() \
            .to(torch.uint8).cpu().numpy()
        kpts, scores = self.predict_crops(imgs)
        if mode == 'tensor' or data_samples is None:
            return torch.from_numpy(kpts), torch.from_numpy(scores)
        h, w = imgs.shape[1:3]
        emb = None
        if self.embedder is not None:
            emb = self.embedder(None, inputs.float(), torch.from_numpy(kpts),
                                torch.from_numpy(scores)).cpu().numpy()
        for i, ds in enumerate(data_samples):
            meta = ds.metainfo
            center = np.asarray(meta['input_center'], np.float32).reshape(2)
            scale = np.asarray(meta['input_scale'], np.float32).reshape(2)
            img_k = center + (kpts[i] / np.array([w, h], np.float32) - 0.5) * scale
            pred = InstanceData(
                keypoints=img_k[None].astype(np.float32), keypoint_scores=scores[i][None])
            if emb is not None:
                pred.embeddings = emb[i][None]
            gt = ds.get('gt_instances', None)
            if gt is not None:
                for key in ('bboxes', 'bbox_scores'):
                    if key in gt:
                        pred.set_field(np.asarray(gt.get(key)), key)
            ds.pred_instances = pred
        return data_samples
