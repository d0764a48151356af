"""Appearance augmentations for top-down training (applied to the crop).

Distillation from a few clips needs the student to see many appearances of
the same poses: colour, contrast, grey images, blur, low resolution and
occluders. Geometry (and so the keypoints) is never changed here.
"""
from typing import Dict, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmalphapose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomPhotometric(BaseTransform):
    """Random brightness / contrast / saturation / hue, grey, blur and
    down-up sampling of ``results['img']`` (BGR uint8).

    Args:
        brightness: max additive shift in [0, 255] units.
        contrast: (low, high) multiplicative contrast range.
        saturation: (low, high) saturation scale range.
        hue: max hue shift in OpenCV units (0-180 wheel).
        color_prob: probability of the colour jitter.
        gray_prob: probability of turning the image grey (3 channels kept).
        blur_prob: probability of a Gaussian blur (sigma 0.5-1.5).
        lowres_prob: probability of down-sampling by 2-4x and back.
    """

    def __init__(self,
                 brightness: float = 32.,
                 contrast: Tuple[float, float] = (0.6, 1.4),
                 saturation: Tuple[float, float] = (0.5, 1.5),
                 hue: float = 10.,
                 color_prob: float = 0.8,
                 gray_prob: float = 0.1,
                 blur_prob: float = 0.2,
                 lowres_prob: float = 0.15) -> None:
        self.brightness = brightness
        self.contrast = tuple(contrast)
        self.saturation = tuple(saturation)
        self.hue = hue
        self.color_prob = color_prob
        self.gray_prob = gray_prob
        self.blur_prob = blur_prob
        self.lowres_prob = lowres_prob

    def _color(self, img: np.ndarray) -> np.ndarray:
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float32)
        hsv[..., 0] = (hsv[..., 0] + np.random.uniform(-self.hue, self.hue)) % 180
        hsv[..., 1] *= np.random.uniform(*self.saturation)
        img = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
        img = img.astype(np.float32)
        mean = img.mean()
        img = (img - mean) * np.random.uniform(*self.contrast) + mean \
            + np.random.uniform(-self.brightness, self.brightness)
        return np.clip(img, 0, 255).astype(np.uint8)

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'RandomPhotometric: expects a BGR uint8 image, got '
                             f'{img.dtype} {img.shape}')
        if np.random.rand() < self.color_prob:
            img = self._color(img)
        if np.random.rand() < self.gray_prob:
            img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        if np.random.rand() < self.lowres_prob:
            h, w = img.shape[:2]
            f = np.random.uniform(2, 4)
            small = cv2.resize(
                img, (max(1, int(w / f)), max(1, int(h / f))), interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        if np.random.rand() < self.blur_prob:
            img = cv2.GaussianBlur(img, (0, 0), np.random.uniform(0.5, 1.5))
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation}, hue={self.hue}, '
                f'gray_prob={self.gray_prob}, blur_prob={self.blur_prob}, '
                f'lowres_prob={self.lowres_prob})')


@TRANSFORMS.register_module()
class RandomOcclusion(BaseTransform):
    """Paste up to ``max_patches`` random rectangles of noise or of another
    part of the crop into ``results['img']`` (after :class:`TopdownAffine`),
    so the student learns to place hidden joints from context.

    Args:
        prob: probability that a sample gets any patch.
        max_patches: patches per sample (1..max).
        area: (low, high) patch area as a fraction of the crop.
    """

    def __init__(self,
                 prob: float = 0.3,
                 max_patches: int = 2,
                 area: Tuple[float, float] = (0.02, 0.12)) -> None:
        self.prob = prob
        self.max_patches = max_patches
        self.area = tuple(area)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img'].copy()
        h, w = img.shape[:2]
        for _ in range(np.random.randint(1, self.max_patches + 1)):
            a = np.random.uniform(*self.area) * h * w
            ratio = np.exp(np.random.uniform(np.log(0.3), np.log(3.3)))
            ph = int(min(h, max(2, np.sqrt(a * ratio))))
            pw = int(min(w, max(2, np.sqrt(a / ratio))))
            y, x = np.random.randint(0, h - ph + 1), np.random.randint(0, w - pw + 1)
            if np.random.rand() < 0.5:
                img[y:y + ph, x:x + pw] = np.random.randint(
                    0, 256, (ph, pw, img.shape[2]), dtype=np.uint8)
            else:
                sy, sx = np.random.randint(0, h - ph + 1), np.random.randint(0, w - pw + 1)
                img[y:y + ph, x:x + pw] = img[sy:sy + ph, sx:sx + pw]
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, max_patches={self.max_patches}, '
                f'area={self.area})')


@TRANSFORMS.register_module()
class RandomCrowdPaste(BaseTransform):
    """Put a second person into the crop: a horizontally shifted, slightly
    rescaled copy of the crop is pasted over a vertical band on one side
    (after :class:`TopdownAffine`), so a distractor person stands beside and
    partly over the target. The keypoint targets stay the target's, which
    teaches a top-down student to follow the person the box is centred on in
    crowded crops (the failure a single-person teacher's features have when
    its centre-guided decoding is replaced by a plain heatmap argmax).

    Args:
        prob: probability that a sample gets a distractor.
        shift: (low, high) horizontal shift of the copy, fraction of the width.
        band: (low, high) width of the pasted band, fraction of the width.
        scale: (low, high) scale of the copy.
    """

    def __init__(
        self,
        prob: float = 0.3,
        shift: Tuple[float, float] = (0.3, 0.6),
        band: Tuple[float, float] = (0.25, 0.45),
        scale: Tuple[float, float] = (0.8, 1.2)
    ) -> None:
        self.prob = prob
        self.shift, self.band, self.scale = tuple(shift), tuple(band), tuple(scale)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        side = 1 if np.random.rand() < 0.5 else -1
        s = np.random.uniform(*self.scale)
        dx = side * np.random.uniform(*self.shift) * w
        dy = np.random.uniform(-0.1, 0.1) * h
        # copy = the crop scaled by s about its centre, then moved by (dx, dy)
        mat = np.array([[s, 0, (1 - s) * w / 2 + dx], [0, s, (1 - s) * h / 2 + dy]], np.float32)
        copy = cv2.warpAffine(
            img, mat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bw = int(round(np.random.uniform(*self.band) * w))
        out = img.copy()
        if side > 0:
            out[:, w - bw:] = copy[:, w - bw:]
        else:
            out[:, :bw] = copy[:, :bw]
        results['img'] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, shift={self.shift}, '
                f'band={self.band}, scale={self.scale})')
