# Multi-teacher distillation of the bundled Halpe-26 student (DWPose layout: the student
# is the plain model config named in _base_; this file only wraps its model).
# Since 2026-12-07 the student's body is MoveNet Thunder's own network (MobileNetV2, FPN,
# keypoint-heatmap branch with its 17 output rows, keypoint-offset head), all read from
# checkpoints/movenet-thunder.onnx and left as they are; training learns only the 9
# output rows of the points MoveNet lacks: head / neck / pelvis (derived from the
# teachers' body points, weight 0.5) and the six foot points (BlazePose full). The 17
# COCO rows get no loss (weight 0) and the backbone is frozen (frozen_stages=7,
# frozen_fpn=True in the student config), so they stay MoveNet's: with the FPN fine-tuned
# on the clip labels (the recipe before) body AP on people_photos with GT boxes was
# 0.815, MoveNet's own heatmaps + offsets give 0.84 (docs/wholebody.md).
# The schedule (300 iterations, Adam 1e-2, fp32, 256x256 crops, about 21 min on 2 cores) is
# the student config's.
# Labels: tools/distill/make_teacher_labels.py (data/distill/halpe26_train.json).
# Train: python tools/train.py configs/distillation/movenet-fpn_heatmap_halpe26-distill-256x256.py
# Export the student: tools/distill/export_student.py; reproduce: bash tools/distill/run_all.sh
_base_ = [
    '../body_2d_keypoint/heatmap/halpe26/'
    'heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py'
]

model = dict(
    _delete_=True,
    type='MultiTeacherDistiller',
    student=_base_.model,  # noqa: F821  (mmengine gives configs the _base_ variables)
    gt_loss_weight=0.0,
    use_confidence=True,
    teachers=[
        dict(source='movenet', keypoint_ids=list(range(17)), loss_weight=0.0),
        dict(source='blazepose', keypoint_ids=[20, 21, 22, 23, 24, 25], loss_weight=1.0),
        dict(source='derived', keypoint_ids=[17, 18, 19], loss_weight=0.5),
    ],
)
