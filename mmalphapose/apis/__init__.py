"""Inference APIs: model loading, the top-down inference core, PoseInferencer,
and the one-call :class:`AlphaPose`."""
from .alphapose import AlphaPose
from .builder import InferenceModels, build_models, build_stages
from .detection import (DetFilePersonDetector, MMDetPersonDetector, PersonDetector,
                        WholeImageDetector, build_onnx_detector, build_person_detector)
from .inference import (TopdownCrop, TopdownPredictor, inference_topdown, init_model,
                        load_pose_checkpoint)
from .inputs import Frame, Source, resolve_inputs
from .model_index import (ModelEntry, default_detector, default_pose_model, find_checkpoint_for,
                          find_model, load_model_index, model_table, resolve_pose_config)
from .pipeline import run_stages
from .pose_inferencer import PoseInferencer
from .stages import DetectStage, NMSStage, PartRefineStage, PoseStage, TrackStage
from .writers import FrameWriter, ResultWriter, VideoSink, atomic_write_json

__all__ = [
    'AlphaPose', 'init_model', 'inference_topdown', 'load_pose_checkpoint', 'TopdownCrop',
    'TopdownPredictor', 'PoseInferencer', 'DetectStage', 'PoseStage', 'PartRefineStage',
    'NMSStage', 'TrackStage', 'FrameWriter', 'run_stages', 'build_models', 'build_stages',
    'InferenceModels', 'PersonDetector',
    'build_person_detector', 'DetFilePersonDetector', 'MMDetPersonDetector', 'build_onnx_detector',
    'WholeImageDetector', 'Frame', 'Source', 'resolve_inputs', 'ResultWriter',
    'VideoSink', 'atomic_write_json', 'ModelEntry', 'load_model_index', 'find_model', 'model_table',
    'default_detector', 'default_pose_model', 'find_checkpoint_for', 'resolve_pose_config'
]
