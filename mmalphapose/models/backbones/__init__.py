"""Backbones (MODELS). Plain ResNet / HRNet are reused from mmdet
(``type='mmdet.ResNet'`` / ``'mmdet.HRNet'``) where AlphaPose uses them."""
from .face_landmark68_net import FaceLandmark68Net
from .movenet_fpn import MoveNetFPN, MoveNetPartFPN
from .se_resnet import SELayer, SEResNet, ShuffleResNet

__all__ = [
    'SEResNet', 'ShuffleResNet', 'SELayer', 'MoveNetFPN', 'MoveNetPartFPN', 'FaceLandmark68Net'
]
