"""Person detectors that run without mmdet (ONNX)."""
from .onnx_person_detector import ONNXPersonDetector

__all__ = ['ONNXPersonDetector']
