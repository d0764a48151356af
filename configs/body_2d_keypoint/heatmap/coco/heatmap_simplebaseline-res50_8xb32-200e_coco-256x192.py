# AlphaPose config: coco/resnet/256x192_res50_lr1e-3_1x-simple.yaml
# Backbone from mmdet: needs the full profile (mmdet installed).
_base_ = ['../../../_base_/default_runtime.py']

# runtime as AlphaPose's code runs this yaml (scripts/train.py:286-316), not
# as the released training logs: Adam 1e-3, MultiStepLR x0.1 at [90, 120]; after
# epoch DPG_MILESTONE 140 the LR is reset to 1e-3 and a new MultiStepLR counts
# DPG_STEP [160, 190] from the reset, so it never decays again within 200 epochs.
# From our epoch 141 on (AlphaPose epoch 141) the DPG phase trains on addDPG-
# jittered boxes (DPGPhaseHook inserts PartGuidedProposal).
train_cfg = dict(max_epochs=200, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=141, milestones=[90, 120], gamma=0.1, by_epoch=True),
    dict(type='MultiStepLR', begin=141, end=142, milestones=[0], gamma=100., by_epoch=True),
    dict(type='MultiStepLR', begin=141, end=200, milestones=[160, 190], gamma=0.1, by_epoch=True),
]
custom_hooks = [dict(type='DPGPhaseHook', switch_epoch=141)]
auto_scale_lr = dict(base_batch_size=256)
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

# codec: targets and decoding
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

# model
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),  # RGB/255 - mean, no std
    backbone=dict(
        type='mmdet.ResNet',  # plain ResNet, needs mmdet (full profile)
        depth=50,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(
        type='FastPoseHeatmapHead',
        in_channels=2048,
        out_channels=17,
        deconv_out_channels=(256, 256, 256),
        final_kernel_size=1,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
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
