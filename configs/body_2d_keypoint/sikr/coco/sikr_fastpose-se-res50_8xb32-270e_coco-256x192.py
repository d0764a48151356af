# AlphaPose config: coco/resnet/256x192_res50_lr1e-3_2x-regression.yaml
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
codec = dict(type='SIKRLabel', input_size=(192, 256), heatmap_size=(48, 64), norm_type='sigmoid')

# model
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),  # RGB/255 - mean, no std
    backbone=dict(
        type='SEResNet',
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    # FastPose: PixelShuffle(2) + 2 DUC units; conv_dim = channels[-1] // 4
    neck=dict(type='DUC', in_channels=2048, channels=(1024, 512)),
    head=dict(
        type='SIKRHead',
        in_channels=128,
        out_channels=17,
        norm_type='sigmoid',
        symmetric=True,
        amplitude=2.,
        loss=dict(type='KeypointL1Loss', reduction='batch_sum'),
        decoder=codec),
    test_cfg=dict(flip_test=True, shift_heatmap=True))

# data
dataset_type = 'CocoDataset'
data_root = 'data/coco/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomHalfBody',
        prob=0.3,
        upper_body_ids=list(range(11)),  # AlphaPose's groups
        lower_body_ids='rest'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.65, 1.35),
        rotate_factor=45,
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
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        # as AlphaPose's mscoco.py:86-89 (its "area" field; the box is checked anyway)
        filter_cfg=dict(skip_zero_num_keypoints=True, skip_zero_area=True),
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
        ann_file='annotations/person_keypoints_val2017.json',
        bbox_file=data_root +
        'person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
