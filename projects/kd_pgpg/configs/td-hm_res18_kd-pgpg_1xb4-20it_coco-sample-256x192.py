# AlphaPose's training techniques in a plain MMPose heatmap config (MMPose's
# model, codec, pipeline, dataset and metric): the multi-domain knowledge
# distillation hook (per-keypoint loss weights by label source) and the
# Part-Guided Proposal Generation transform (the boxes the pose network is
# trained on are sampled like a detector's, not the GT boxes).
# Runs on the 4-image COCO sample of this repository (tests/data/coco); for
# COCO train2017 change data_root / ann_file / data_prefix and the schedule.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(
    imports=[
        'mmalphapose.safe_checkpoint_loading', 'mmalphapose.engine.hooks',
        'mmalphapose.datasets.transforms'
    ],
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

# MMPose's own heatmap model and codec
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
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

# multi-domain KD: keypoint weights by label source. Annotations without
# ``keypoint_sources`` (plain COCO) count as GT and get ``gt_loss_weight``;
# pseudo-labelled ones (tools/distill) get their teacher's weight on the
# keypoints that teacher owns.
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='mmalphapose.KnowledgeDistillationHook',
        gt_loss_weight=1.0,
        teachers=[dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=0.5)])
]

# MMPose's data pipeline; GenerateTarget encodes with our codec
dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'tests/data/coco/'
train_pipeline = [
    dict(type='LoadImage'),
    # PGPG before the box is turned into centre/scale; without pgpg_file it
    # samples AlphaPose's box jitter, with a file fitted by
    # tools/analysis_tools/fit_pgpg.py the per-atomic-pose offsets
    dict(type='mmalphapose.PartGuidedProposal', prob=0.5),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    # raw_ann_info carries keypoint_sources to the KD hook
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'category_id', 'crowd_index', 'ori_shape',
                   'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
                   'flip_direction', 'flip_indices', 'raw_ann_info'))
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
