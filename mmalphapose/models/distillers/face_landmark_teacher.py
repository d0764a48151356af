"""The face-api 68-point landmark net as a face teacher on rotated face crops.

Crops: square, side = longest side of the face box x ``padding``, centred on
the box, rotated so that ``angles`` (the chin -> brows direction, see
:func:`~mmalphapose.structures.bbox.part_boxes.face_boxes_from_body`)
points up, resized to 112 px; all faces of a call go through the net as one
batch. With ``flip=True`` the mirrored crops go through too; the two
predictions (the mirrored one un-mirrored with the iBUG-68 flip pairs of the
Halpe-136 metainfo) are averaged, and their disagreement gives the per-point
confidence ``exp(-(d / (flip_tol * crop side))^2)``.

Measured on HELEN test (``faces68/helen_test.json``, 330 faces; NME = mean
error / outer eye-corner distance), box = the landmarks' extent, upright:
padding 1.3 (centred) 0.0449, 1.2 0.0454, 1.4 0.0455, 1.0 0.0476, 1.6 0.0535
(1.0 and 1.6 on the first 80 faces; face-api's reference figure: 0.048);
with the flip test 0.0431. Points whose
two passes disagree by < 1 / 1-2 / 2-4 / 4-8 % of the crop have NME 0.039 /
0.044 / 0.062 / 0.105. More in ``docs/wholebody.md``.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch

from mmalphapose.registry import MODELS
from .onnx_teachers import affine_crop_to_image, rotated_square_crop_affine, warp_rgb_crops


def ibug68_flip_indices() -> np.ndarray:
    """(68,) mirror permutation of the iBUG-68 face, read from the Halpe-136
    metainfo (face = keypoints 26-93)."""
    from mmalphapose.datasets import parse_pose_metainfo
    from mmalphapose.utils.resources import resolve_resource
    meta = parse_pose_metainfo(
        dict(
            from_file=resolve_resource('configs/_base_/datasets/halpe136.py',
                                       'Halpe-136 metainfo')))
    idx = np.asarray(meta['flip_indices'][26:94], np.int64) - 26
    if sorted(idx.tolist()) != list(range(68)):
        raise ValueError('halpe136.py: the face flip indices (26-93) are not a permutation')
    return idx


@MODELS.register_module()
class FaceLandmarkTeacher:
    """face-api's 68-point net (:class:`FaceLandmark68Net`) on face boxes.

    Args:
        weights: the TF.js weights manifest of the net.
        padding: crop side / longest side of the face box (1.3 best on
            HELEN's landmark boxes).
        flip: also run the mirrored crops (average + confidence).
        flip_tol: disagreement, as a fraction of the crop side, at which the
            confidence falls to ``exp(-1)``.
        refine: extra passes, each on the box and eye-line angle of the
            previous pass's points (:func:`face_box_from_landmarks`).
        num_threads: torch / onnxruntime threads for the forward (0 =
            leave as is / onnxruntime's default).
        backend: ``'torch'``, or ``'onnxruntime'``: the net exported once
            from the same weights into the ONNX cache
            (:func:`face_landmark68_onnx`; on the same crops its points are
            within 1e-4 px of torch's;
            8 crops on one thread 26 ms against 64 ms in torch, 2026-12-07).
    """
    num_keypoints = 68

    def __init__(self,
                 weights: str,
                 padding: float = 1.3,
                 flip: bool = True,
                 flip_tol: float = 0.03,
                 refine: int = 0,
                 num_threads: int = 0,
                 backend: str = 'torch') -> None:
        from mmalphapose.models.backbones.face_landmark68_net import (FaceLandmark68Net,
                                                                      face_landmark68_onnx)
        if backend not in ('torch', 'onnxruntime'):
            raise ValueError('FaceLandmarkTeacher: backend must be "torch" or "onnxruntime", '
                             f'got "{backend}"')
        self.net = FaceLandmark68Net(weights).eval()
        self.backend = backend
        self.session = None
        if backend == 'onnxruntime':
            from mmalphapose.utils.onnx import create_onnx_session
            self.session = create_onnx_session(
                face_landmark68_onnx(self.net), type(self).__name__, int(num_threads))
            self.input_name = self.session.get_inputs()[0].name
        self.input_size = self.net.input_size
        self.padding = float(padding)
        self.flip = bool(flip)
        self.flip_tol = float(flip_tol)
        self.refine = int(refine)
        self.num_threads = int(num_threads)
        self.flip_idx = ibug68_flip_indices() if flip else None

    def predict_many(self,
                     images: Sequence[np.ndarray],
                     bboxes: np.ndarray,
                     angles: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Face points (N,68,2) in image pixels and confidences (N,68) (1
        without the flip test); face ``i`` is in ``images[i]``.

        Args:
            images: N BGR (or grey) images (the same array may repeat).
            bboxes: (N,4) xyxy face boxes, or (N,C,4) C candidate boxes per
                face: all are tried in one batch and the one with the highest
                mean confidence is kept (needs ``flip=True`` to be meaningful).
            angles: (N,) or (N,C) radians, the image direction that becomes
                up in the crop; None = upright.

        Each pass cuts square crops (the box's longest side x ``padding``,
        rotated by the angle, RGB, ``input_size``), runs all faces (and
        their mirrors with ``flip``) through the net as one batch and maps
        the points back to the image; each of the ``refine`` extra passes
        re-crops around the previous points (:func:`face_box_from_landmarks`).
        """
        bboxes = np.asarray(bboxes, np.float32)
        n, s = len(images), self.input_size
        if n == 0:
            return np.zeros((0, 68, 2), np.float32), np.zeros((0, 68), np.float32)
        if len(bboxes) != n or bboxes.shape[-1] != 4:
            raise ValueError(f'FaceLandmarkTeacher: {n} images for face boxes of shape '
                             f'{bboxes.shape} (expected ({n},4) or ({n},C,4))')
        boxes = bboxes.reshape(-1, 4)
        c = len(boxes) // n
        ang = None if angles is None else np.asarray(angles, np.float32).reshape(-1)
        crop_images = [img for img in images for _ in range(c)]
        for step in range(1 + self.refine):
            centers = (boxes[:, :2] + boxes[:, 2:]) / 2
            sides = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) * self.padding
            mats = rotated_square_crop_affine(centers, sides, ang, s)
            x = warp_rgb_crops(crop_images, mats, s).transpose(0, 3, 1, 2).astype(np.float32)
            m = len(x)
            if self.flip:
                x = np.concatenate([x, x[..., ::-1]])
            out = self.forward(x) * s
            if self.flip:  # the mirrored pass un-mirrored: average and agreement
                mirrored = out[m:][:, self.flip_idx]
                mirrored[..., 0] = s - mirrored[..., 0]
                d = np.linalg.norm(out[:m] - mirrored, axis=-1)
                conf = np.exp(-(d / (self.flip_tol * s))**2).astype(np.float32)
                pts = ((out[:m] + mirrored) / 2).astype(np.float32)
            else:
                pts, conf = out.astype(np.float32), np.ones((m, 68), np.float32)
            pts = affine_crop_to_image(pts, mats)
            if step == 0:  # the best of each face's C candidates
                best = conf.reshape(n, c, 68).mean(2).argmax(1)
                pts = pts.reshape(n, c, 68, 2)[np.arange(n), best]
                conf = conf.reshape(n, c, 68)[np.arange(n), best]
            if step < self.refine:  # the next pass: around these points
                boxes, ang = face_box_from_landmarks(pts)
                crop_images = images
        return pts, conf

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(M,3,S,S) float32 RGB 0..255 crops -> (M,68,2) points in 0..1 of
        the crop, through the net on ``backend`` (``num_threads``)."""
        x = np.ascontiguousarray(x, np.float32)
        if self.session is not None:
            return self.session.run(None, {self.input_name: x})[0]
        old = torch.get_num_threads()
        if self.num_threads > 0:
            torch.set_num_threads(self.num_threads)
        try:
            with torch.no_grad():
                return self.net(torch.from_numpy(x)).numpy()
        finally:
            torch.set_num_threads(old)

    def predict(self,
                img: np.ndarray,
                bboxes: np.ndarray,
                angles: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_many` for (N,4) face boxes of one BGR image."""
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
        return self.predict_many([img] * len(bboxes), bboxes, angles)


def face_box_from_landmarks(pts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Square face boxes (N,4) xyxy and angles (N,) from 68-point faces
    (N,68,2): the angle turns the outer eye corners (36 -> 45) level (the
    chin -> brows direction becomes up), the box is the points' extent in
    that turned frame (the tight iBUG box, as in HELEN's ``face_box``)."""
    pts = np.asarray(pts, np.float64)
    d = pts[:, 45] - pts[:, 36]
    ang = np.arctan2(d[:, 1], d[:, 0])
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]
    u = pts[..., 0] * cos + pts[..., 1] * sin  # along the eye line
    v = -pts[..., 0] * sin + pts[..., 1] * cos  # towards the chin
    cu, cv = (u.min(1) + u.max(1)) / 2, (v.min(1) + v.max(1)) / 2
    side = np.maximum(u.max(1) - u.min(1), v.max(1) - v.min(1))
    cx, cy = cu * cos[:, 0] - cv * sin[:, 0], cu * sin[:, 0] + cv * cos[:, 0]
    boxes = np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], 1)
    return boxes.astype(np.float32), (ang - np.pi / 2).astype(np.float32)
