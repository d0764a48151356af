# Halpe-26 FastPose student with a heatmap (MSE) head, distilled from the same
# offline teachers as the SIKR student (see fastpose-se18_sikr_halpe26-distill-96x72.py).
# Dense heatmap supervision learns input-dependent poses much faster from scratch
# on a CPU budget than integral regression; milder augmentation for the small set.
_base_ = ['./fastpose-se18_sikr_halpe26-distill-96x72.py']

input_size = (96, 128)     # (w, h)
heatmap_size = (24, 32)
max_epochs = 60
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size,
             sigma=1.5)

model = dict(
    student=dict(
        head=dict(_delete_=True, type='HeatmapHead', in_channels=128, out_channels=26,
                  loss=dict(type='KeypointMSELoss', use_target_weight=True,
                            loss_weight=1.0),
                  decoder=codec)))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomHalfBody', prob=0.1),
    dict(type='RandomBBoxTransform', shift_factor=0.08, shift_prob=0.3,
         scale_factor=(0.8, 1.2), rotate_factor=25.0, rotate_prob=0.4),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(batch_size=32, num_workers=2,
                        dataset=dict(pipeline=train_pipeline))
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1000)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=30, start_factor=0.1, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=max_epochs, milestones=[45, 55], gamma=0.1,
         by_epoch=True),
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=5),
                     checkpoint=dict(type='CheckpointHook', interval=2, max_keep_ckpts=2))
