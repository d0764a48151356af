# The bundled Halpe-26 student as a plain top-down model (the demo's default pose model;
# weights: checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth, model card in
# checkpoints/README.md). Use it like any model config: inference, tools/test.py, or
# tools/train.py on its own (then every label of the data counts as GT).
# It was trained by the distiller config that wraps it,
# configs/distillation/movenet-fpn_heatmap_halpe26-distill-256x256.py
# (per-teacher keypoint domains and confidences; reproduce: bash tools/distill/run_all.sh).
# Network: MoveNetFPN (MoveNet Thunder's own MobileNetV2-1.75 + FPN + the first two
# layers of its keypoint-heatmap branch + its keypoint-offset, person-centre and
# keypoint-regression heads, all read from checkpoints/movenet-thunder.onnx and frozen) +
# a 1x1 heatmap layer for all 26 Halpe points (the 17 COCO rows MoveNet's own), 256x256
# input (MoveNet's own, square), 64x64 heatmaps. Data: the
# teachers' pseudo-labels of the sample clips (tools/distill/make_teacher_labels.py ->
# data/distill/). Recipe for a 2-core CPU: strong geometric + appearance augmentation,
# fp32, channels-last, 300 iterations, Adam, cosine decay; only the 9 new output rows
# learn (the distiller gives the 17 COCO rows no loss).
_base_ = ['../../../_base_/default_runtime.py']

input_size = (256, 256)  # (w, h)
heatmap_size = (64, 64)
max_iters = 300
# 1e-2: at 1e-3 (the recipe until 2026-12-07) the 9 rows hardly moved from their -4 bias in
# 300 iterations (held-out clip Halpe-26 OKS 0.849 against 0.872; docs/wholebody.md)
base_lr = 1e-2
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size, sigma=2.0)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=(127.5, 127.5, 127.5),
        std=(127.5, 127.5, 127.5),
        bgr_to_rgb=True),
    # since 2026-12-07 the body is MoveNet's own (FPN, heatmap branch and the first 17
    # output rows as in the ONNX file, frozen) plus its keypoint-offset head: the 17 COCO
    # points sit at their heatmap peak + MoveNet's sub-pixel offset; only the 9 new
    # output rows are trained (configs/distillation/
    # movenet-fpn_heatmap_halpe26-distill-256x256.py). Measured, GT boxes, no flip:
    # body AP 0.797 -> 0.839 on people_photos, 0.335 -> 0.362 on coco_mini_train against
    # the student with a fine-tuned FPN and no offsets. With MoveNet's centre and
    # regression heads the 17 peaks are chosen as MoveNet chooses them (the centred
    # person's, movenet_peaks); on square crops, as MoveNet was trained, body AP through
    # the pipeline on coco_mini_train 0.352 (256x192, centre prior) -> 0.386
    # (docs/wholebody.md)
    backbone=dict(
        type='MoveNetFPN',
        branch='kpt_heatmap',
        frozen_stages=7,
        offset_branch=True,
        centre_branches=True,
        frozen_fpn=True,
        pretrained_onnx='checkpoints/movenet-thunder.onnx'),
    # MoveNet's heatmaps are sigmoid outputs: the first 17 channels start as its
    # own final heatmap layer, the 9 new points (head, neck, hip, feet) fresh
    head=dict(
        type='FastPoseHeatmapHead',
        in_channels=96,
        out_channels=26,
        final_kernel_size=1,
        final_act='sigmoid',
        in_index=0,
        offset_index=1,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=1.0),
        decoder=codec,
        init_cfg=dict(
            type='OnnxConv',
            onnx='checkpoints/movenet-thunder.onnx',
            node='/kpt_heatmap_0/conv2d',
            layer='final_layer')),
    # the 9 points MoveNet lacks: heatmap peaks under a wide Gaussian centred in the crop
    # (sigma = half the crop): an overlapping person's limbs near the border lose to the
    # centred person's;
    # embedding: training-free identity embedding for the tracker, pooled from this
    # forward's features and crop colours at the confident keypoints and limbs
    # (PoseGuidedPooling, docs/tracking.md); pred_instances.embeddings (N, 320)
    # flip test only for person boxes at least 192 px tall: with MoveNet's choice of the
    # peaks the flip pays on tall people only. 2026-12-07 (docs/speed.md), minimum box
    # height flipped -> body AP through the pipeline on coco_mini_train (teachers 0.384) /
    # with GT boxes / COCO sample GT, detector boxes: everybody 0.368; 96 px 0.377 / 0.395
    # / 0.807, 0.723; 128 px 0.374; 160 px 0.378 / - / 0.804, 0.726; 192 px 0.384 / 0.391
    # / 0.791, 0.726; 224 px 0.386 / - / 0.784, 0.716; 256 px 0.381; nobody 0.378 / 0.379 /
    # 0.778, 0.680. At 192 px the demo clips' people (median box 77-81 px) are not flipped
    test_cfg=dict(
        flip_test=True,
        flip_min_height=192,
        center_prior=0.5,
        embedding=dict(sources=('feats', 'pixels'), feature_index=0)),
    metainfo=dict(from_file='configs/_base_/datasets/halpe26.py'),
)

dataset_type = 'Halpe26Dataset'
data_root = 'data/distill/'
train_pipeline = [
    dict(type='LoadImage', cache_mb=2048),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomHalfBody', prob=0.15),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.12,
        shift_prob=0.4,
        scale_factor=(0.7, 1.35),
        rotate_factor=30.0,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='RandomPhotometric'),
    dict(type='RandomOcclusion', prob=0.3),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='halpe26_train.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline),
)
# no validation while training; tools/test.py scores the teachers' labels of the
# held-out clip (written by make_teacher_labels.py with the training labels)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_dataloader = dict(
    batch_size=16,
    num_workers=1,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='halpe26_heldout_clip.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=test_pipeline),
)
test_evaluator = dict(type='CocoMetric', ann_file=data_root + 'halpe26_heldout_clip.json')
test_cfg = dict()

train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=10**9)
# fp32: only a 1x1 conv learns (bf16 autocast pays only on CPUs with AVX512-BF16 / AMX;
# on others it is emulated and several times slower); the backbone is frozen
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.1, by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        begin=50,
        end=max_iters,
        T_max=max_iters - 50,
        eta_min=base_lr * 1e-3,
        by_epoch=False),
]
custom_hooks = [dict(type='ChannelsLastHook')]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100, max_keep_ckpts=3),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
