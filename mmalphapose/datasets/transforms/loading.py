"""Image loading."""
from typing import Dict, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmalphapose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Load ``results['img_path']`` into ``results['img']`` (BGR uint8).

    If ``results['img']`` is already an array (e.g. from an inferencer), it is
    kept and only the shape keys are filled in.

    Args:
        to_float32: convert the image to float32.
        color_type: ``'color'`` (3 channels, grey images expanded),
            ``'grayscale'`` or ``'unchanged'``.
        imdecode_backend: mmcv decoding backend ('cv2', 'pillow', ...).
        backend_args: mmengine file backend arguments.
        cache_mb: keep up to this many MB of decoded images in memory (per
            process), so a small training set is decoded once, not every
            epoch; 0 (default) disables the cache.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None,
                 cache_mb: float = 0.):
        self.cache_mb = float(cache_mb)
        self._cache: Dict[str, np.ndarray] = {}
        self._cache_bytes = 0
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args.copy() if backend_args else None

    def _read(self, path: str, where: str) -> np.ndarray:
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except (FileNotFoundError, OSError) as err:
            raise FileNotFoundError(f'LoadImage: cannot read image "{path}"{where}: {err}') \
                from err
        try:
            img = mmcv.imfrombytes(data, flag=self.color_type, backend=self.imdecode_backend)
        except Exception as err:  # decoder errors differ by backend
            raise ValueError(f'LoadImage: cannot decode image "{path}"{where}: {err}') from err
        if img is None:
            raise ValueError(f'LoadImage: image "{path}"{where} is empty or not an image')
        return img

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if img is None:
            path = results.get('img_path')
            if path is None:
                raise KeyError('LoadImage: results has neither "img" nor "img_path"')
            where = f' (img_id={results["img_id"]})' if 'img_id' in results else ''
            img = self._cache.get(path)
            if img is None:
                img = self._read(path, where)
                if self._cache_bytes + img.nbytes <= self.cache_mb * 2**20:
                    img.setflags(write=False)  # transforms must copy, never edit
                    self._cache[path] = img
                    self._cache_bytes += img.nbytes
        else:
            img = np.asarray(img)
            if self.color_type == 'color' and img.ndim == 2:
                img = mmcv.gray2bgr(img)
            results.setdefault('img_path', None)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, imdecode_backend={self.imdecode_backend!r})')
