"""Top-down crop: affine warp of the person box to the network input.

The one crop of the project: the training/test pipelines call
:meth:`TopdownAffine.transform` (one sample) and inference calls
:meth:`TopdownAffine.warp_batch` (all people of several frames); both build
AlphaPose's warp matrix with :func:`get_warp_matrix` and warp with
``cv2.warpAffine`` (bilinear, black border), so an inference crop is
bit-identical to the crop the model saw in its test pipeline.
"""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmalphapose.registry import TRANSFORMS
from mmalphapose.structures import fix_aspect_ratio


def get_warp_matrix(center: np.ndarray,
                    scale: np.ndarray,
                    rot: float,
                    output_size: Tuple[int, int],
                    inv: bool = False) -> np.ndarray:
    """2x3 affine matrix mapping the box (center, scale=(w, h)) to ``output_size``.

    As AlphaPose ``get_affine_transform``: the center goes to the output
    center and ``scale[0]`` pixels map onto ``output_size[0]`` (isotropic),
    rotated by ``rot`` degrees. ``inv`` gives the output -> image mapping.
    """
    center = np.asarray(center, np.float64).reshape(2)
    src_w = float(np.asarray(scale, np.float64).reshape(2)[0])
    dst_w, dst_h = float(output_size[0]), float(output_size[1])
    rad = np.deg2rad(rot)
    sn, cs = np.sin(rad), np.cos(rad)

    def rotate(v):
        return np.array([v[0] * cs - v[1] * sn, v[0] * sn + v[1] * cs])

    def third(a, b):
        d = a - b
        return b + np.array([-d[1], d[0]])

    src = np.zeros((3, 2), np.float32)
    dst = np.zeros((3, 2), np.float32)
    src[0] = center
    src[1] = center + rotate(np.array([0., -0.5 * src_w]))
    src[2] = third(src[0], src[1])
    dst[0] = (0.5 * dst_w, 0.5 * dst_h)
    dst[1] = dst[0] + np.array([0., -0.5 * dst_w])
    dst[2] = third(dst[0], dst[1])
    if inv:
        return cv2.getAffineTransform(dst, src)
    return cv2.getAffineTransform(src, dst)


def apply_affine(points: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to points (..., 2)."""
    pts = np.asarray(points, np.float32)
    return (pts @ mat[:, :2].T.astype(np.float32) + mat[:, 2].astype(np.float32))


@TRANSFORMS.register_module()
class TopdownAffine(BaseTransform):
    """Warp the person box to ``input_size`` = (w, h), AlphaPose style.

    ``bbox_scale`` is first grown to the input aspect ratio (w/h), so the warp
    is isotropic; ``bbox_rotation`` (degrees) is used when present. Writes
    ``img`` (the crop), ``transformed_keypoints`` (crop pixels),
    ``input_size``, ``input_center`` (2,), ``input_scale`` (2,) and the
    aspect-fixed ``bbox_scale``. Keypoints outside the crop keep their
    coordinates; visibility is left to the codec.
    """

    def __init__(self, input_size: Tuple[int, int], use_udp: bool = False):
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError(f'TopdownAffine: input_size must be (w, h) > 0, got {input_size}')
        if use_udp:
            raise NotImplementedError('TopdownAffine: UDP is not used by AlphaPose')
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.use_udp = use_udp

    def fit_scale(self, scale: np.ndarray) -> np.ndarray:
        """Box sizes (N,2) grown to the input aspect ratio (w/h)."""
        w, h = self.input_size
        return fix_aspect_ratio(np.asarray(scale, np.float32).reshape(-1, 2), w / h)

    def warp_batch(
            self,
            images: Sequence[np.ndarray],
            image_ids: np.ndarray,
            centers: np.ndarray,
            scales: np.ndarray,
            rotations: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Crop N boxes out of F images (the batched form of :meth:`transform`).

        Args:
            images: F images (H,W,C) uint8.
            image_ids: (N,) index into ``images`` of each box.
            centers: (N,2) box centres; scales: (N,2) box sizes (w, h), padded.
            rotations: (N,) degrees (default 0).

        Returns:
            crops (N,h,w,C) of ``input_size``, the aspect-fixed scales (N,2)
            and the image -> crop matrices (N,2,3).
        """
        w, h = self.input_size
        centers = np.asarray(centers, np.float32).reshape(-1, 2)
        scales = self.fit_scale(scales)
        n = len(centers)
        rotations = np.zeros(n, np.float32) if rotations is None else \
            np.asarray(rotations, np.float32).reshape(-1)
        image_ids = np.asarray(image_ids, np.int64).reshape(-1)
        if not (len(image_ids) == len(scales) == len(rotations) == n):
            raise ValueError(f'TopdownAffine.warp_batch: {len(image_ids)} image ids, {n} '
                             f'centres, {len(scales)} scales, {len(rotations)} rotations')
        chans = images[0].shape[2] if len(images) and images[0].ndim == 3 else 3
        crops = np.zeros((n, h, w, chans), np.uint8)
        mats = np.zeros((n, 2, 3), np.float64)
        for i in range(n):  # the pixel work is cv2's; one call per person
            mats[i] = get_warp_matrix(centers[i], scales[i], float(rotations[i]), (w, h))
            crops[i] = cv2.warpAffine(
                images[image_ids[i]], mats[i], (w, h), flags=cv2.INTER_LINEAR).reshape(h, w, chans)
        return crops, scales, mats

    def transform(self, results: Dict) -> Dict:
        w, h = self.input_size
        center = np.asarray(results['bbox_center'], np.float32).reshape(-1, 2)
        if center.shape[0] != 1:
            raise ValueError('TopdownAffine: top-down samples hold exactly one instance, got '
                             f'{center.shape[0]} (img_id={results.get("img_id")})')
        scale = self.fit_scale(results['bbox_scale'])
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise ValueError(f'TopdownAffine: degenerate bbox_scale {scale.tolist()} '
                             f'(img_id={results.get("img_id")}, id={results.get("id")})')
        rot = float(np.asarray(results.get('bbox_rotation', [0.]), np.float32).reshape(-1)[0])
        if 'img' in results:
            img = results['img']
            crops, _, mats = self.warp_batch([img], np.zeros(1, np.int64), center, scale,
                                             np.array([rot], np.float32))
            results['img'] = crops[0] if img.ndim == 3 else crops[0, ..., 0]
            mat = mats[0]
        else:
            mat = get_warp_matrix(center[0], scale[0], rot, (w, h))
        if results.get('keypoints') is not None:
            kpts = np.asarray(results['keypoints'], np.float32)
            results['transformed_keypoints'] = apply_affine(kpts[..., :2], mat)
        results['bbox_scale'] = scale
        results['input_size'] = (w, h)
        results['input_center'] = center[0].copy()
        results['input_scale'] = scale[0].copy()
        results['img_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(input_size={self.input_size})'
