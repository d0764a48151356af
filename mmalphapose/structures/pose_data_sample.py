"""PoseDataSample with MMPose 1.x field names."""
from typing import Union

from mmengine.structures import BaseDataElement, InstanceData, PixelData


class PoseDataSample(BaseDataElement):
    """Data sample of top-down pose estimation, field for field as MMPose 1.x.

    Attributes:
        gt_instances (InstanceData): ground truth: ``bboxes`` (N,4) xyxy,
            ``keypoints`` (N,K,2), ``keypoints_visible`` (N,K), ...
        gt_instance_labels (InstanceData): training targets from a codec,
            e.g. ``keypoint_labels`` / ``heatmaps`` and ``keypoint_weights``.
        pred_instances (InstanceData): predictions: ``keypoints`` (N,K,2),
            ``keypoint_scores`` (N,K), ``bboxes``, ``bbox_scores`` and, when
            tracking, ``track_ids`` (N,).
        gt_fields / pred_fields (PixelData): heatmaps and other dense maps.
    """

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData):
        self.set_field(value, '_gt_instances', dtype=InstanceData)

    @gt_instances.deleter
    def gt_instances(self):
        del self._gt_instances

    @property
    def gt_instance_labels(self) -> InstanceData:
        return self._gt_instance_labels

    @gt_instance_labels.setter
    def gt_instance_labels(self, value: InstanceData):
        self.set_field(value, '_gt_instance_labels', dtype=InstanceData)

    @gt_instance_labels.deleter
    def gt_instance_labels(self):
        del self._gt_instance_labels

    @property
    def pred_instances(self) -> InstanceData:
        return self._pred_instances

    @pred_instances.setter
    def pred_instances(self, value: InstanceData):
        self.set_field(value, '_pred_instances', dtype=InstanceData)

    @pred_instances.deleter
    def pred_instances(self):
        del self._pred_instances

    @property
    def gt_fields(self) -> Union[PixelData, BaseDataElement]:
        return self._gt_fields

    @gt_fields.setter
    def gt_fields(self, value: Union[PixelData, BaseDataElement]):
        self.set_field(value, '_gt_fields', dtype=type(value))

    @gt_fields.deleter
    def gt_fields(self):
        del self._gt_fields

    @property
    def pred_fields(self) -> PixelData:
        return self._pred_heatmaps

    @pred_fields.setter
    def pred_fields(self, value: PixelData):
        self.set_field(value, '_pred_heatmaps', dtype=PixelData)

    @pred_fields.deleter
    def pred_fields(self):
        del self._pred_heatmaps
