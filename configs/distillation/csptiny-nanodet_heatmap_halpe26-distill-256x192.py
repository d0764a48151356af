# Comparison recipe, not bundled any more (its checkpoint, COCO-sample AP 0.072, is in git
# history at commit 39f1297; the bundled students are movenet-fpn_heatmap_*.py).
# Halpe-26 student distilled on a 2-core CPU from the offline teachers:
# MoveNet Thunder (COCO-17 body), BlazePose full (feet), derived head/neck/pelvis,
# plus PoseTrack18 human GT (GT wins over the teachers).
# Network: CSPTinyNet (the backbone of the bundled NanoDet-m person detector,
# initialised from checkpoints/nanodet.onnx: COCO-trained features that know people,
# in place of the ImageNet weights AlphaPose starts from, which cannot be downloaded
# here) + FastPose's DUC neck + a heatmap head, 256x192 input.
# Training from scratch (fastpose-se18_heatmap_halpe26-distill-160x128.py) learns the
# training clips but stays at the mean pose on new scenes; see checkpoints/README.md.
# Train: python tools/train.py configs/distillation/csptiny-nanodet_heatmap_halpe26-distill-256x192.py
_base_ = ['./fastpose-se18_heatmap_halpe26-distill-160x128.py']

input_size = (192, 256)     # (w, h)
heatmap_size = (48, 64)
max_iters = 3000
base_lr = 1e-3
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size,
             sigma=2.0)

model = dict(
    student=dict(
        data_preprocessor=dict(type='PoseDataPreprocessor',
                               mean=(103.53, 116.28, 123.675), std=(57.375, 57.12, 58.395),
                               bgr_to_rgb=False),
        backbone=dict(_delete_=True, type='CSPTinyNet', out_indices=(3, ),
                      pretrained_onnx='checkpoints/nanodet.onnx'),
        neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
        head=dict(decoder=codec)))

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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(max_iters=max_iters)
# the pretrained backbone learns 5x slower than the new neck and head
optim_wrapper = dict(optimizer=dict(lr=base_lr),
                     paramwise_cfg=dict(custom_keys={'student.backbone': dict(lr_mult=0.2)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.05, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=200, end=max_iters, T_max=max_iters - 200,
         eta_min=base_lr * 1e-3, by_epoch=False),
]
default_hooks = dict(checkpoint=dict(interval=500))
