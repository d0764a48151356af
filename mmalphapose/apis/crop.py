"""The one crop of the project: person boxes -> model input crops, with the
box padding and input size of the model's own test pipeline
(``GetBBoxCenterScale`` + ``TopdownAffine``), cropped by the transforms'
:func:`~mmalphapose.datasets.transforms.crop_boxes`."""
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmalphapose.datasets.transforms.topdown_transforms import crop_boxes


def _test_pipeline(cfg: Config) -> List[dict]:
    for loader in ('test_dataloader', 'val_dataloader'):
        pipeline = ((cfg.get(loader) or {}).get('dataset') or {}).get('pipeline')
        if pipeline:
            return list(pipeline)
    return list(cfg.get('test_pipeline') or [])


class TopdownCrop:
    """Person boxes -> model input crops, with the model's test transforms.

    Args:
        bbox_cs: the built ``GetBBoxCenterScale`` (box padding).
        affine: the built ``TopdownAffine`` (input size).
    """

    def __init__(self, bbox_cs, affine):
        self.padding: float = float(bbox_cs.padding)
        self.input_size: Tuple[int, int] = affine.input_size  # (w, h) of the crops

    @classmethod
    def from_model(cls, model: torch.nn.Module) -> 'TopdownCrop':
        """Build both transforms from the model's test pipeline.

        Raises:
            ValueError: when the pipeline lacks either transform, or its input
                size differs from the one of the model's codec.
        """
        from mmalphapose.registry import TRANSFORMS
        cfg = getattr(model, 'cfg', None)
        name = getattr(cfg, 'filename', None) or '<config>'
        found: Dict[str, object] = {}
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
        crop = cls(found['GetBBoxCenterScale'], found['TopdownAffine'])
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

        Returns:
            crops (N,3,h,w) float tensor (BGR, 0-255), centres (N,2) and
            aspect-fixed padded scales (N,2) in image pixels.
        """
        crops, centers, scales = crop_boxes(images, image_ids, bboxes, self.padding,
                                            self.input_size)
        return torch.from_numpy(crops).permute(0, 3, 1, 2).float(), centers, scales
