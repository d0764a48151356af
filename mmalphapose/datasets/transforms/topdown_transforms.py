"""Top-down crop: affine warp of the person box to the network input.

The one crop of the project: :class:`TopdownCrop` (inference: all people of
several frames, from their boxes, with the padding and input size of the
model's test pipeline) and :meth:`TopdownAffine.transform` (the training /
test pipelines: one sample) both warp with :func:`warp_crops`:
the box size grown to the input aspect ratio (:func:`fix_aspect_ratio`),
AlphaPose's warp matrix (:func:`get_warp_matrix`, all boxes at once) and
``cv2.warpAffine`` (bilinear, black border), so an inference crop is
bit-identical to the crop the model saw in its test pipeline.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmalphapose.registry import TRANSFORMS
from mmalphapose.structures import bbox_xyxy2cs, fix_aspect_ratio


def get_warp_matrix(center: np.ndarray,
                    scale: np.ndarray,
                    rot: Union[float, np.ndarray],
                    output_size: Tuple[int, int],
                    inv: bool = False) -> np.ndarray:
    """Affine matrices mapping boxes (center, scale=(w, h)) to ``output_size``.

    As AlphaPose ``get_affine_transform`` (alphapose/utils/transforms.py:762-796):
    the center goes to the output center and ``scale[0]`` pixels map onto
    ``output_size[0]`` (isotropic), rotated by ``rot`` degrees; the three
    point pairs of all boxes are built at once (in AlphaPose's float32) and
    solved by ``cv2.getAffineTransform``. ``inv`` gives the output -> image
    mapping.

    Args:
        center: (2,) or (N,2) box centres.
        scale: (2,) or (N,2) box sizes (only the width is used).
        rot: degrees, a number or (N,).
        output_size: (w, h) of the output.

    Returns:
        (2,3) for a single box, else (N,2,3) float64.
    """
    single = np.ndim(center) == 1
    c = np.asarray(center, np.float64).reshape(-1, 2)
    src_w = np.asarray(scale, np.float64).reshape(-1, 2)[:, 0]
    rad = np.deg2rad(np.broadcast_to(np.asarray(rot, np.float64).reshape(-1), src_w.shape))
    dst_w, dst_h = float(output_size[0]), float(output_size[1])
    src = np.zeros((len(c), 3, 2), np.float32)
    dst = np.zeros((len(c), 3, 2), np.float32)
    src[:, 0] = c
    # the box's top-middle point, rotated about the centre
    src[:, 1] = c + np.stack([0.5 * src_w * np.sin(rad), -0.5 * src_w * np.cos(rad)], 1)
    dst[:, 0] = (0.5 * dst_w, 0.5 * dst_h)
    dst[:, 1] = dst[:, 0] + np.array([0., -0.5 * dst_w])
    for pts in (src, dst):  # third point: the first one turned 90 deg about the second
        d = pts[:, 0] - pts[:, 1]
        pts[:, 2] = pts[:, 1] + np.stack([-d[:, 1], d[:, 0]], 1)
    if inv:
        src, dst = dst, src
    mats = np.stack([cv2.getAffineTransform(a, b) for a, b in zip(src, dst)]) if len(c) else \
        np.zeros((0, 2, 3), np.float64)
    return mats[0] if single else mats


def warp_crops(images: Sequence[np.ndarray],
               image_ids: np.ndarray,
               centers: np.ndarray,
               scales: np.ndarray,
               input_size: Tuple[int, int],
               rotations: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop N boxes (centre, padded size) out of F images.

    Args:
        images: F images (H,W,C) or (H,W) uint8.
        image_ids: (N,) index into ``images`` of each box.
        centers: (N,2) box centres; scales: (N,2) box sizes (w, h), padded.
        input_size: (w, h) of the crops.
        rotations: (N,) degrees (default 0).

    Returns:
        crops (N,h,w,C) (or (N,h,w) for gray images) of ``input_size``, the
        aspect-fixed scales (N,2) and the image -> crop matrices (N,2,3).
    """
    w, h = input_size
    centers = np.asarray(centers, np.float32).reshape(-1, 2)
    scales = fix_aspect_ratio(np.asarray(scales, np.float32).reshape(-1, 2), w / h)
    n = len(centers)
    rotations = np.zeros(n, np.float32) if rotations is None else \
        np.asarray(rotations, np.float32).reshape(-1)
    image_ids = np.asarray(image_ids, np.int64).reshape(-1)
    if not (len(image_ids) == len(scales) == len(rotations) == n):
        raise ValueError(f'warp_crops: {len(image_ids)} image ids, {n} centres, '
                         f'{len(scales)} scales, {len(rotations)} rotations')
    mats = get_warp_matrix(centers, scales, rotations, (w, h))
    shape = images[0].shape[2:] if len(images) else (3, )
    crops = np.zeros((n, h, w, *shape), np.uint8)
    for i in range(n):  # the pixel work is cv2's; one call per person
        crops[i] = cv2.warpAffine(images[image_ids[i]], mats[i], (w, h), flags=cv2.INTER_LINEAR)
    return crops, scales, mats


def _test_pipeline(cfg: Config) -> List[dict]:
    for loader in ('test_dataloader', 'val_dataloader'):
        pipeline = ((cfg.get(loader) or {}).get('dataset') or {}).get('pipeline')
        if pipeline:
            return list(pipeline)
    return list(cfg.get('test_pipeline') or [])


class TopdownCrop:
    """Inference's crop: person boxes (xyxy) of several frames -> model input
    crops, with the box padding of ``GetBBoxCenterScale`` and the input size of
    ``TopdownAffine`` (:meth:`from_model`: those of the model's test pipeline).

    Args:
        padding: box padding (``GetBBoxCenterScale.padding``).
        input_size: (w, h) of the crops (``TopdownAffine.input_size``).
    """

    def __init__(self, padding: float, input_size: Tuple[int, int]):
        self.padding = float(padding)
        self.input_size: Tuple[int, int] = (int(input_size[0]), int(input_size[1]))

    @classmethod
    def from_model(cls, model: torch.nn.Module) -> 'TopdownCrop':
        """The crop of ``model``'s test pipeline (``model.cfg``).

        Raises:
            ValueError: when the pipeline lacks either transform, or its input
                size differs from the one of the model's codec.
        """
        cfg = getattr(model, 'cfg', None)
        name = getattr(cfg, 'filename', None) or '<config>'
        found: Dict[str, BaseTransform] = {}
        with DefaultScope.overwrite_default_scope('mmalphapose'):
            for step in _test_pipeline(cfg) if cfg is not None else []:
                kind = str(step.get('type', '')).split('.')[-1]
                if kind in ('GetBBoxCenterScale', 'TopdownAffine'):
                    found[kind] = TRANSFORMS.build(dict(step, type=kind))
        missing = [k for k in ('GetBBoxCenterScale', 'TopdownAffine') if k not in found]
        if missing:
            raise ValueError(f'pose config "{name}": its test pipeline (test_dataloader.'
                             f'dataset.pipeline or test_pipeline) has no {" / ".join(missing)}:'
                             ' the crop size and box padding come from there')
        crop = cls(found['GetBBoxCenterScale'].padding, found['TopdownAffine'].input_size)
        decoder = getattr(getattr(model, 'head', None), 'decoder', None)
        codec_size = getattr(decoder, 'input_size', None)
        if codec_size is not None and tuple(int(v) for v in codec_size) != crop.input_size:
            raise ValueError(f'pose config "{name}": TopdownAffine input_size '
                             f'{crop.input_size} differs from the codec input_size '
                             f'{tuple(codec_size)}')
        return crop

    def __call__(self, images: Sequence[np.ndarray], image_ids: np.ndarray,
                 bboxes: np.ndarray) -> Tuple[torch.Tensor, np.ndarray, np.ndarray]:
        """Crop N boxes (xyxy) of F images.

        The box centre and padded size as ``GetBBoxCenterScale``, then
        :func:`warp_crops` as ``TopdownAffine``; a degenerate box still gives
        a valid (1 px) crop.

        Returns:
            crops (N,3,h,w) float tensor (BGR, 0-255), centres (N,2) and
            aspect-fixed padded scales (N,2) in image pixels, float32.
        """
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4).copy()
        bboxes[:, 2:] = np.maximum(bboxes[:, 2:], bboxes[:, :2] + 1)
        centers, scales = bbox_xyxy2cs(bboxes, self.padding)
        crops, scales, _ = warp_crops(images, image_ids, centers, scales, self.input_size)
        return torch.from_numpy(crops).permute(0, 3, 1, 2).float(), centers, scales

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(padding={self.padding}, input_size={self.input_size})'


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

    def transform(self, results: Dict) -> Dict:
        w, h = self.input_size
        center = np.asarray(results['bbox_center'], np.float32).reshape(-1, 2)
        if center.shape[0] != 1:
            raise ValueError('TopdownAffine: top-down samples hold exactly one instance, got '
                             f'{center.shape[0]} (img_id={results.get("img_id")})')
        scale = fix_aspect_ratio(np.asarray(results['bbox_scale'], np.float32).reshape(-1, 2),
                                 w / h)
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise ValueError(f'TopdownAffine: degenerate bbox_scale {scale.tolist()} '
                             f'(img_id={results.get("img_id")}, id={results.get("id")})')
        rot = float(np.asarray(results.get('bbox_rotation', [0.]), np.float32).reshape(-1)[0])
        if 'img' in results:
            crops, _, mats = warp_crops([results['img']], np.zeros(1, np.int64), center, scale,
                                        (w, h), np.array([rot], np.float32))
            results['img'], mat = crops[0], mats[0]
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
