# Multi-teacher distillation of the bundled Halpe-26 student (DWPose layout: the student
# is the plain model config named in _base_; this file only wraps its model).
# Teachers, offline (their pseudo-labels are in the training data, see
# tools/distill/make_teacher_labels.py): MoveNet Thunder (COCO-17 body), BlazePose full
# (feet), derived head/neck/pelvis, plus PoseTrack18 human GT (GT wins over teachers).
# Each teacher supervises only its own keypoints, weighted by its confidence.
# Training schedule, data and hooks come from the student config. 26 min on 2 cores.
# Train: python tools/train.py configs/distillation/movenet-fpn_heatmap_halpe26-distill-256x192.py
# Export the student: tools/distill/export_student.py; reproduce: bash tools/distill/run_all.sh
# Students with NanoDet-initialised or from-scratch backbones generalised far worse
# (checkpoints/README.md; their configs are in git history).
_base_ = [
    '../body_2d_keypoint/heatmap/halpe26/'
    'heatmap_movenet-fpn_1xb32-1500it_halpe26-256x192.py'
]

model = dict(
    _delete_=True,
    type='MultiTeacherDistiller',
    student=_base_.model,  # noqa: F821  (mmengine gives configs the _base_ variables)
    gt_loss_weight=1.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=1.0),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
    ],
)
