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
* :class:`HandLandmarkTeacher` - MediaPipe hand landmark full: float
  ``[1,224,224,3]`` RGB in [0, 1] -> ``Identity:0`` ``[1,63]`` = 21 x (x, y, z)
  in input pixels (z relative to the wrist), ``Identity_3:0`` ``[1,63]`` = world
  landmarks in metres (unused), ``Identity_1:0`` ``[1,1]`` = hand presence,
  ``Identity_2:0`` ``[1,1]`` = handedness (unused). Both scores are already
  probabilities (no sigmoid: noise/black/grey crops give 0.002-0.008, clear
  hands 0.8-0.98). Points: wrist, then 4 per finger from thumb to pinky, the
  COCO-WholeBody / Halpe hand order.
* :class:`FaceMeshTeacher` - MediaPipe face mesh: float ``[N,192,192,3]`` RGB
  in [0, 1] -> ``Identity_2:0`` ``[N,1404]`` = 468 x (x, y, z) in input pixels,
  ``Identity_1:0`` ``[N,1]`` = face flag (a probability already: 1e-5 on
  noise, >0.999 on faces), ``Identity:0`` ``[N,266]`` (unused). [0, 1] input
  beats [-1, 1] on the COCO-WholeBody faces (OKS 0.80 vs 0.76 at padding 1.6,
  0.79 vs 0.73 at 1.9; equal at 1.3).

Both MediaPipe models expect a crop rotated so that the part is upright
(fingers up / eyes level), so their ``predict`` takes optional per-box angles
(:func:`rotated_square_crop_affine`). The boxes come from GT part boxes or from
:func:`~mmalphapose.structures.bbox.part_boxes.hand_boxes_from_body` /
``face_boxes_from_body``.

Measured on the 4 COCO sample images against COCO-WholeBody GT (10 hands of
11-31 px, 4 faces of 23-29 px; OKS with the COCO-WholeBody per-point sigmas and
the person area as in its evaluation; PCK@0.1 = within 0.1 x the longest side
of the GT part box; NME = mean error / that side). Default paddings (1.5):

  boxes                                  hand: OKS / PCK@.1 / @.2   face: OKS / PCK@.1 / NME
  GT part box, upright crop              0.555 / 0.16 / 0.36        0.821 / 0.77 / 0.067
  GT part box, angle from the GT body    0.680 / 0.21 / 0.50 (9)    0.863 / 0.82 / 0.057
  box + angle from the GT body           0.503 / 0.16 / 0.33 (9)    0.861 / 0.82 / 0.060
    (hand_boxes_from_body / face_boxes_from_body)
    only parts with presence/flag >= 0.3 0.82 / 0.50 / 0.86 (2)     all 4 (flag 0.89-1.0)
  all points at the GT box centre        0.519 / 0.05 / -           0.186 / 0.06 / -

(9) = the 9 hands with a visible elbow and wrist. The COCO hands are tiny, so
the hand teacher is weak there: presence < 0.1 on 7-8 of the 10 hands, and
those predictions are no better than the box-centre reference; the hands it is
sure of are good. Labels therefore use the presence as the weight and drop
hands below a threshold. Face per region (boxes from the body): jaw 0.082,
brows 0.084, nose 0.049, eyes 0.051, mouth 0.039 NME.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmalphapose.registry import MODELS


def square_crop_affine(bboxes: np.ndarray, out_size: int, padding: float = 1.25) -> np.ndarray:
    """(N,4) xyxy boxes -> (N,2,3) affines mapping image -> square crop."""
    bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    center = (bboxes[:, :2] + bboxes[:, 2:]) / 2
    side = np.maximum(bboxes[:, 2] - bboxes[:, 0], bboxes[:, 3] - bboxes[:, 1]) * padding
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


def rotated_square_crop_affine(centers: np.ndarray, sides: np.ndarray, angles: Optional[np.ndarray],
                               out_size: int) -> np.ndarray:
    """(N,2,3) affines mapping the image to square ``out_size`` crops.

    Args:
        centers: (N,2) crop centres in the image.
        sides: (N,) crop side lengths in image pixels.
        angles: (N,) the image direction (radians, ``atan2(dy, dx)`` in image
            coordinates, y down) that becomes "up" in the crop, e.g. the
            elbow -> wrist direction for a hand. ``None`` or ``-pi/2`` keeps
            the crop upright (then the affine is the scale+shift of
            :func:`square_crop_affine`).
    """
    centers = np.asarray(centers, np.float64).reshape(-1, 2)
    sides = np.maximum(np.asarray(sides, np.float64).reshape(-1), 1.0)
    n = len(centers)
    if angles is None:
        angles = np.full(n, -np.pi / 2)
    theta = -(np.asarray(angles, np.float64).reshape(-1) + np.pi / 2)
    s = out_size / sides
    cos, sin = np.cos(theta) * s, np.sin(theta) * s
    mats = np.zeros((n, 2, 3), np.float64)
    mats[:, 0, 0], mats[:, 0, 1] = cos, -sin
    mats[:, 1, 0], mats[:, 1, 1] = sin, cos
    mats[:, :, 2] = out_size / 2 - np.einsum('nij,nj->ni', mats[:, :, :2], centers)
    return mats.astype(np.float32)


def affine_crop_to_image(points: np.ndarray, mats: np.ndarray) -> np.ndarray:
    """Map (N,K,2) crop pixels back to the image through the inverse of any
    (N,2,3) image -> crop affines (e.g. from :func:`rotated_square_crop_affine`)."""
    mats = np.asarray(mats, np.float64)
    a_inv = np.linalg.inv(mats[:, :, :2])
    pts = np.asarray(points, np.float64) - mats[:, None, :, 2]
    return np.einsum('nij,nkj->nki', a_inv, pts).astype(np.float32)


def warp_rgb_crops(images: Union[np.ndarray, Sequence[np.ndarray]], mats: np.ndarray,
                   size: int) -> np.ndarray:
    """RGB crops (N,S,S,3) uint8 through (N,2,3) image -> crop affines;
    ``images``: one BGR (or grey) image for all crops, or N of them (crop
    ``i`` from ``images[i]``); pixels outside the image are black."""
    import cv2
    if isinstance(images, np.ndarray):
        images = [images] * len(mats)
    return np.stack([
        cv2.warpAffine(
            cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img,
            m, (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT)[..., ::-1] for img, m in zip(images, mats)
    ]) if len(mats) else np.zeros((0, size, size, 3), np.uint8)


class _ONNXCropTeacher:
    input_size = 256

    def __init__(self, model_path: str, padding: float = 1.25, num_threads: int = 0) -> None:
        from mmalphapose.utils.onnx import create_onnx_session
        self.session = create_onnx_session(model_path, type(self).__name__, num_threads)
        self.input_name = self.session.get_inputs()[0].name
        self.padding = padding

    def crops(self, img: np.ndarray, bboxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Square RGB crops (N,S,S,3) uint8 and their affines (N,2,3)."""
        mats = square_crop_affine(bboxes, self.input_size, self.padding)
        return warp_rgb_crops(img, mats, self.input_size), mats


@MODELS.register_module()
class MoveNetTeacher(_ONNXCropTeacher):
    """MoveNet Thunder teacher for the 17 COCO body keypoints."""
    num_keypoints = 17

    def predict(self, img: np.ndarray, bboxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Returns keypoints (N,17,2) image pixels and scores (N,17)."""
        crops, mats = self.crops(img, bboxes)
        kpts = np.zeros((len(crops), 17, 2), np.float32)
        scores = np.zeros((len(crops), 17), np.float32)
        for i, c in enumerate(crops):  # the model takes batch 1 only
            out = self.session.run(None, {self.input_name: c[None].astype(np.int32)})[0]
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

    def predict(self, img: np.ndarray, bboxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
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
        vis = 1.0 / (1.0 + np.exp(-np.clip(lm[..., 3], -60.0, 60.0)))  # no overflow warning
        scores = (vis * flag[:, None]).astype(np.float32)
        return crop_to_image(lm[..., :2].astype(np.float32), mats), scores


class _RotatedCropTeacher(_ONNXCropTeacher):
    """A teacher whose crops can be rotated (MediaPipe part models).
    Subclasses name the two outputs they read (points (x, y, z) in crop
    pixels, then one score per crop), the number of points and whether the
    model takes only batch 1."""
    output_names: Tuple[str, str] = ('', '')
    num_keypoints = 0
    batch_one = False

    def __init__(self, model_path: str, padding: float = 1.5, num_threads: int = 0) -> None:
        super().__init__(model_path, padding, num_threads)
        names = [o.name for o in self.session.get_outputs()]
        if not all(w in names for w in self.output_names):
            raise ValueError(f'{type(self).__name__}: "{model_path}" has outputs {names}, '
                             f'expected {list(self.output_names)}')

    def predict(self,
                img: np.ndarray,
                bboxes: np.ndarray,
                angles: Optional[np.ndarray] = None,
                retry_thr: float = 0.0,
                retry_min: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints (N,K,2) in image pixels and scores (N,K) (the crop's
        score, e.g. hand presence or face flag, for all K points).

        Args:
            img: BGR (or grey) image.
            bboxes: (N,4) xyxy part boxes; the crop is square, side = the
                longest box side x ``padding``, around the box centre.
            angles: (N,) radians, the image direction that becomes up in the
                crop (:func:`rotated_square_crop_affine`); None = upright.
            retry_thr: crops whose score is below it are run again at +90,
                +180 and +270 degrees and the most confident result is kept
                (0: no search). For hands: on the 16 hands21 crops (GT boxes,
                angle unknown = upright) PCK@0.2 goes from 0.67 (upright
                only) to 0.92.
            retry_min: only crops whose first score is at least this are
                searched (0: all below ``retry_thr``); for crops whose angle
                is known to be about right (a hand along its forearm), where
                a score near 0 means no part in the crop.
        """
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
        centers = (bboxes[:, :2] + bboxes[:, 2:]) / 2
        sides = np.maximum(bboxes[:, 2] - bboxes[:, 0], bboxes[:, 3] - bboxes[:, 1]) * self.padding
        n, k = len(bboxes), self.num_keypoints
        kpts = np.zeros((n, k, 2), np.float32)
        flag = np.zeros(n, np.float32)
        todo, ang = np.arange(n), angles
        for quarter in range(4 if retry_thr > 0 else 1):
            if quarter == 1:  # the search: the crops below retry_thr upright
                todo = np.flatnonzero((flag < retry_thr) & (flag >= retry_min))
                up = np.full(n, -np.pi / 2, np.float32) if angles is None else \
                    np.asarray(angles, np.float32).reshape(-1)
            if quarter:
                ang = up[todo] + quarter * np.pi / 2
            if len(todo) == 0:
                break
            mats = rotated_square_crop_affine(centers[todo], sides[todo], ang, self.input_size)
            x = warp_rgb_crops(img, mats, self.input_size).astype(np.float32) / 255.0
            batches = [x[i:i + 1] for i in range(len(x))] if self.batch_one else [x]
            outs = [self.session.run(list(self.output_names), {self.input_name: b})
                    for b in batches]
            pts = np.concatenate([o[0].reshape(-1, k, 3) for o in outs])[..., :2]
            pts = affine_crop_to_image(pts.astype(np.float32), mats)
            score = np.concatenate([o[1].reshape(-1) for o in outs])
            better = score > flag[todo] if quarter else np.ones(len(todo), bool)
            kpts[todo[better]], flag[todo[better]] = pts[better], score[better]
        return kpts, np.repeat(flag[:, None], k, 1)


@MODELS.register_module()
class HandLandmarkTeacher(_RotatedCropTeacher):
    """MediaPipe hand landmark (full) teacher for the 21 hand keypoints.

    Layout (verified on the COCO-WholeBody hands of the COCO sample):
    ``Identity:0`` holds 21 x (x, y, z) in crop pixels in the COCO-WholeBody /
    Halpe order (wrist; thumb, index, middle, ring, pinky, 4 joints each from
    the palm out): on the two hands the model is sure of (presence 0.84-0.86)
    and the clearest low-presence one the identity order fits better than the
    thumb<->pinky mirrored order (mean error 0.11 / 0.08 vs 0.36 / 0.33 of the
    hand box). ``Identity_3:0`` is the same in metres (values within +-0.1),
    ``Identity_1:0`` the hand presence (a probability), ``Identity_2:0`` the
    handedness (a probability, not used: the caller knows which wrist the box
    came from).

    Crop: the box's longest side x ``padding`` (1.5: best on tight GT hand
    boxes, OKS 0.69 vs 0.70 at 2.0 but PCK@0.1 0.22 vs 0.25, and better on
    boxes from the body), rotated so that ``angles`` (the forearm direction
    elbow -> wrist, or wrist -> middle knuckle) points up, as MediaPipe feeds
    it. Scores: the presence for all 21 points (the model has no per-point
    confidence).

    Accuracy vs COCO-WholeBody GT (10 hands of the COCO sample, see the
    module table): GT hand box rotated by the GT body forearm OKS 0.680,
    PCK@0.1 0.21; box and angle from the GT body keypoints
    (``hand_boxes_from_body``) OKS 0.503, PCK@0.1 0.16, but 0.82 / 0.50 on
    the 2 hands with presence >= 0.3.
    """
    num_keypoints = 21
    input_size = 224
    output_names = ('Identity:0', 'Identity_1:0')
    batch_one = True  # the model takes batch 1 only


@MODELS.register_module()
class FaceMeshTeacher(_RotatedCropTeacher):
    """MediaPipe face mesh teacher: 468 face points (map them to the
    68-point iBUG / Halpe face with
    :data:`~mmalphapose.models.distillers.pseudo_labels.FACEMESH_TO_IBUG68`).

    Layout (verified): ``Identity_2:0`` = 468 x (x, y, z) in crop pixels, in
    MediaPipe's canonical mesh order (1 nose tip, 33 / 263 the outer corners of
    the subject's right / left eye, 152 chin); ``Identity_1:0`` = face flag (a
    probability); ``Identity:0`` ([N,266]) is not used. Input RGB in [0, 1].

    Crop: longest side of the box x ``padding`` (1.5: on tight GT face boxes
    OKS 0.821 / 0.804 / 0.785 at 1.5 / 1.6 / 1.9 upright; the mesh also
    covers the forehead), rotated so that ``angles`` points up (the eye line
    turned by -90 degrees, see ``face_boxes_from_body``). Scores: the face flag
    for all points.

    Accuracy vs COCO-WholeBody GT (4 faces, 68 mapped points): GT face box +
    body eye-line angle OKS 0.863, NME 0.057; box and angle from the GT body
    keypoints OKS 0.861, NME 0.060. On the blurry 10-40 px faces of the
    training videos the flag is mostly ~0 (those faces get weight 0).
    """
    num_keypoints = 468
    input_size = 192
    output_names = ('Identity_2:0', 'Identity_1:0')
