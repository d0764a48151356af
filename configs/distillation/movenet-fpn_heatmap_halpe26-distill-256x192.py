# Halpe-26 student distilled on a 2-core CPU from the offline teachers:
# MoveNet Thunder (COCO-17 body), BlazePose full (feet), derived head/neck/pelvis,
# plus PoseTrack18 human GT (GT wins over the teachers). The demo's default pose model.
# Network: MoveNetFPN (MoveNet Thunder's own MobileNetV2-1.75 + FPN, initialised from
# checkpoints/movenet-thunder.onnx and kept frozen up to the FPN) + the first two layers
# of its keypoint-heatmap branch + a new 1x1 heatmap layer for all 26 Halpe points,
# 256x192 input, 64x48 heatmaps. The student thus starts from the body teacher's own
# features and learns the points MoveNet lacks from BlazePose and the derived labels;
# it is one network in place of two teachers (and of MoveNet's CenterNet decoding).
# Students with NanoDet-initialised or from-scratch backbones generalised far worse
# (checkpoints/README.md). Reproduce: bash tools/distill/run_all.sh
_base_ = ['./fastpose-se18_heatmap_halpe26-distill-160x128.py']

input_size = (192, 256)     # (w, h)
heatmap_size = (48, 64)
max_iters = 1500
base_lr = 1e-3
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size,
             sigma=2.0)

model = dict(
    student=dict(
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=(127.5, 127.5, 127.5),
                               std=(127.5, 127.5, 127.5), bgr_to_rgb=True),
        backbone=dict(_delete_=True, type='MoveNetFPN', branch='kpt_heatmap',
                      frozen_stages=7, pretrained_onnx='checkpoints/movenet-thunder.onnx'),
        neck=None,
        # choose heatmap peaks under a wide Gaussian centred in the crop (sigma = half the
        # crop): an overlapping person's limbs near the border lose to the centred person's
        test_cfg=dict(flip_test=True, center_prior=0.5),
        # MoveNet's heatmaps are sigmoid outputs: the first 17 channels start as its
        # own final heatmap layer, the 9 new points (head, neck, hip, feet) fresh
        head=dict(in_channels=96, final_kernel_size=1, decoder=codec, final_act='sigmoid',
                  init_cfg=dict(type='OnnxConv', onnx='checkpoints/movenet-thunder.onnx',
                                node='/kpt_heatmap_0/conv2d', layer='final_layer'))))

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
# the pretrained FPN and heatmap branch learn 10x slower than the new output layer
optim_wrapper = dict(optimizer=dict(lr=base_lr),
                     paramwise_cfg=dict(custom_keys={'student.backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.1, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=100, end=max_iters, T_max=max_iters - 100,
         eta_min=base_lr * 1e-3, by_epoch=False),
]
default_hooks = dict(checkpoint=dict(interval=500))
