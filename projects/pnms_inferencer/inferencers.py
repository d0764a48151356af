"""AlphaPose's pose NMS as the post-processor of MMPose's inferencers.

MMPose's inferencers offer one built-in pose NMS (``pose_based_nms=True``,
nearby-joints NMS). These adapters run an mmalphapose ``POSE_NMS`` module
(P-NMS by default) on the merged data sample of each image instead; the rest
is MMPose's code, inherited, not copied::

    from projects.pnms_inferencer.inferencers import PoseNMSPose2DInferencer
    inferencer = PoseNMSPose2DInferencer('CONFIG.py', 'CHECKPOINT.pth',
                                         pose_nms=dict(type='ParametricPoseNMS'))
    result = next(inferencer('image.jpg'))

Both classes are registered in MMPose's ``INFERENCERS``.
"""
from typing import List, Optional, Union

from mmpose.apis.inferencers import MMPoseInferencer, Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample

from mmalphapose.registry import POSE_NMS
from projects.offline_detector import attach_bundled_detector, use_bundled_detector

DEFAULT_POSE_NMS = dict(type='ParametricPoseNMS')


class PoseNMSPostProcessor:
    """Run an mmalphapose pose NMS on MMPose data samples, in place.

    Args:
        pose_nms: a ``POSE_NMS`` config (built in mmalphapose's scope) or a
            built module with ``nms(instances) -> (kept, kept_idx)``.

    ``pred_instances`` must hold ``keypoints`` (N,K,2), ``keypoint_scores``
    (N,K), ``bboxes`` (N,4) xyxy and ``bbox_scores`` (N,), as MMPose's
    top-down models give them; the kept instances get the person score
    ``scores`` (N',) and the merged keypoints.
    """

    def __init__(self, pose_nms: Union[dict, object] = DEFAULT_POSE_NMS) -> None:
        self.pose_nms = POSE_NMS.build(pose_nms) if isinstance(pose_nms, dict) else pose_nms

    def __call__(self, data_samples: List[PoseDataSample]) -> List[PoseDataSample]:
        for ds in data_samples:
            if 'pred_instances' in ds and len(ds.pred_instances) > 0:
                ds.pred_instances, _ = self.pose_nms.nms(ds.pred_instances)
        return data_samples


class _PoseNMSForward:
    """``forward`` that replaces MMPose's pose NMS by :attr:`pose_nms`."""

    pose_nms: PoseNMSPostProcessor

    def forward(self, inputs, pose_based_nms: bool = True, **forward_kwargs):
        """MMPose's forward without its NMS, then ours when
        ``pose_based_nms`` (default True)."""
        data_samples = super().forward(inputs, pose_based_nms=False, **forward_kwargs)
        return self.pose_nms(data_samples) if pose_based_nms else data_samples


@INFERENCERS.register_module()
class PoseNMSPose2DInferencer(_PoseNMSForward, Pose2DInferencer):
    """MMPose's ``Pose2DInferencer`` with an mmalphapose pose NMS.

    Args:
        *args, **kwargs: those of ``Pose2DInferencer``; without ``det_model`` the
            bundled ONNX person detector (offline) instead of MMPose's download.
        pose_nms: ``POSE_NMS`` config; default AlphaPose's P-NMS.
    """

    def __init__(self, *args, pose_nms: Optional[dict] = None, **kwargs) -> None:
        bundled = use_bundled_detector(kwargs)
        super().__init__(*args, **kwargs)
        if bundled:
            attach_bundled_detector(self, kwargs.get('device'))
        self.pose_nms = PoseNMSPostProcessor(pose_nms or DEFAULT_POSE_NMS)


@INFERENCERS.register_module()
class PoseNMSMMPoseInferencer(_PoseNMSForward, MMPoseInferencer):
    """MMPose's ``MMPoseInferencer`` (2D pose) with an mmalphapose pose NMS.

    Args:
        *args, **kwargs: those of ``MMPoseInferencer``; without ``det_model`` the
            bundled ONNX person detector (offline) instead of MMPose's download.
        pose_nms: ``POSE_NMS`` config; default AlphaPose's P-NMS.
    """

    def __init__(self, *args, pose_nms: Optional[dict] = None, **kwargs) -> None:
        bundled = use_bundled_detector(kwargs)
        super().__init__(*args, **kwargs)
        if bundled:
            attach_bundled_detector(self.inferencer, kwargs.get('device'))
        self.pose_nms = PoseNMSPostProcessor(pose_nms or DEFAULT_POSE_NMS)
