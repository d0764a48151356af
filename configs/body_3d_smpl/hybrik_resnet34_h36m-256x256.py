# HybrIK (SMPL body mesh + 3D joints) as AlphaPose's Simple3DPoseBaseSMPLCam:
# ResNet-34, 256x256 crops, 29 joints on 64x64x64 heatmaps, softmax integral,
# shape / twist / camera regression, HybrIK IK through an SMPL layer.
# The SMPL model file is licensed and not bundled: see docs/smpl.md
# (smpl_layer.model_path, or MMALPHAPOSE_SMPL_MODEL, or checkpoints/smpl/).
# Training data: SMPLDataset JSON (docs/smpl.md), e.g. Human3.6M converted to it.
_base_ = ['../_base_/default_runtime.py']

# AlphaPose's recipe: 200 epochs, Adam 1e-3, steps at 90 and 120
train_cfg = dict(by_epoch=True, max_epochs=200)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=200, milestones=[90, 120], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=256)  # 8 GPUs x 32

codec = dict(
    type='HybrIKLabel',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    depth_size=64,
    depth_factor=2.2,
    focal_length=1000.)

model = dict(
    type='TopdownPoseEstimator',
    # HybrIK's / AlphaPose's SMPL input (simple_transform_3d_smpl_cam.py
    # test_transform): RGB / 255, minus (0.406, 0.457, 0.480), divided by
    # (0.225, 0.224, 0.229) per R, G, B channel; here on 0..255 pixels
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=(103.53, 116.535, 122.4),
        std=(57.375, 57.12, 58.395),
        bgr_to_rgb=True),
    backbone=dict(type='mmdet.ResNet', depth=34, num_stages=4, out_indices=(3, ), norm_eval=False),
    # HybrIK starts from ImageNet weights; nothing is downloaded here: add
    # init_cfg=dict(type='Pretrained', checkpoint=YOUR_resnet34.pth) to the backbone
    head=dict(
        type='HybrIKHead',
        in_channels=512,
        num_joints=29,
        deconv_out_channels=(256, 256, 256),
        init_cam=(0.9, 0., 0.),
        # IK as HybrIK (spine3: swing toward the neck + its twist); for weights
        # trained with AlphaPose's copy: ik_spine3='svd' and depth_factor=2.0
        # (docs/smpl.md)
        smpl_layer=dict(type='SMPLLayer', model_path=None, ik_spine3='twist'),
        loss=dict(
            type='HybrIKLoss',
            uvd_weight=1.,
            beta_weight=1.,
            theta_weight=0.01,
            twist_weight=0.01,
            phi_reg_weight=1e-4,
            uvd_num_joints=24),
        decoder=codec),
    test_cfg=dict(flip_test=False, return_vertices=False),
    metainfo=dict(from_file='configs/_base_/datasets/smpl29.py'))

dataset_type = 'SMPLDataset'
data_root = 'data/h36m/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    # scale / shift only: flips and rotations would also have to move the
    # 3D joints and the SMPL pose, which GenerateSMPLTarget does not do
    dict(type='RandomBBoxTransform', shift_prob=0.3, scale_factor=(0.75, 1.25), rotate_prob=0.),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateSMPLTarget', encoder=codec),
    dict(type='PackSMPLInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackSMPLInputs'),
]
# inference (the demo's --smpl mode, inference_smpl): its GetBBoxCenterScale and
# TopdownAffine are the crop (box padding 1.25, 256x256), as for the 2D models
test_pipeline = val_pipeline
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        joints_3d_unit='m',
        ann_file='annotations/h36m_train_smpl.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
# no 3D metric (MPJPE / PA-MPJPE) is implemented yet, so the validation and
# test loops are off; ``eval_dataset`` is the held-out split for scripts
eval_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    joints_3d_unit='m',
    ann_file='annotations/h36m_val_smpl.json',
    data_prefix=dict(img='images/'),
    test_mode=True,
    pipeline=val_pipeline)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
