"""Helpers over lists of PoseDataSample."""
from typing import List

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.utils.array_conversion import to_numpy
from .pose_data_sample import PoseDataSample


def merge_data_samples(data_samples: List[PoseDataSample]) -> PoseDataSample:
    """Merge the per-instance samples of one image (top-down) into one sample."""
    if not data_samples:
        raise ValueError('merge_data_samples got an empty list')
    merged = PoseDataSample(metainfo=data_samples[0].metainfo)
    for field in ('gt_instances', 'pred_instances'):
        parts = [s.get(field) for s in data_samples if field in s]
        if parts:
            merged.set_field(InstanceData.cat(parts), field)
    return merged


def split_instances(instances: InstanceData) -> List[dict]:
    """Convert ``pred_instances`` to a list of plain per-person dicts (JSON-able)."""
    if instances is None or len(instances) == 0:
        return []
    out = []
    keys = list(instances.keys())
    for i in range(len(instances)):
        person = {}
        for k in keys:
            v = instances.get(k)[i]
            if hasattr(v, 'detach'):
                v = to_numpy(v)
            if isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, np.generic):
                v = v.item()
            person[k] = v
        out.append(person)
    return out
