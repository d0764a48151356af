# Tiny whole-body smoke-test config: SE-ResNet-18 FastPose + AlphaPose's Combined head
# (heatmaps on the 23 body + foot keypoints, SIKR on the 110 face + hand keypoints) on
# the 4 COCO images of tests/data with their COCO-WholeBody GT, 128x96 input, 2 epochs.
# Used by tests/test_tools; run from the repository root:
#   python tools/train.py combined_fastpose-se-res18_1xb2-2e_coco-wholebody-tiny-128x96
_base_ = ['../../../_base_/default_runtime.py']

train_cfg = dict(max_epochs=2, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=2, milestones=[1], gamma=0.1, by_epoch=True)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1), checkpoint=dict(type='CheckpointHook', interval=1))
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

codec = dict(
    type='CombinedLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    num_body_keypoints=23,
    sigma=2,
    norm_type='sigmoid')

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),
    backbone=dict(type='SEResNet', depth=18),
    neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
    head=dict(
        type='CombinedHead',
        in_channels=128,
        out_channels=133,
        num_body_keypoints=23,
        heatmap_loss=dict(type='KeypointMSELoss', loss_weight=50.),
        regression_loss=dict(type='KeypointL1Loss', reduction='batch_sum', loss_weight=0.01),
        decoder=codec),
    test_cfg=dict(flip_test=True, shift_heatmap=True))

dataset_type = 'CocoWholeBodyDataset'
data_root = 'tests/data/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.7, 1.3),
        rotate_factor=40,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='coco_wholebody/test_coco_wholebody.json',
        data_prefix=dict(img='coco/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='coco_wholebody/test_coco_wholebody.json',
        data_prefix=dict(img='coco/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'coco_wholebody/test_coco_wholebody.json')
test_evaluator = val_evaluator
# AlphaPose's P-NMS constants for whole-body regression / Combined models (inference)
pose_nms = dict(type='ParametricPoseNMS', preset='regression')
