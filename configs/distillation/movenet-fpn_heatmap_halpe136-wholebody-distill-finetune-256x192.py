# Stage 2 of the whole-body Halpe-136 student (issue 16): the stage-1 recipe
# (movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.py: same labels, same teachers,
# MobileNetV2 frozen) continued for 1200 more iterations with MobileNetV2 stages 4-7 and its
# last conv trainable (at 0.1x the learning rate): the face and hand points need features
# the frozen body network does not give (stage 1 ended at HELEN face NME 0.094 and hands21
# PCK@0.2 0.229). The single-path student is this config run twice, the second run from
# the end of the first (load_from given on the command line); its upper network starts the
# part path of the bundled halpe136-student
# (movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192.py).
# Reproduce: bash tools/distill/run_all.sh DATA_PARENT wholebody136
_base_ = ['./movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.py']

# stage 1's schedule (1200 iterations, warm-up + cosine from 1e-3) and data, inherited
model = dict(student=dict(backbone=dict(frozen_stages=3)))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
# the end of stage 1 (a distiller checkpoint: its keys load as they are)
load_from = 'work_dirs/distill_wb136/train/iter_1200.pth'
