# The single-path Halpe-136 whole-body student as a plain top-down model: the Halpe-26
# student (heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py) with 136 heatmaps. Its
# weights are not bundled: its upper network starts the part path of the bundled
# halpe136-student (heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py), whose body
# is the Halpe-26 student's. Two recipes wrap it (DWPose layout):
# * configs/distillation/movenet-fpn_heatmap_halpe136-distill-256x192.py: this file's own
#   data and schedule (clip labels with MediaPipe hand / face-mesh teachers), warm-started
#   from the Halpe-26 student (all but the output layer) - the earlier bundled student;
# * configs/distillation/movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.py and
#   ...-wholebody-distill-finetune-256x192.py: the halpe136-teachers ensemble's labels on
#   photos, HELEN faces and the clips (tools/distill/run_all.sh's wholebody136 stage; the
#   bundled halpe136-student from commit 40ed501 until the part-path one).
_base_ = [
    '../../../body_2d_keypoint/heatmap/halpe26/'
    'heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py'
]

max_iters = 1000
base_lr = 1e-3
# its recipe as run: 256x192 crops (the Halpe-26 student's input before 2026-12-07)
input_size = (192, 256)
heatmap_size = (48, 64)
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size, sigma=2.0)
train_pipeline = [
    dict(step, input_size=input_size) if step['type'] == 'TopdownAffine' else
    dict(step, encoder=codec) if step['type'] == 'GenerateTarget' else step
    for step in _base_.train_pipeline  # noqa: F821
]
test_pipeline = [
    dict(step, input_size=input_size) if step['type'] == 'TopdownAffine' else step
    for step in _base_.test_pipeline  # noqa: F821
]

model = dict(
    # the single-path model keeps the fine-tuned FPN without MoveNet's offsets (the
    # Halpe-26 student's network before 2026-12-07)
    backbone=dict(offset_branch=False, centre_branches=False, frozen_fpn=False),
    head=dict(out_channels=136, offset_index=None, decoder=codec),
    # the flip test for every person, not the body student's flip_min_height: with 96 px
    # hands21 PCK -0.041 (its hand boxes are 30-77 px tall; docs/speed.md)
    test_cfg=dict(
        flip_test=True,
        flip_min_height=None, embedding=dict(sources=('feats', 'pixels'), feature_index=-1)),
    metainfo=dict(from_file='configs/_base_/datasets/halpe136.py'))

dataset_type = 'Halpe136Dataset'
train_dataloader = dict(
    dataset=dict(type=dataset_type, ann_file='halpe136_train.json', pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type, ann_file='halpe136_heldout_clip.json', pipeline=test_pipeline))
test_evaluator = dict(ann_file='data/distill/halpe136_heldout_clip.json')
train_cfg = dict(max_iters=max_iters)
# its recipe as run (before the Halpe-26 student's moved to fp32 and a frozen FPN)
optim_wrapper = dict(
    _delete_=True,
    type='AutocastOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(type='Adam', lr=base_lr),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
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
# the bundled Halpe-26 student (plain keys): all but the 26-channel output layer
# load; the 136-channel one starts fresh
load_from = 'checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth'
