"""Models (MODELS registry).

Registered names and main constructor args (for building models in code):

- ``SEResNet(depth=50|18|34|101|152, out_indices=(3,), dcn=None|dict(deform_groups=1),
  stage_with_dcn=(F,T,T,T), use_se=True, unshuffle=False)`` -> tuple of features;
  ``ShuffleResNet(depth=50)`` (pixel-unshuffle variant). Output channels:
  512 for depth 18/34, 2048 for 50+.
- ``DUC(in_channels=2048, channels=(1024, 512))`` neck (FastPose: PixelShuffle(2) + one DUC
  unit per entry; out = channels[-1] // 4).
  SE-ResNet-18: ``DUC(in_channels=512, channels=(256, 512))``
  -> 128 channels at stride 4. ``StagedDUC(in_channels=2048, num_convs=(4,2,1),
  out_channels=(1024,512,256))`` neck (FastPose_DUC).
- ``SIKRHead(in_channels, out_channels=K, norm_type=None|'sigmoid'|'softmax'|'divide_sum',
  symmetric=True, amplitude=2., loss=dict(type='KeypointL1Loss', reduction='batch_sum'),
  decoder=dict(type='SIKRLabel', input_size=(w,h), heatmap_size=(w,h), norm_type='sigmoid'))``;
  ``head.integral(maps) -> (normalised coords (N,K,2), scores (N,K))``.
- ``FastPoseHeatmapHead(in_channels, out_channels, deconv_out_channels=(), final_kernel_size=3,
  loss=dict(type='KeypointMSELoss', loss_weight=0.5), decoder=dict(type='MSRAHeatmap', ...))``.
- ``CombinedHead(in_channels, out_channels, num_body_keypoints=None, metainfo=None,
  decoder=dict(type='CombinedLabel', ...))``.
- ``TopdownPoseEstimator(backbone, head, neck=None, train_cfg, test_cfg=dict(flip_test=False),
  data_preprocessor=None (-> PoseDataPreprocessor), metainfo)``; modes loss/predict/tensor.
- ``PoseDataPreprocessor()`` (AlphaPose's RGB/255 - mean, no std).
- Losses: ``KeypointMSELoss(use_target_weight=True, loss_weight=1.)``,
  ``KeypointL1Loss(reduction='batch_sum'|'mean', loss_weight=1.)``.

Example, Halpe-26 SE-ResNet-18 student at 256x192::

    dict(type='TopdownPoseEstimator',
         backbone=dict(type='SEResNet', depth=18),
         neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
         head=dict(type='SIKRHead', in_channels=128, out_channels=26,
                   decoder=dict(type='SIKRLabel', input_size=(192, 256),
                                heatmap_size=(48, 64))),
         test_cfg=dict(flip_test=True))
"""
from .backbones import *  # noqa: F401,F403
from .body_models import SMPLLayer  # noqa: F401
from .data_preprocessors import *  # noqa: F401,F403
from .detectors import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .part_refiners import *  # noqa: F401,F403
from .pose_estimators import *  # noqa: F401,F403
