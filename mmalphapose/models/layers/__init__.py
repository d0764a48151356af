"""Layers shared by models (MODELS): DeformConv v1 with a pure-PyTorch fallback."""
from .deform_conv import DeformConv2d, DeformConv2dPack, deform_conv2d_torch

__all__ = ['DeformConv2d', 'DeformConv2dPack', 'deform_conv2d_torch']
