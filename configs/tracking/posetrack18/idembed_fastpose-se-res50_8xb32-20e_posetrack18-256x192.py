# Pose-aware identity embedding (AlphaPose TPAMI'22, arXiv 2211.03375):
# FastPose (SE-ResNet-50 + DUC) heatmap pose head and an IdentityEmbeddingHead
# on the same features, trained together on PoseTrack18 (identity = video id x
# track id). The loss weights / embedding size of the paper are unverified; the
# values here are the usual JDE/FairMOT-style choices. Start from a COCO pose
# checkpoint (load_from) so that the heatmaps guiding the attention are sane.
_base_ = ['../../_base_/default_runtime.py']

custom_imports = dict(imports=['mmalphapose.tracking'], allow_failed_imports=False)

train_cfg = dict(max_epochs=20, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=20, milestones=[10, 15], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=256)
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
load_from = None  # e.g. a COCO heatmap_fastpose-se-res50 checkpoint

codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

model = dict(
    type='PoseTrackEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor'),
    backbone=dict(
        type='SEResNet',
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(type='DUC', in_channels=2048, channels=(1024, 512)),
    head=dict(
        type='FastPoseHeatmapHead',
        in_channels=128,
        out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        decoder=codec),
    embedding_head=dict(
        type='IdentityEmbeddingHead',
        in_channels=128,
        embed_dim=128,
        num_identities=5000,
        heatmap_type='heatmap',
        attention='max',
        loss_cls=dict(type='IdentityCrossEntropyLoss', label_smooth=0.1, loss_weight=1.0),
        loss_triplet=dict(type='BatchHardTripletLoss', margin=0.3, loss_weight=1.0)),
    embedding_loss_weight=0.1,
    test_cfg=dict(flip_test=True, shift_heatmap=True))

dataset_type = 'PoseTrack18Dataset'
data_root = 'data/posetrack18/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.75, 1.25),
        rotate_factor=30,
        rotate_prob=0.5),
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
    # two augmented copies of each person per batch: triplet positives even
    # for people seen in a single annotated frame
    sampler=dict(type='RepeatedInstanceSampler', repeats=2, shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/posetrack18_train.json',
        data_prefix=dict(img=''),
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
        ann_file='annotations/posetrack18_val.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator
