"""Person detectors that run without mmdet (ONNX)."""
from .onnx_person_detector import ONNXPersonDetector, nms_numpy

__all__ = ['ONNXPersonDetector', 'nms_numpy']
