# Halpe-136 whole-body student with a body path and a part path (issue 16): the Halpe-26
# student's network computes the 26 body and foot points unchanged (frozen), and a second
# copy of MobileNetV2 stages 6-7, its last conv, the FPN and the heatmap branch computes the
# 68 face and 42 hand points (MoveNetPartFPN + PartPathHeatmapHead). The stem and the first
# five MobileNetV2 stages run once for both (the part path adds 25 % multiply-adds). So
# the body keypoints and scores are the Halpe-26 student's, and so is the tracker's
# embedding (pooled from the body features at the 26 body points: feature_index=0,
# pooled_keypoints=26); training the face and hands cannot cost body accuracy.
# Weights: checkpoints/movenet-partfpn_heatmap_halpe136-distill-256x256.pth (model card in
# checkpoints/README.md), trained by
# configs/distillation/movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192.py.
_base_ = ['./heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py']

max_iters = 1200
# the Halpe-26 student's input: square 256x256 crops, on which MoveNet's own decoding
# (its centre and regression heads) works best (docs/wholebody.md); the part path was
# trained on 256x192 crops of the same scale (the recipe,
# configs/distillation/movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192.py)
input_size = (256, 256)
heatmap_size = (64, 64)
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
model = dict(
    backbone=dict(
        _delete_=True,
        type='MoveNetPartFPN',
        branch='kpt_heatmap',
        shared_stages=5,
        freeze_body=True,
        offset_branch=True,
        centre_branches=True,
        pretrained_onnx='checkpoints/movenet-thunder.onnx'),
    # the body path's MoveNet offsets, centre and regression maps (features[2]) place
    # the 17 COCO points as MoveNet does, as in the Halpe-26 student
    head=dict(
        type='PartPathHeatmapHead',
        num_body_keypoints=26,
        frozen_body=True,
        in_index=0,
        offset_index=2,
        decoder=codec),
    test_cfg=dict(
        embedding=dict(sources=('feats', 'pixels'), feature_index=0, pooled_keypoints=26)),
)
train_cfg = dict(max_iters=max_iters)
# the Halpe-26 student's body path + the single-path whole-body student's part path
# (tools/distill/merge_part_path.py; run_all.sh's partpath stage writes it)
load_from = 'work_dirs/release/movenet-partfpn_heatmap_halpe136-init.pth'
