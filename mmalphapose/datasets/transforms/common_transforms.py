"""Box / keypoint augmentations for top-down training (vectorised over instances)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmalphapose.registry import KEYPOINT_CODECS, TRANSFORMS
from mmalphapose.structures import bbox_xyxy2cs, flip_bbox


@TRANSFORMS.register_module()
class GetBBoxCenterScale(BaseTransform):
    """``bbox`` (N,4 xyxy) -> ``bbox_center`` (N,2) and ``bbox_scale`` (N,2) = (w, h) * padding.

    AlphaPose uses padding 1.25 (``scale_mult``). Aspect-ratio padding is done
    by :class:`TopdownAffine`. If center/scale already exist, only the padding
    is applied to the existing scale.
    """

    def __init__(self, padding: float = 1.25):
        self.padding = padding

    def transform(self, results: Dict) -> Dict:
        if 'bbox_center' in results and 'bbox_scale' in results:
            results['bbox_scale'] = np.asarray(results['bbox_scale'], np.float32) * self.padding
        else:
            center, scale = bbox_xyxy2cs(
                np.asarray(results['bbox'], np.float32).reshape(-1, 4), padding=self.padding)
            results['bbox_center'], results['bbox_scale'] = center, scale
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(padding={self.padding})'


def flip_keypoints(keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray], image_width: int,
                   flip_indices: Sequence[int]) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Mirror (N,K,2) keypoints horizontally (x' = W - 1 - x) and swap left/right ids."""
    idx = np.asarray(flip_indices, dtype=np.int64)
    if keypoints.shape[-2] != len(idx):
        raise ValueError(f'flip_indices has {len(idx)} entries but keypoints have '
                         f'{keypoints.shape[-2]}')
    kpts = keypoints[..., idx, :].copy()
    kpts[..., 0] = image_width - 1 - kpts[..., 0]
    vis = None if keypoints_visible is None else keypoints_visible[..., idx].copy()
    return kpts, vis


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Random horizontal flip of image, boxes, centers and keypoints.

    Keypoints are mirrored as AlphaPose does (``x' = W - 1 - x``, centers too)
    and left/right ids are swapped with ``results['flip_indices']``.

    Args:
        prob: flip probability.
        direction: only ``'horizontal'`` is supported.
    """

    def __init__(self, prob: float = 0.5, direction: str = 'horizontal'):
        if direction != 'horizontal':
            raise ValueError(f'RandomFlip: unsupported direction "{direction}"')
        if not 0 <= prob <= 1:
            raise ValueError(f'RandomFlip: prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.direction = direction

    @cache_randomness
    def _do_flip(self) -> bool:
        return bool(np.random.rand() < self.prob)

    def transform(self, results: Dict) -> Dict:
        flip = self._do_flip()
        results['flip'] = flip
        results['flip_direction'] = self.direction if flip else None
        if not flip:
            return results
        h, w = results['img_shape'] if 'img_shape' in results else results['img'].shape[:2]
        if 'img' in results:
            results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
        if 'bbox' in results:
            results['bbox'] = flip_bbox(
                np.asarray(results['bbox'], np.float32).reshape(-1, 4), w - 1, 'xyxy')
        if 'bbox_center' in results:
            c = np.asarray(results['bbox_center'], np.float32).copy()
            c[..., 0] = w - 1 - c[..., 0]
            results['bbox_center'] = c
        if results.get('keypoints') is not None:
            if 'flip_indices' not in results:
                raise KeyError('RandomFlip: results has keypoints but no "flip_indices"')
            kpts, vis = flip_keypoints(
                np.asarray(results['keypoints'], np.float32), results.get('keypoints_visible'), w,
                results['flip_indices'])
            results['keypoints'] = kpts
            if vis is not None:
                results['keypoints_visible'] = vis
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, direction={self.direction!r})'


@TRANSFORMS.register_module()
class RandomHalfBody(BaseTransform):
    """Replace the box by the upper or lower body box (AlphaPose ``half_body_transform``).

    Applied per instance with probability ``prob`` when it has at least
    ``min_total_keypoints`` visible keypoints. The upper group is chosen with
    probability ``upper_prioritized_prob`` (AlphaPose: ``randn() < 0.5`` = 0.69)
    when it has >= ``min_upper_keypoints`` visible keypoints, else the lower
    group if it has >= ``min_lower_keypoints``, else the upper group. The new
    box is the extent of the chosen keypoints times ``padding``; instances
    whose group has fewer than 2 visible keypoints keep their box.

    Group ids come from ``results['upper_body_ids']``/``lower_body_ids``
    (the metainfo ``type``; face and hands are in neither group) unless
    given here. AlphaPose's groups (``simple_transform.py:274-279``) are
    ``upper_body_ids=range(11)`` and ``lower_body_ids='rest'``: every
    visible keypoint outside the upper group, face and hands included.

    Args:
        upper_body_ids: ids of the upper group; None: from the results.
        lower_body_ids: ids of the lower group, ``'rest'`` (all keypoints
            not in the upper group), or None: from the results.
    """

    def __init__(self,
                 min_total_keypoints: int = 9,
                 min_upper_keypoints: int = 3,
                 min_lower_keypoints: int = 3,
                 padding: float = 1.5,
                 prob: float = 0.3,
                 upper_prioritized_prob: float = 0.6915,
                 upper_body_ids: Optional[Sequence[int]] = None,
                 lower_body_ids: Optional[Union[Sequence[int], str]] = None):
        if isinstance(lower_body_ids, str) and lower_body_ids != 'rest':
            raise ValueError(f"RandomHalfBody: lower_body_ids must be ids, 'rest' or None, "
                             f'got {lower_body_ids!r}')
        self.upper_body_ids = None if upper_body_ids is None else [int(i) for i in upper_body_ids]
        self.lower_body_ids = lower_body_ids if lower_body_ids in (None, 'rest') \
            else [int(i) for i in lower_body_ids]
        self.min_total_keypoints = min_total_keypoints
        self.min_upper_keypoints = min_upper_keypoints
        self.min_lower_keypoints = min_lower_keypoints
        self.padding = padding
        self.prob = prob
        self.upper_prioritized_prob = upper_prioritized_prob

    @cache_randomness
    def _random(self, num: int) -> Tuple[np.ndarray, np.ndarray]:
        return np.random.rand(num), np.random.rand(num)

    def transform(self, results: Dict) -> Dict:
        if results.get('keypoints') is None or self.prob <= 0:
            return results
        kpts = np.asarray(results['keypoints'], np.float32)
        vis = np.asarray(results['keypoints_visible'], np.float32)
        if vis.ndim == 3:
            vis = vis[..., 0]
        num, k = vis.shape
        upper = np.zeros(k, bool)
        lower = np.zeros(k, bool)
        up_ids = self.upper_body_ids if self.upper_body_ids is not None \
            else results.get('upper_body_ids', [])
        upper[np.asarray(up_ids, dtype=np.int64)] = True
        if self.lower_body_ids == 'rest':
            lower = ~upper
        else:
            low_ids = self.lower_body_ids if self.lower_body_ids is not None \
                else results.get('lower_body_ids', [])
            lower[np.asarray(low_ids, dtype=np.int64)] = True
        visible = vis > 0
        n_up = (visible & upper).sum(1)
        n_low = (visible & lower).sum(1)
        r_apply, r_upper = self._random(num)
        apply = (visible.sum(1) >= self.min_total_keypoints) & (r_apply < self.prob)
        pick_upper = np.where((r_upper < self.upper_prioritized_prob)
                              & (n_up >= self.min_upper_keypoints), True, n_low
                              < self.min_lower_keypoints)
        sel = visible & np.where(pick_upper[:, None], upper[None], lower[None])
        apply &= sel.sum(1) >= 2
        if not apply.any():
            return results
        big = np.float32(1e12)
        xy_min = np.where(sel[..., None], kpts, big).min(1)
        xy_max = np.where(sel[..., None], kpts, -big).max(1)
        center = np.where(sel[..., None], kpts, 0).sum(1) / np.maximum(sel.sum(1), 1)[:, None]
        scale = (xy_max - xy_min) * self.padding
        results['bbox_center'] = np.where(apply[:, None], center,
                                          results['bbox_center']).astype(np.float32)
        results['bbox_scale'] = np.where(apply[:, None], scale,
                                         results['bbox_scale']).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_total_keypoints={self.min_total_keypoints}, '
                f'padding={self.padding}, prob={self.prob}, '
                f'upper_prioritized_prob={self.upper_prioritized_prob}, '
                f'upper_body_ids={self.upper_body_ids}, lower_body_ids={self.lower_body_ids!r})')


@TRANSFORMS.register_module()
class RandomBBoxTransform(BaseTransform):
    """Random shift, scale and rotation of ``bbox_center``/``bbox_scale``.

    AlphaPose: scale *= clip(N(0,1) * sf + 1, 1 - sf, 1 + sf) and, with
    probability 0.6, rotation = clip(N(0,1) * rf, -2 rf, 2 rf) degrees.
    ``scale_factor=(1 - sf, 1 + sf)``; the normal draw is clipped to
    ``[-1, 1]`` for scale and shift and to ``[-rotate_bound, rotate_bound]``
    for rotation. Writes ``bbox_rotation`` (N,) in degrees.
    """

    def __init__(self,
                 shift_factor: float = 0.16,
                 shift_prob: float = 0.0,
                 scale_factor: Tuple[float, float] = (0.7, 1.3),
                 scale_prob: float = 1.0,
                 rotate_factor: float = 40.0,
                 rotate_prob: float = 0.6,
                 rotate_bound: float = 2.0):
        if scale_factor[0] > scale_factor[1]:
            raise ValueError(f'RandomBBoxTransform: scale_factor {scale_factor} is not (low, high)')
        self.shift_factor = shift_factor
        self.shift_prob = shift_prob
        self.scale_factor = tuple(scale_factor)
        self.scale_prob = scale_prob
        self.rotate_factor = rotate_factor
        self.rotate_prob = rotate_prob
        self.rotate_bound = rotate_bound

    @cache_randomness
    def _get_transform_params(self, num: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        offset = np.clip(np.random.randn(num, 2), -1, 1) * self.shift_factor
        offset = np.where(np.random.rand(num, 1) < self.shift_prob, offset, 0.)
        lo, hi = self.scale_factor
        scale = np.clip(np.random.randn(num, 1), -1, 1) * (hi - lo) * 0.5 + (hi + lo) * 0.5
        scale = np.where(np.random.rand(num, 1) < self.scale_prob, scale, 1.)
        rot = np.clip(np.random.randn(num), -self.rotate_bound, self.rotate_bound) \
            * self.rotate_factor
        rot = np.where(np.random.rand(num) < self.rotate_prob, rot, 0.)
        return offset, scale, rot

    def transform(self, results: Dict) -> Dict:
        center = np.asarray(results['bbox_center'], np.float32).reshape(-1, 2)
        scale = np.asarray(results['bbox_scale'], np.float32).reshape(-1, 2)
        offset, s, rot = self._get_transform_params(center.shape[0])
        results['bbox_center'] = (center + offset * scale).astype(np.float32)
        results['bbox_scale'] = (scale * s).astype(np.float32)
        results['bbox_rotation'] = rot.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(shift_factor={self.shift_factor}, '
                f'shift_prob={self.shift_prob}, scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, rotate_factor={self.rotate_factor}, '
                f'rotate_prob={self.rotate_prob})')


@TRANSFORMS.register_module()
class GenerateTarget(BaseTransform):
    """Encode keypoints into training targets with a codec from KEYPOINT_CODECS.

    Uses ``transformed_keypoints`` (input-crop pixels, set by
    :class:`TopdownAffine`) and ``keypoints_visible``; every key the codec
    returns (e.g. ``heatmaps``, ``keypoint_labels``, ``keypoint_weights``) is
    written into the results. With ``use_dataset_keypoint_weights`` the
    ``keypoint_weights`` are multiplied by ``dataset_keypoint_weights``.
    """

    def __init__(self, encoder: Union[dict, object], use_dataset_keypoint_weights: bool = False):
        self.encoder_cfg = encoder
        self.encoder = KEYPOINT_CODECS.build(encoder) if isinstance(encoder, dict) else encoder
        self.use_dataset_keypoint_weights = use_dataset_keypoint_weights

    def transform(self, results: Dict) -> Dict:
        if results.get('transformed_keypoints') is not None:
            kpts = results['transformed_keypoints']
        elif results.get('keypoints') is not None:
            kpts = results['keypoints']
        else:
            raise KeyError('GenerateTarget: results has no "transformed_keypoints" or '
                           '"keypoints"')
        kpts = np.asarray(kpts, np.float32)
        vis = np.asarray(results['keypoints_visible'], np.float32)
        if vis.ndim == 3:
            vis = vis[..., 0]
        encoded = self.encoder.encode(keypoints=kpts[..., :2], keypoints_visible=vis)
        if not isinstance(encoded, dict):
            raise TypeError(f'GenerateTarget: {type(self.encoder).__name__}.encode must '
                            f'return a dict, got {type(encoded).__name__}')
        if self.use_dataset_keypoint_weights and 'keypoint_weights' in encoded:
            weights = results.get('dataset_keypoint_weights')
            if weights is not None:
                encoded['keypoint_weights'] = encoded['keypoint_weights'] * \
                    np.asarray(weights, np.float32)[None]
        results.update(encoded)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(encoder={self.encoder_cfg!r}, '
                f'use_dataset_keypoint_weights={self.use_dataset_keypoint_weights})')


__all__: List[str] = [
    'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody', 'RandomBBoxTransform', 'GenerateTarget',
    'flip_keypoints'
]
