"""The one-call API::

    from mmalphapose import AlphaPose
    pose = AlphaPose()                       # bundled detector + default pose model
    keypoints, scores, ids = pose(frame)     # (N,K,2), (N,K), (N,) for a BGR frame

Successive calls are successive frames of one video (tracking ids carry over);
:meth:`AlphaPose.reset` starts a new video. It runs the same stages as the
demo and :class:`~mmalphapose.apis.PoseInferencer`, one frame at a time.
"""
from typing import Optional, Tuple

import numpy as np

from mmalphapose.utils.options import check_device, check_options
from .builder import build_models, build_stages
from .inputs import Frame, Source, as_bgr_image


class AlphaPose:
    """Whole-body multi-person pose (and tracking) of single frames.

    Args:
        pose_config: pose model name or alias of the model index
            (``'halpe26-student'``, ``'halpe26-teachers'``, ``'halpe136-student'``),
            or a config path; None: the default bundled model.
        pose_checkpoint: pose checkpoint for a config path.
        detector: detector config or name (``'nanodet-person'``); None: the
            bundled detector; ``'none'``: the whole frame is one person.
        device: torch device, e.g. ``'cpu'`` or ``'cuda:0'``.
        track: ``'pose-aware'`` (default), ``'poseflow'`` or ``'none'``
            (ids are then -1).
        pose_nms: ``'pnms'`` (default), ``'oks'``, ``'soft-oks'`` or ``'none'``.
        flip: flip test (None: as the model's config says).
        bbox_thr: person box score threshold.
        pose_batch: people per forward pass (None: the pose backend's
            default, ``TopdownPredictor``).
        backend: who runs the pose network: ``'auto'`` (for the bundled
            models on the CPU their ONNX export, in OpenVINO's bfloat16 where
            the CPU has it, else in onnxruntime), ``'pytorch'``,
            ``'onnxruntime'`` or ``'openvino'``.
    """

    def __init__(self,
                 pose_config: Optional[str] = None,
                 pose_checkpoint: Optional[str] = None,
                 detector: Optional[str] = None,
                 device: str = 'cpu',
                 track: str = 'pose-aware',
                 pose_nms: str = 'pnms',
                 flip: Optional[bool] = None,
                 bbox_thr: float = 0.2,
                 pose_batch: Optional[int] = None,
                 backend: str = 'auto'):
        check_device(device)  # ValueError naming the option (utils/options.py)
        check_options(dict(bbox_thr=bbox_thr, pose_batch=pose_batch))
        self.models = build_models(
            pose_config, pose_checkpoint, device=device, det_model=detector, bbox_thr=bbox_thr,
            backend=backend)
        self.metainfo = self.models.metainfo
        self.detect, self.pose = build_stages(
            self.models, pose_batch=pose_batch, flip=flip, pose_nms=pose_nms, track=track)
        self.source = Source('arrays', 'alphapose')
        self.frame_index = 0

    def reset(self) -> None:
        """Start a new video: forget the tracks and the followed poses."""
        self.frame_index = 0
        self.pose.reset()

    def __call__(self, frame: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pose of every person of one BGR frame (H,W,3) uint8.

        Also accepted, as :func:`~mmalphapose.apis.inputs.as_bgr_image` says:
        grey (H,W), BGRA, uint16, floats in [0,1] or [0,255]; anything else
        (empty, channel-first, bool, NaN, out of range) raises ``ValueError``.

        Returns:
            keypoints (N,K,2) in image pixels, keypoint scores (N,K) and track
            ids (N,) int64 (-1 without tracking).
        """
        # one image check for every entry point (ValueError naming the fault)
        img = as_bgr_image(frame, f'AlphaPose frame {self.frame_index}')
        record = Frame(self.source, self.frame_index, f'{self.frame_index}.jpg', img)
        self.frame_index += 1
        self.pose.process(self.detect.detect([record]))
        inst = record.instances
        n = len(inst)
        ids = np.asarray(inst.track_ids, np.int64).reshape(-1) if 'track_ids' in inst \
            else np.full(n, -1, np.int64)
        return (np.asarray(inst.keypoints, np.float32), np.asarray(inst.keypoint_scores,
                                                                   np.float32), ids)
