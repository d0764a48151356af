"""Stand-in for torchvision in the interop test profile only.

MMPose 1.3.2 imports torchvision in exactly one place,
``mmpose/visualization/simcc_vis.py`` (``ToPILImage``), which no interop test
calls; the main venv does not install torchvision. ``tests/test_interop``
puts this folder on ``sys.path`` only when torchvision is missing.
"""
__version__ = '0.0.0+mmalphapose-stub'
