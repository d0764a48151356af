# Multi-teacher distillation of the bundled Halpe-136 whole-body student (DWPose layout:
# the student is the plain model config named in _base_; this file only wraps its model).
# The Halpe-26 recipe (movenet-fpn_heatmap_halpe26-distill-256x256.py) with two more
# teachers, run on hand / face boxes derived from the body labels:
#   MediaPipe hand landmark (full) -> the 42 hand points (94-135),
#   MediaPipe face mesh (468 points mapped to the 68 iBUG points) -> the face (26-93).
# Warm-started from the bundled Halpe-26 student (the student config's load_from).
# Labels: tools/distill/make_teacher_labels.py --wholebody -> data/distill/halpe136_train.json
# Reproduce: bash tools/distill/run_all.sh
_base_ = [
    '../wholebody_2d_keypoint/heatmap/halpe136/'
    'heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py'
]

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
        dict(source='facemesh', keypoint_ids=list(range(26, 94)), loss_weight=1.0),
        dict(source='hand', keypoint_ids=list(range(94, 136)), loss_weight=1.0),
    ],
)
