# Default offline person detector: NanoDet-m 416 (Apache-2.0) run with
# onnxruntime; no mmdet needed. Build with MODELS.build(cfg.model) or
# mmalphapose.apis helpers. Measured on the 4-image COCO sample: person
# recall 12/12 at score 0.2, 10/12 at 0.3 (IoU >= 0.5).
model = dict(
    type='ONNXPersonDetector',
    model_path='checkpoints/nanodet.onnx',
    input_size=(416, 416),
    strides=(8, 16, 32),
    reg_max=10,
    mean=(103.53, 116.28, 123.675),
    std=(57.375, 57.12, 58.395),
    score_thr=0.3,
    nms_iou_thr=0.6,
    max_per_img=100,
    person_class=0,
    person_only=True,
)
