"""Inference APIs: model loading, batched top-down inference, PoseInferencer."""
from .crop import boxes_to_center_scale, crop_affine_matrices, crop_people
from .defaults import default_detector, default_pose_model, resolve_pose_config
from .detection import (DetFilePersonDetector, MMDetPersonDetector,
                        ONNXDetectorWrapper, WholeImageDetector,
                        build_person_detector)
from .inference import (inference_topdown, init_model, predict_people,
                        samples_to_instances)
from .inputs import resolve_inputs
from .pose_inferencer import PoseInferencer
from .writers import ResultWriter, VideoSink, atomic_write_json

__all__ = [
    'init_model', 'inference_topdown', 'predict_people', 'samples_to_instances',
    'PoseInferencer', 'crop_people', 'crop_affine_matrices',
    'boxes_to_center_scale', 'build_person_detector', 'DetFilePersonDetector',
    'MMDetPersonDetector', 'ONNXDetectorWrapper', 'WholeImageDetector',
    'resolve_inputs', 'ResultWriter', 'VideoSink', 'atomic_write_json',
    'default_detector', 'default_pose_model', 'resolve_pose_config'
]
