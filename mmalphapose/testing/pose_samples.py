"""Fake top-down data samples for head and pose-estimator tests."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData

from mmalphapose.structures import PoseDataSample


def make_samples(codec,
                 n: int = 2,
                 k: int = 5,
                 flip_indices: Optional[Sequence[int]] = None,
                 seed: int = 0) -> List[PoseDataSample]:
    """``n`` samples of one person each: K random keypoints inside the codec's
    crop, encoded by ``codec`` (``keypoint_weights`` and ``keypoint_labels``
    and / or ``heatmaps`` as the codec gives), crop metainfo and a GT box.

    Args:
        codec: a built keypoint codec (``input_size``, ``encode``).
        n: number of samples.
        k: keypoints per person.
        flip_indices: the metainfo flip permutation (identity by default).
        seed: of the keypoint positions.
    """
    rng = np.random.default_rng(seed)
    w, h = codec.input_size
    samples = []
    for _ in range(n):
        kpts = rng.uniform([4, 4], [w - 4, h - 4], size=(1, k, 2)).astype(np.float32)
        enc = codec.encode(kpts, np.ones((1, k)))
        s = PoseDataSample(
            metainfo=dict(
                input_size=(w, h),
                input_center=np.array([50., 60.]),
                input_scale=np.array([w * 2., h * 2.]),
                flip_indices=flip_indices or list(range(k))))
        s.gt_instances = InstanceData(
            keypoints=kpts, bboxes=np.array([[0., 0, 10, 10]]), bbox_scores=np.array([0.9]))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.as_tensor(enc['keypoint_weights']))
        if 'keypoint_labels' in enc:
            s.gt_instance_labels.keypoint_labels = torch.as_tensor(enc['keypoint_labels'])
        if 'heatmaps' in enc:
            s.gt_fields = PixelData(heatmaps=torch.as_tensor(enc['heatmaps']))
        samples.append(s)
    return samples
