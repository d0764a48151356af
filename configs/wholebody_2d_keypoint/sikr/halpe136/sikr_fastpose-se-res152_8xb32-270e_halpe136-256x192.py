# AlphaPose config: halpe_136/resnet/256x192_res152_lr1e-3_1x-duc.yaml
# (really FastPose SE-R152, conv_dim 256: AlphaPose
# configs/halpe_136/resnet/256x192_res152_lr1e-3_1x-duc.yaml:36,44-45)
_base_ = ['../../../_base_/default_runtime.py']

# runtime as AlphaPose's code runs this yaml (scripts/train.py:286-316), not
# as the released training logs: Adam 1e-3, MultiStepLR x0.1 at [170, 200]; after
# epoch DPG_MILESTONE 210 the LR is reset to 1e-3 and a new MultiStepLR counts
# DPG_STEP [230, 250] from the reset, so it never decays again within 270 epochs.
# From our epoch 211 on (AlphaPose epoch 211) the DPG phase trains on addDPG-
# jittered boxes (DPGPhaseHook inserts PartGuidedProposal).
train_cfg = dict(max_epochs=270, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=211, milestones=[170, 200], gamma=0.1, by_epoch=True),
    dict(type='MultiStepLR', begin=211, end=212, milestones=[0], gamma=100., by_epoch=True),
    dict(type='MultiStepLR', begin=211, end=270, milestones=[230, 250], gamma=0.1, by_epoch=True),
]
custom_hooks = [dict(type='DPGPhaseHook', switch_epoch=211)]
auto_scale_lr = dict(base_batch_size=256)
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

# codec: targets and decoding
codec = dict(
    type='SIKRLabel',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    norm_type='sigmoid',
    # AlphaPose's x2 weight on body+feet for full-skeleton integral targets
    body_weight=2.,
    num_body_keypoints=26)

# model
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),  # RGB/255 - mean, no std
    backbone=dict(
        type='SEResNet',
        depth=152,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet152')),
    # FastPose: PixelShuffle(2) + 2 DUC units; conv_dim = channels[-1] // 4
    neck=dict(type='DUC', in_channels=2048, channels=(1024, 1024)),
    head=dict(
        type='SIKRHead',
        in_channels=256,
        out_channels=136,
        norm_type='sigmoid',
        symmetric=True,
        amplitude=2.,
        loss=dict(type='KeypointL1Loss', reduction='batch_sum'),
        decoder=codec),
    test_cfg=dict(flip_test=True, shift_heatmap=True))

# data
dataset_type = 'Halpe136Dataset'
data_root = 'data/halpe/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.70, 1.30),
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
    batch_size=32,  # the yaml's BATCH_SIZE
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/halpe_train_v1.json',
        data_prefix=dict(img='images/train2015/'),
        # AlphaPose's loader: visible when v >= 0.35, num_keypoints == 0 skipped
        filter_cfg=dict(vis_thr=0.35, skip_zero_num_keypoints=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/halpe_val_v1.json',
        data_prefix=dict(img='images/val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/halpe_val_v1.json')
test_evaluator = val_evaluator

# Parametric Pose NMS used by the inferencer for this model: AlphaPose switches to
# its alternative whole-body constants for regression / combined-loss models.
pose_nms = dict(type='ParametricPoseNMS', preset='regression')
