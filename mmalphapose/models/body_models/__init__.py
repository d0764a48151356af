"""Body models: the SMPL layer (LBS), HybrIK's 29-joint skeleton and inverse
kinematics, and a safe loader for user-supplied SMPL files."""
from .camera import project_to_crop, uvd_to_camera
from .hybrik_ik import hybrik_inverse_kinematics, skeleton_forward_kinematics, twist_angles
from .lbs import forward_kinematics, linear_blend_skinning, pose_blend, shape_blend, skin
from .model_file import ENV_VAR, load_smpl_model_file, resolve_smpl_model_path
from .rotations import (axis_angle_to_matrix, matrix_to_axis_angle, matrix_to_quaternion,
                        procrustes_rotation, swing_matrix, twist_matrix)
from .skeleton import (HYBRIK_FLIP_PAIRS, HYBRIK_JOINT_NAMES, HYBRIK_PARENTS, NUM_HYBRIK_JOINTS,
                       NUM_SMPL_JOINTS, SMPL_JOINT_NAMES, SMPL_LEAF_VERTEX_IDS, SMPL_PARENTS,
                       flip_indices)
from .smpl_layer import SMPLLayer, SMPLOutput

__all__ = [
    'SMPLLayer', 'SMPLOutput', 'hybrik_inverse_kinematics', 'twist_angles',
    'skeleton_forward_kinematics', 'forward_kinematics', 'linear_blend_skinning', 'pose_blend',
    'shape_blend', 'skin', 'load_smpl_model_file', 'resolve_smpl_model_path', 'ENV_VAR',
    'axis_angle_to_matrix', 'matrix_to_axis_angle', 'matrix_to_quaternion', 'procrustes_rotation',
    'swing_matrix', 'twist_matrix', 'HYBRIK_FLIP_PAIRS', 'HYBRIK_JOINT_NAMES', 'HYBRIK_PARENTS',
    'NUM_HYBRIK_JOINTS', 'NUM_SMPL_JOINTS', 'SMPL_JOINT_NAMES', 'SMPL_LEAF_VERTEX_IDS',
    'SMPL_PARENTS', 'flip_indices', 'uvd_to_camera', 'project_to_crop'
]
