# Halpe-26 FastPose student (SE-ResNet-18 + DUC, heatmap head, 160x128) distilled
# on a 2-core CPU from the offline teachers: MoveNet Thunder (COCO-17 body),
# BlazePose full (feet), derived head/neck/pelvis, plus PoseTrack18 human GT (GT wins).
# A from-scratch comparison (not bundled; the base of the other distillation configs). Recipe:
#   every frame of the training clips, pseudo-labelled (make_teacher_labels.py);
#   strong geometric + appearance augmentation (the clips hold few people);
#   bf16 autocast (AMX / AVX512-BF16) + channels-last: ~2x the fp32 speed on CPU;
#   iteration-based schedule, Adam, cosine decay.
# Train: python tools/train.py configs/distillation/fastpose-se18_heatmap_halpe26-distill-160x128.py
_base_ = ['../_base_/default_runtime.py']

input_size = (128, 160)     # (w, h)
heatmap_size = (32, 40)
max_iters = 5000
base_lr = 2e-3

codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size,
             sigma=2.0)

student = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),
    backbone=dict(type='SEResNet', depth=18),
    neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
    head=dict(type='HeatmapHead', in_channels=128, out_channels=26,
              loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=1.0),
              decoder=codec),
    test_cfg=dict(flip_test=True),
    metainfo=dict(from_file='configs/_base_/datasets/halpe26.py'),
)

model = dict(
    type='MultiTeacherDistiller',
    student=student,
    gt_loss_weight=1.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=1.0),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
    ],
)

train_pipeline = [
    dict(type='LoadImage', cache_mb=2048),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomHalfBody', prob=0.15),
    dict(type='RandomBBoxTransform', shift_factor=0.12, shift_prob=0.4,
         scale_factor=(0.7, 1.35), rotate_factor=30.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='RandomPhotometric'),
    dict(type='RandomOcclusion', prob=0.3),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='Halpe26Dataset',
        data_root='data/distill/',
        ann_file='halpe26_train.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline,
    ),
)

train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=10 ** 9)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None

optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16',
                     optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=300, start_factor=0.05, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=300, end=max_iters, T_max=max_iters - 300,
         eta_min=base_lr * 1e-3, by_epoch=False),
]
custom_hooks = [dict(type='ChannelsLastHook')]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000, max_keep_ckpts=3),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
