"""The person detector of the inferencer projects: mmalphapose's bundled ONNX
NanoDet-m (``nanodet-person`` in model-index.yml), offline.

Given no ``det_model``, MMPose's top-down inferencers download MMDetection's
RTMDet (``default_det_models`` in ``mmpose/apis/inferencers/utils``) and need
mmdet. :func:`use_bundled_detector` puts :class:`BundledDetInferencer` where
they keep their detector instead; ``det_model='whole_image'`` or an MMDetection
config still mean what they mean in MMPose.
"""
from typing import Optional

import numpy as np
import torch


class BundledDetInferencer:
    """Answers as MMDetection's ``DetInferencer`` does for MMPose:
    ``detector(img, return_datasamples=True)['predictions'][0].pred_instances``
    with ``bboxes`` (n, 4) xyxy pixels, ``scores`` (n,) and ``labels`` (n,), all 0
    (person). MMPose then applies its ``bbox_thr`` and box NMS.

    Args:
        det_model: a detector name of the model index or an ONNX detector config.
        device: ``'cpu'`` or ``'cuda:N'`` (onnxruntime's provider).
        score_thr: the detector's own floor, below MMPose's ``bbox_thr``.
    """

    def __init__(self,
                 det_model: str = 'nanodet-person',
                 device: Optional[str] = 'cpu',
                 score_thr: float = 0.05) -> None:
        from mmalphapose.apis.detection import build_person_detector
        self.detector = build_person_detector(det_model, device=device or 'cpu',
                                              score_thr=score_thr)

    def __call__(self, inputs, return_datasamples: bool = True, **kwargs) -> dict:
        """inputs: an image path or a BGR (H, W, 3) array, as MMPose passes them."""
        import cv2
        from mmengine.structures import BaseDataElement, InstanceData
        img = cv2.imread(inputs) if isinstance(inputs, str) else np.asarray(inputs)
        if img is None:
            raise FileNotFoundError(f'{inputs}: not an image file')
        boxes, scores = self.detector.detect([img])[0]
        instances = InstanceData(
            bboxes=torch.as_tensor(np.asarray(boxes, np.float32).reshape(-1, 4)),
            scores=torch.as_tensor(np.asarray(scores, np.float32).reshape(-1)),
            labels=torch.zeros(len(scores), dtype=torch.long))
        return dict(predictions=[BaseDataElement(pred_instances=instances)])


def use_bundled_detector(kwargs: dict) -> bool:
    """Before building an MMPose inferencer from ``kwargs``: when no ``det_model``
    is given, ask MMPose for none (``'whole_image'``) and return True, meaning
    attach :class:`BundledDetInferencer` with :func:`attach_bundled_detector`."""
    if kwargs.get('det_model') is not None:
        return False
    kwargs['det_model'] = 'whole_image'
    return True


def attach_bundled_detector(pose2d_inferencer, device: Optional[str] = None) -> None:
    """Make ``pose2d_inferencer`` (MMPose's ``Pose2DInferencer``) detect people with
    :class:`BundledDetInferencer`."""
    pose2d_inferencer.detector = BundledDetInferencer(device=device)
    pose2d_inferencer.det_cat_ids = (0, )
