"""Visualisation: OpenCV pose drawing from dataset metainfo (VISUALIZERS)."""
from .openpose import BODY25, COCO18, openpose_joints
from .pose_visualizer import PoseVisualizer

__all__ = ['PoseVisualizer', 'openpose_joints', 'COCO18', 'BODY25']
