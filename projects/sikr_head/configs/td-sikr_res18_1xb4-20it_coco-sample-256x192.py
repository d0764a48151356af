# AlphaPose's SIKR head and codec in an MMPose top-down config: MMPose's
# TopdownPoseEstimator, ResNet-18 backbone, data pipeline, CocoDataset and
# CocoMetric; only the head and its codec come from mmalphapose.
# Runs on the 4-image COCO sample of this repository (tests/data/coco); for
# COCO train2017 change data_root / ann_file / data_prefix and the schedule.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(
    imports=['mmalphapose.safe_checkpoint_loading', 'mmalphapose.models', 'mmalphapose.codecs'],
    allow_failed_imports=False)

# runtime: a few iterations on the sample
train_cfg = dict(by_epoch=False, max_iters=20, val_interval=20)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False))
log_processor = dict(by_epoch=False, window_size=1)
randomness = dict(seed=0)

# AlphaPose's integral-regression labels; ResNet-18 stage 2 is stride 8
codec = dict(type='mmalphapose.SIKRLabel', input_size=(192, 256), heatmap_size=(24, 32))

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, out_indices=(1, )),
    head=dict(type='mmalphapose.SIKRHead', in_channels=128, out_channels=17, decoder=codec),
    test_cfg=dict(flip_test=True, shift_heatmap=False))

# MMPose's data pipeline; GenerateTarget encodes with our codec
dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'tests/data/coco/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline))
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
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
val_cfg = dict()
test_cfg = dict()
