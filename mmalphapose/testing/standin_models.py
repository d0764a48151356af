"""Tiny stand-in pose models for pipeline tests.

``BrightSpotHead`` "detects" the centroid of the bright pixels of each crop and
reports it as every keypoint, in crop pixels. Run inside the real
``TopdownPoseEstimator`` (which maps crop pixels back to the image) on images
with white dots, the predicted keypoint must land on the dot: this checks the
crop, the crop metainfo and the mapping end to end without trained weights.
"""
import os.path as osp
import textwrap
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.registry import MODELS


@MODELS.register_module(force=True)
class StandInIdentityBackbone(nn.Module):
    """Returns the (normalised) input crop (N, 3, H, W) as its only feature map."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (x, )


@MODELS.register_module(force=True)
class BrightSpotHead(nn.Module):
    """Every keypoint at the intensity centroid of the crop (the white dot); score 0.9.

    ``final`` only exists so that the state dict depends on ``num_keypoints``
    (for wrong-keypoint-count checkpoint tests).

    Args:
        num_keypoints: K, the number of (identical) keypoints predicted.
    """

    def __init__(self, num_keypoints: int = 17) -> None:
        super().__init__()
        self.num_keypoints = num_keypoints
        self.final = nn.Conv2d(3, num_keypoints, 1)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.final(feats[-1])

    def predict(self, feats, data_samples, test_cfg=None) -> List[InstanceData]:
        """One ``InstanceData`` per crop: ``keypoints`` (1, K, 2) in crop
        pixels, ``keypoint_scores`` (1, K)."""
        if isinstance(feats, list):  # flip test: [feats, flipped feats]
            feats = feats[0]
        x = feats[-1].mean(1)  # (N, H, W)
        n, h, w = x.shape
        weight = (x - x.flatten(1).min(1).values[:, None, None]).clamp(min=0)
        weight = weight / weight.flatten(1).sum(1).clamp(min=1e-6)[:, None, None]
        xs = (weight * torch.arange(w, dtype=x.dtype)[None, None]).flatten(1).sum(1)
        ys = (weight * torch.arange(h, dtype=x.dtype)[None, :, None]).flatten(1).sum(1)
        out = []
        for i in range(n):
            kpt = torch.stack([xs[i], ys[i]]).repeat(self.num_keypoints, 1)
            out.append(
                InstanceData(
                    keypoints=kpt[None].numpy(),
                    keypoint_scores=np.full((1, self.num_keypoints), 0.9, np.float32)))
        return out


def write_standin_config(folder: str,
                         num_keypoints: int = 17,
                         dataset: str = 'coco',
                         input_size: Tuple[int, int] = (48, 64)) -> str:
    """Write a top-down config of the stand-in model and return its path.

    Args:
        folder: where to write ``standin_<dataset>_<num_keypoints>.py``.
        num_keypoints: K of the head.
        dataset: a metainfo file of ``configs/_base_/datasets`` (``coco``,
            ``halpe26``, ...), referenced as ``mmalphapose::_base_/datasets/``.
        input_size: crop (w, h).

    The config imports this module through ``custom_imports``, so it also
    builds in a fresh process.
    """
    path = osp.join(folder, f'standin_{dataset}_{num_keypoints}.py')
    w, h = input_size
    with open(path, 'w') as f:
        f.write(
            textwrap.dedent(f"""
            custom_imports = dict(imports=['mmalphapose.testing.standin_models'],
                                  allow_failed_imports=False)
            codec = dict(type='SIKRLabel', input_size={(w, h)},
                         heatmap_size=({w // 4}, {h // 4}))
            model = dict(
                type='TopdownPoseEstimator',
                backbone=dict(type='StandInIdentityBackbone'),
                head=dict(type='BrightSpotHead', num_keypoints={num_keypoints}),
                data_preprocessor=dict(type='PoseDataPreprocessor'),
                test_cfg=dict(flip_test=False),
                metainfo=dict(from_file='mmalphapose::_base_/datasets/{dataset}.py'))
            test_dataloader = dict(dataset=dict(pipeline=[
                dict(type='LoadImage'),
                dict(type='GetBBoxCenterScale', padding=1.25),
                dict(type='TopdownAffine', input_size={(w, h)}),
                dict(type='PackPoseInputs')]))
        """))
    return path


def dots_image(points: Sequence[Tuple[int, int]],
               size: Tuple[int, int] = (240, 320),
               radius: int = 2) -> np.ndarray:
    """Black BGR image (H, W, 3) of ``size`` (h, w) with white square dots
    (side ``2 * radius + 1``) centred on the integer (x, y) ``points``."""
    img = np.zeros((size[0], size[1], 3), np.uint8)
    for x, y in points:
        img[y - radius:y + radius + 1, x - radius:x + radius + 1] = 255
    return img
