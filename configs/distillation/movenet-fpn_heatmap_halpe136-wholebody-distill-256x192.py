# Multi-teacher distillation of the Halpe-136 whole-body student from the
# halpe136-teachers ensemble (issue 16, item 3; DWPose layout: the student is the plain
# model config named in _base_, this file wraps its model and swaps its data).
# Labels: tools/distill/make_wholebody_labels.py DATA_ROOT --clip-labels
#   data/distill/halpe136_train.json -> work_dirs/distill_wb136/labels/, i.e. the
#   ensemble (MoveNet + BlazePose body / feet, face-api face, MediaPipe hands) on
#   people_photos (GT body wins) plus hand crops (person box = the hand) and face crops
#   (person box = face box x 2) of the same photos, HELEN train faces (GT face, person
#   box = face box x 2, body unsupervised) and the clip labels of the earlier recipe.
#   coco_mini_train is labelled into its own file and left out: the whole-body
#   benchmark measures body AP on it.
# Stage 1 of 2 (stage 2: ...-wholebody-distill-finetune-256x192.py) of the single-path
# whole-body student, whose upper network starts the part path of the bundled
# halpe136-student (movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192.py; it was
# the bundled halpe136-student from commit 40ed501 until the part-path one). Warm-started
# from the clips-only Halpe-136 student (the bundled halpe136-student before issue 16;
# run_all.sh's halpe136 stage exports it to work_dirs/release/); same network, so the
# result exports to the plain student config.
# The published run started from that file as bundled until commit d7e76f1 (sha256
# 6c98d7a9...).
# Reproduce: bash tools/distill/run_all.sh SHARED_DIR labels halpe136 wholebody136
_base_ = [
    '../wholebody_2d_keypoint/heatmap/halpe136/'
    'heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py'
]

max_iters = 1200
base_lr = 1e-3
data_root = 'work_dirs/distill_wb136/labels/'

model = dict(
    _delete_=True,
    type='MultiTeacherDistiller',
    student=_base_.model,  # noqa: F821  (mmengine gives configs the _base_ variables)
    gt_loss_weight=1.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        # the ensemble's face (face-api 68) and, in the clip labels, face mesh
        dict(source='faceapi', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='facemesh', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='hand', keypoint_ids=list(range(94, 136)), loss_weight=1.0),
    ],
)
train_dataloader = dict(dataset=dict(data_root=data_root, ann_file='halpe136_wholebody_train.json'))
train_cfg = dict(max_iters=max_iters)
# the FPN and heatmap branch learn at 0.2x (0.1x in the body recipes): the face and
# hands need finer features than the body
optim_wrapper = dict(
    optimizer=dict(lr=base_lr), paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.2)}))
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
# warm start: the clips-only Halpe-136 student (plain keys load into the distiller)
load_from = 'work_dirs/release/movenet-fpn_heatmap_halpe136-clips-distill-256x192.pth'
