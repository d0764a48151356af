# Tiny smoke-test variant of the pose + identity-embedding config: SE-ResNet-18,
# 128x96 input, the 14 PoseTrack18 persons in tests/data/posetrack18. Used by
# tests/test_tracking/test_identity_training.py; run from the repository root.
_base_ = ['./idembed_fastpose-se-res50_8xb32-20e_posetrack18-256x192.py']

train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=1, val_interval=100)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
param_scheduler = []
auto_scale_lr = None
load_from = None
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best=None))
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
model = dict(
    backbone=dict(type='SEResNet', depth=18, init_cfg=None),
    neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
    head=dict(decoder=codec),
    embedding_head=dict(embed_dim=32, num_identities=64, mid_channels=64),
    test_cfg=dict(flip_test=False))

data_root = 'tests/data/posetrack18/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.8, 1.2),
        rotate_factor=20,
        rotate_prob=0.5),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/test_posetrack18_val.json',
        pipeline=train_pipeline))
