# Distillation of the two-path Halpe-136 student (issue 16): body path = the Halpe-26
# student, frozen; part path (the upper MobileNetV2 stages, FPN, heatmap branch and the
# 110 face and hand heatmaps) trained on the halpe136-teachers ensemble's labels
# (tools/distill/make_wholebody_labels.py, the same labels as the single-path recipe
# movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.py). Since the body cannot change
# here, the part path learns at 0.3x (the single-path finetune: 0.1x, to spare the body),
# the hand points weigh 2x, and the hand crops come a second time, three times over,
# turned by up to 180 degrees (hands point every way; the photos' hands mostly down).
# Two runs (run_all.sh's partpath136 stage): with 3 shared stages
# (model.student.backbone.shared_stages=3), warm-started from the Halpe-26 student + the
# single-path whole-body student's upper part (tools/distill/merge_part_path.py), then with
# the student config's 5 shared stages from the end of the first run re-cut by
# merge_part_path.py --shared-stages 5 (the bundled halpe136-student).
# Reproduce: bash tools/distill/run_all.sh SHARED_DIR labels halpe136 wholebody136 partpath136
_base_ = [
    '../wholebody_2d_keypoint/heatmap/halpe136/'
    'heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py'
]

max_iters = 1200
base_lr = 1e-3
data_root = 'work_dirs/distill_wb136/labels/'
ann_file = 'halpe136_wholebody_train.json'
# trained as run: 256x192 crops (the plain config's input became 256x256 on 2026-12-07,
# with the Halpe-26 student's; the part path reads either at the same person scale)
input_size = (192, 256)
heatmap_size = (48, 64)
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size, sigma=2.0)
train_pipeline = [
    dict(step, input_size=input_size) if step['type'] == 'TopdownAffine' else
    dict(step, encoder=codec) if step['type'] == 'GenerateTarget' else step
    for step in _base_.train_pipeline  # noqa: F821
]

model = dict(
    _delete_=True,
    type='MultiTeacherDistiller',
    # (mmengine gives configs the _base_ variables)
    student=dict(_base_.model, head=dict(_base_.model.head, decoder=codec)),  # noqa: F821
    gt_loss_weight=1.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='faceapi', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='facemesh', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='hand', keypoint_ids=list(range(94, 136)), loss_weight=2.0),
    ],
)
hand_pipeline = [
    dict(type='LoadImage', cache_mb=2048),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.1,
        shift_prob=0.4,
        scale_factor=(0.7, 1.4),
        rotate_factor=90.0,
        rotate_prob=1.0),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='RandomPhotometric'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='Halpe136Dataset',
                data_root=data_root,
                ann_file=ann_file,
                data_prefix=dict(img=''),
                pipeline=train_pipeline),
            dict(
                type='RepeatDataset',
                times=3,
                dataset=dict(
                    type='Halpe136Dataset',
                    data_root=data_root,
                    ann_file=ann_file,
                    data_prefix=dict(img=''),
                    filter_cfg=dict(domains=['photos_left_hand', 'photos_right_hand']),
                    pipeline=hand_pipeline)),
        ]))
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(
    optimizer=dict(lr=base_lr), paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.3)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.1, by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        begin=100,
        end=max_iters,
        T_max=max_iters - 100,
        eta_min=base_lr * 1e-3,
        by_epoch=False),
]
default_hooks = dict(checkpoint=dict(interval=300, max_keep_ckpts=4))
