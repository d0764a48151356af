"""AlphaPose input normalisation as an mmengine ImgDataPreprocessor."""
from typing import Optional, Sequence

from mmengine.model import ImgDataPreprocessor

from mmalphapose.registry import MODELS

# RGB/255 minus (0.406, 0.457, 0.480), no std, expressed on 0..255 pixels
ALPHAPOSE_MEAN = (103.53, 116.535, 122.4)
ALPHAPOSE_STD = (255., 255., 255.)


@MODELS.register_module()
class PoseDataPreprocessor(ImgDataPreprocessor):
    """Stack BGR uint8 crops, convert to RGB, ``(x - mean) / std``.

    Defaults give AlphaPose's input: RGB / 255 minus the mean
    (0.406, 0.457, 0.480), no std division.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = ALPHAPOSE_MEAN,
                 std: Optional[Sequence[float]] = ALPHAPOSE_STD,
                 pad_size_divisor: int = 1,
                 pad_value: float = 0,
                 bgr_to_rgb: bool = True,
                 rgb_to_bgr: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(
            mean=mean,
            std=std,
            pad_size_divisor=pad_size_divisor,
            pad_value=pad_value,
            bgr_to_rgb=bgr_to_rgb,
            rgb_to_bgr=rgb_to_bgr,
            non_blocking=non_blocking)
