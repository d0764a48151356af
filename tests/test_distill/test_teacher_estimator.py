"""ONNXTeacherPoseEstimator through the inference API (the teacher ONNX files
bundled in checkpoints/)."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS_DIR = osp.join(ROOT, 'checkpoints')  # the bundled teacher ONNX files
CFG = osp.join(ROOT, 'configs', 'distillation', 'onnx-teachers_halpe26-256x256.py')

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not osp.isfile(osp.join(MODELS_DIR, 'movenet-thunder.onnx')),
        reason='teacher ONNX files not bundled in checkpoints/')
]


def test_wrapped_teachers_match_gt_on_coco_person():
    from mmalphapose.apis.inference import inference_topdown, init_model
    from mmalphapose.registry import MODELS
    model = MODELS.build(
        dict(
            type='ONNXTeacherPoseEstimator',
            body_model=osp.join(MODELS_DIR, 'movenet-thunder.onnx'),
            feet_model=osp.join(MODELS_DIR, 'blazepose-full.onnx')))
    with pytest.raises(RuntimeError, match='inference-only'):
        model(torch.zeros(1, 3, 256, 256), [], mode='loss')
    k, s = model(torch.zeros(2, 3, 256, 256), None, mode='tensor')
    assert k.shape == (2, 26, 2) and s.shape == (2, 26)
    # the skier of 000000000785.jpg, all 17 keypoints labelled in COCO
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    import json
    ann = [
        a for a in json.load(open(osp.join(ROOT, 'tests', 'data', 'coco', 'test_coco.json')))
        ['annotations'] if a['image_id'] == 785
    ][0]
    x, y, w, h = ann['bbox']
    g = np.array(ann['keypoints'], np.float32).reshape(17, 3)
    m = init_model(CFG) if osp.isfile(CFG) else model
    out = inference_topdown(m, img, np.array([[x, y, x + w, y + h]], np.float32))
    pred = np.asarray(out[0].pred_instances.keypoints)[0]
    assert pred.shape == (26, 2)
    err = np.linalg.norm(pred[:17] - g[:, :2], axis=1)
    assert np.median(err) < 0.05 * h, err
