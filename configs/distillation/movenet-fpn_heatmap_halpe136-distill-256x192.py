# Halpe-136 whole-body student: the Halpe-26 student's recipe
# (movenet-fpn_heatmap_halpe26-distill-256x192.py) with two more teachers:
#   MediaPipe hand landmark (full) -> the 42 hand points (94-135),
#   MediaPipe face mesh (468 points mapped to the 68 iBUG points) -> the face (26-93),
# run on hand / face boxes derived from the body labels.
# Warm-started from the bundled Halpe-26 student (all but the output layer).
# Labels: tools/distill/make_teacher_labels.py --wholebody -> data/distill/halpe136_train.json
# Reproduce: bash tools/distill/run_all.sh
_base_ = ['./movenet-fpn_heatmap_halpe26-distill-256x192.py']

max_iters = 1000
base_lr = 1e-3

model = dict(
    student=dict(
        head=dict(out_channels=136),
        metainfo=dict(from_file='configs/_base_/datasets/halpe136.py')),
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='facemesh', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='hand', keypoint_ids=list(range(94, 136)), loss_weight=1.0),
    ],
)

train_dataloader = dict(dataset=dict(type='Halpe136Dataset', ann_file='halpe136_train.json'))
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.1, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=100, end=max_iters, T_max=max_iters - 100,
         eta_min=base_lr * 1e-3, by_epoch=False),
]
# the exported Halpe-26 student (plain student keys): all but the 26-channel output
# layer load; the 136-channel one starts fresh
load_from = 'checkpoints/movenet-fpn_heatmap_halpe26-distill-256x192.pth'
