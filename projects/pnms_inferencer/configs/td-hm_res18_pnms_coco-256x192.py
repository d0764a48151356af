# An MMPose top-down heatmap model (ResNet-18 + MMPose's HeatmapHead) for
# PoseNMSPose2DInferencer / PoseNMSMMPoseInferencer, which run AlphaPose's
# P-NMS on its output; evaluation with P-NMS through mmalphapose's CocoMetric.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(
    imports=[
        'mmalphapose.safe_checkpoint_loading', 'projects.pnms_inferencer.inferencers',
        'mmalphapose.evaluation'
    ],
    allow_failed_imports=False)

codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18),
    head=dict(
        type='HeatmapHead',
        in_channels=512,
        out_channels=17,
        deconv_out_channels=(64, 64, 64),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=False))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'tests/data/coco/'
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        bbox_file=data_root + 'test_coco_det_AP_H_56.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
# MMPose's inferencers read the dataset meta (keypoint names, flip pairs, sigmas)
# from train_dataloader.dataset when the weights carry none (weights=None, or a
# checkpoint without meta['dataset_meta']); MMPose's CocoDataset on the COCO sample
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline))
# P-NMS on detector boxes at evaluation time (mmalphapose's CocoMetric)
val_evaluator = dict(
    type='mmalphapose.CocoMetric',
    ann_file=data_root + 'test_coco.json',
    nms_mode='ParametricPoseNMS')
test_evaluator = val_evaluator
val_cfg = dict()
test_cfg = dict()
