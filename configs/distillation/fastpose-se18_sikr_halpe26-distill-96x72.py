# Halpe-26 FastPose student (SE-ResNet-18 + DUC + SIKR) distilled from
# offline teachers: MoveNet Thunder (COCO-17 body), BlazePose full (feet),
# derived head/neck/pelvis, plus PoseTrack18 human GT (GT wins).
# Labels: tools/distill/make_teacher_labels.py -> data/distill/halpe26_train.json
# Reproduce everything: bash tools/distill/run_all.sh
_base_ = ['../_base_/default_runtime.py']

input_size = (72, 96)     # (w, h); small to fit a 2-core CPU budget
heatmap_size = (18, 24)
max_epochs = 16
lr_steps = [11, 14]
base_lr = 1e-3

codec = dict(type='SIKRLabel', input_size=input_size, heatmap_size=heatmap_size,
             norm_type='sigmoid')

student = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),
    backbone=dict(type='SEResNet', depth=18),
    neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
    head=dict(type='SIKRHead', in_channels=128, out_channels=26, norm_type='sigmoid',
              loss=dict(type='KeypointL1Loss', reduction='batch_sum'),
              decoder=codec),
    test_cfg=dict(flip_test=True),
    metainfo=dict(from_file='configs/_base_/datasets/halpe26.py'),
)

halpe_body = list(range(17))
model = dict(
    type='MultiTeacherDistiller',
    student=student,
    gt_loss_weight=1.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=halpe_body, loss_weight=1.0),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
    ],
)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomHalfBody', prob=0.2),
    dict(type='RandomBBoxTransform', shift_factor=0.1, shift_prob=0.3,
         scale_factor=(0.7, 1.3), rotate_factor=40.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='Halpe26Dataset',
        data_root='data/distill/',
        ann_file='halpe26_train.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline,
    ),
)

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None

optim_wrapper = dict(optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.1, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=max_epochs, milestones=lr_steps, gamma=0.1,
         by_epoch=True),
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
)
randomness = dict(seed=0)
