"""AlphaPose's PoseAwareTracker on the output of MMPose's inferencers.

:class:`TrackingPostProcessor` gives the people of successive frames track
ids (``pred_instances.track_ids``, -1 for untracked) with an mmalphapose
``TRACKERS`` module; :class:`TrackingPose2DInferencer` is MMPose's
``Pose2DInferencer`` with it after each forward (frames in call order)::

    from projects.pose_aware_tracking.inferencers import TrackingPose2DInferencer
    inferencer = TrackingPose2DInferencer('CONFIG.py', 'CHECKPOINT.pth')
    for result in inferencer('video.mp4', return_datasamples=True):
        ids = result['predictions'][0].pred_instances.track_ids

or on results you already have: ``TrackingPostProcessor()(data_samples)``.
"""
from typing import List, Optional, Union

from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample

from mmalphapose.registry import TRACKERS
from projects.offline_detector import attach_bundled_detector, use_bundled_detector

DEFAULT_TRACKER = dict(type='PoseAwareTracker')


class TrackingPostProcessor:
    """Track the people of successive MMPose data samples (one per frame).

    Args:
        tracker: a ``TRACKERS`` config (built in mmalphapose's scope) or a
            built tracker with ``update(instances, frame_id)`` / ``reset()``.

    Each call takes the next frames in order; ``pred_instances`` needs
    ``bboxes`` (N,4) and/or ``keypoints`` (N,K,2) with ``keypoint_scores``
    (N,K) and gets ``track_ids`` (N,).
    """

    def __init__(self, tracker: Union[dict, object] = DEFAULT_TRACKER) -> None:
        self.tracker = TRACKERS.build(tracker) if isinstance(tracker, dict) else tracker
        self.frame_id = 0

    def reset(self) -> None:
        """Start a new video."""
        self.tracker.reset()
        self.frame_id = 0

    def __call__(self, data_samples: List[PoseDataSample]) -> List[PoseDataSample]:
        for ds in data_samples:
            ds.pred_instances = self.tracker.update(ds.pred_instances, self.frame_id)
            self.frame_id += 1
        return data_samples


@INFERENCERS.register_module()
class TrackingPose2DInferencer(Pose2DInferencer):
    """MMPose's ``Pose2DInferencer`` whose frames are tracked by an
    mmalphapose tracker (default ``PoseAwareTracker``); call
    :meth:`reset_tracks` between videos.

    Args:
        *args, **kwargs: those of ``Pose2DInferencer``; without ``det_model`` the
            bundled ONNX person detector (offline) instead of MMPose's download.
        tracker: ``TRACKERS`` config.
    """

    def __init__(self, *args, tracker: Optional[dict] = None, **kwargs) -> None:
        bundled = use_bundled_detector(kwargs)
        super().__init__(*args, **kwargs)
        if bundled:
            attach_bundled_detector(self, kwargs.get('device'))
        self.tracking = TrackingPostProcessor(tracker or DEFAULT_TRACKER)

    def reset_tracks(self) -> None:
        self.tracking.reset()

    def forward(self, inputs, **forward_kwargs):
        """MMPose's forward (one merged data sample per frame), then the
        tracker."""
        return self.tracking(super().forward(inputs, **forward_kwargs))
