"""Multi-domain knowledge distillation: teachers, pseudo-labels, distiller."""
from .face_landmark_teacher import FaceLandmarkTeacher
from .multi_teacher_distiller import MultiTeacherDistiller, TeacherDomains
from .onnx_teachers import BlazePoseTeacher, MoveNetTeacher
from .pseudo_labels import SOURCE_CODES, assemble_halpe26, derive_head_neck_hip, merge_with_gt
from .teacher_estimator import ONNXTeacherPoseEstimator
from .wholebody_teacher_estimator import WholeBodyTeacherPoseEstimator

__all__ = [
    'MultiTeacherDistiller', 'TeacherDomains', 'ONNXTeacherPoseEstimator', 'MoveNetTeacher',
    'FaceLandmarkTeacher', 'WholeBodyTeacherPoseEstimator', 'BlazePoseTeacher', 'SOURCE_CODES',
    'assemble_halpe26', 'derive_head_neck_hip', 'merge_with_gt'
]
