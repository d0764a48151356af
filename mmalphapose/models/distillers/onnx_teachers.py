"""Single-person ONNX teachers that label person crops for distillation.

Every teacher takes a BGR image and person boxes (xyxy) and returns keypoints
in image pixels ``(N, K, 2)`` and confidences ``(N, K)`` in its own layout.
The crop is square (longest side of the box times ``padding``), centred on the
box, warped with one affine per box (pixels outside the image are black).

* :class:`MoveNetTeacher` - MoveNet SinglePose Thunder: int32 ``[1,256,256,3]``
  RGB 0..255 -> ``[1,1,17,3]`` = (y, x, score) normalised to the crop, COCO-17.
* :class:`BlazePoseTeacher` - BlazePose GHUM full: float ``[N,256,256,3]`` RGB
  in [0, 1] -> ``[N,195]`` = 39 x (x, y, z, visibility, presence) in input
  pixels, visibility/presence as logits; the first 33 are the BlazePose
  landmarks (29/30 heels, 31/32 foot index).
"""
from typing import Tuple

import numpy as np

from mmalphapose.registry import MODELS


def square_crop_affine(bboxes: np.ndarray, out_size: int,
                       padding: float = 1.25) -> np.ndarray:
    """(N,4) xyxy boxes -> (N,2,3) affines mapping image -> square crop."""
    bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    center = (bboxes[:, :2] + bboxes[:, 2:]) / 2
    side = np.maximum(bboxes[:, 2] - bboxes[:, 0],
                      bboxes[:, 3] - bboxes[:, 1]) * padding
    side = np.maximum(side, 1.0)
    s = out_size / side
    mats = np.zeros((len(bboxes), 2, 3), np.float32)
    mats[:, 0, 0] = s
    mats[:, 1, 1] = s
    mats[:, :, 2] = out_size / 2 - center * s[:, None]
    return mats


def crop_to_image(points: np.ndarray, mats: np.ndarray) -> np.ndarray:
    """Map (N,K,2) crop pixels back to the image with the inverse of the
    scale+shift affines from :func:`square_crop_affine`."""
    s = mats[:, 0, 0][:, None, None]
    t = mats[:, :, 2][:, None, :]
    return (points - t) / s


class _ONNXCropTeacher:
    input_size = 256

    def __init__(self, model_path: str, padding: float = 1.25,
                 num_threads: int = 0) -> None:
        from mmalphapose.utils.onnx import create_onnx_session
        self.session = create_onnx_session(model_path, type(self).__name__, num_threads)
        self.input_name = self.session.get_inputs()[0].name
        self.padding = padding

    def crops(self, img: np.ndarray, bboxes: np.ndarray
              ) -> Tuple[np.ndarray, np.ndarray]:
        """Square RGB crops (N,S,S,3) uint8 and their affines (N,2,3)."""
        import cv2
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        mats = square_crop_affine(bboxes, self.input_size, self.padding)
        size = (self.input_size, self.input_size)
        crops = np.stack([
            cv2.warpAffine(img, m, size, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT)[..., ::-1]
            for m in mats
        ]) if len(mats) else np.zeros((0, *size, 3), np.uint8)
        return crops, mats


@MODELS.register_module()
class MoveNetTeacher(_ONNXCropTeacher):
    """MoveNet Thunder teacher for the 17 COCO body keypoints."""
    num_keypoints = 17

    def predict(self, img: np.ndarray, bboxes: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray]:
        """Returns keypoints (N,17,2) image pixels and scores (N,17)."""
        crops, mats = self.crops(img, bboxes)
        kpts = np.zeros((len(crops), 17, 2), np.float32)
        scores = np.zeros((len(crops), 17), np.float32)
        for i, c in enumerate(crops):  # the model takes batch 1 only
            out = self.session.run(None, {self.input_name:
                                          c[None].astype(np.int32)})[0]
            yxs = out.reshape(17, 3)
            kpts[i] = yxs[:, [1, 0]] * self.input_size
            scores[i] = yxs[:, 2]
        return crop_to_image(kpts, mats), scores


@MODELS.register_module()
class BlazePoseTeacher(_ONNXCropTeacher):
    """BlazePose GHUM full teacher (33 landmarks; used for heels/feet)."""
    num_keypoints = 33
    # BlazePose -> COCO-17 (nose, eyes, ears, shoulders ... ankles)
    COCO17 = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]

    def predict(self, img: np.ndarray, bboxes: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray]:
        """Returns landmarks (N,33,2) image pixels and scores (N,33): the
        sigmoid of the visibility logit times the pose-presence flag."""
        crops, mats = self.crops(img, bboxes)
        if len(crops) == 0:
            return np.zeros((0, 33, 2), np.float32), np.zeros((0, 33), np.float32)
        x = crops.astype(np.float32) / 255.0
        outs = self.session.run(None, {self.input_name: x})
        names = [o.name for o in self.session.get_outputs()]
        by_name = dict(zip(names, outs))
        lm = None
        flag = None
        for o in outs:
            if o.ndim == 2 and o.shape[1] == 195:
                lm = o.reshape(-1, 39, 5)[:, :33]
            elif o.ndim == 2 and o.shape[1] == 1:
                flag = o[:, 0]
        if lm is None or flag is None:
            raise ValueError(f'BlazePoseTeacher: unexpected outputs {list(by_name)}')
        vis = 1.0 / (1.0 + np.exp(-lm[..., 3]))
        scores = (vis * flag[:, None]).astype(np.float32)
        return crop_to_image(lm[..., :2].astype(np.float32), mats), scores
