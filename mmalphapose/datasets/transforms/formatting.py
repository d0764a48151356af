"""Pack pipeline results into model inputs and a PoseDataSample."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData, PixelData

from mmalphapose.registry import TRANSFORMS
from mmalphapose.structures import PoseDataSample


def image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """HWC (or HW) array -> contiguous CHW tensor, dtype kept."""
    img = np.asarray(img)
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def _to_tensor(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x)))


@TRANSFORMS.register_module()
class PackPoseInputs(BaseTransform):
    """Make ``dict(inputs=CHW uint8 tensor, data_samples=PoseDataSample)``.

    gt_instances (numpy): bboxes, bbox_scores, bbox_centers, bbox_scales,
    keypoints, keypoints_visible, transformed_keypoints, track_ids, ...;
    gt_instance_labels (tensors): keypoint_labels, keypoint_weights, ...;
    gt_fields (PixelData, tensors): heatmaps; metainfo: ``meta_keys``.
    """

    instance_mapping_table = dict(
        bbox='bboxes',
        bbox_score='bbox_scores',
        bbox_center='bbox_centers',
        bbox_scale='bbox_scales',
        keypoints='keypoints',
        keypoints_visible='keypoints_visible',
        transformed_keypoints='transformed_keypoints',
        track_id='track_ids',
        category_id='category_ids')
    label_mapping_table = dict(
        keypoint_labels='keypoint_labels',
        keypoint_weights='keypoint_weights',
        keypoint_x_labels='keypoint_x_labels',
        keypoint_y_labels='keypoint_y_labels',
        keypoints_visible_weights='keypoints_visible_weights')
    field_mapping_table = dict(heatmaps='heatmaps', heatmap_weights='heatmap_weights')

    def __init__(self,
                 meta_keys: Sequence[str] = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                                             'img_shape', 'input_size', 'input_center',
                                             'input_scale', 'flip', 'flip_direction',
                                             'flip_indices', 'raw_ann_info', 'dataset_name',
                                             'track_id', 'frame_id', 'video_id'),
                 pack_transformed: bool = True):
        self.meta_keys = tuple(meta_keys)
        self.pack_transformed = pack_transformed

    def transform(self, results: Dict) -> Dict:
        packed: Dict = {}
        if 'img' in results:
            packed['inputs'] = image_to_tensor(results['img'])
        sample = PoseDataSample()

        gt = InstanceData()
        num = None
        for key, name in self.instance_mapping_table.items():
            if results.get(key) is None:
                continue
            if key == 'transformed_keypoints' and not self.pack_transformed:
                continue
            val = np.asarray(results[key])
            if val.ndim == 0:
                val = val.reshape(1)
            if num is None:
                num = len(val)
            if len(val) != num:
                continue  # per-sample scalars that do not match the instance count
            gt.set_field(val, name)
        sample.gt_instances = gt

        labels = InstanceData()
        for key, name in self.label_mapping_table.items():
            if results.get(key) is not None:
                labels.set_field(_to_tensor(results[key]), name)
        sample.gt_instance_labels = labels

        fields = PixelData()
        for key, name in self.field_mapping_table.items():
            if results.get(key) is not None:
                fields.set_field(_to_tensor(results[key]), name)
        if len(fields.keys()):
            sample.gt_fields = fields

        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        packed['data_samples'] = sample
        return packed

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
