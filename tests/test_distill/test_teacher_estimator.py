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


def test_teachers_embedding_from_the_crop_pixels():
    from mmalphapose.registry import MODELS
    from mmalphapose.structures import PoseDataSample
    model = MODELS.build(
        dict(
            type='ONNXTeacherPoseEstimator',
            body_model=osp.join(MODELS_DIR, 'movenet-thunder.onnx'),
            metainfo=osp.join(ROOT, 'configs', '_base_', 'datasets', 'halpe26.py'),
            test_cfg=dict(embedding=dict())))
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    crop = cv2.resize(img[0:425, 150:500], (256, 256))
    crops = torch.from_numpy(np.stack([crop, crop[:, :, ::-1].copy()])).permute(0, 3, 1, 2)
    samples = []
    for _ in range(2):
        ds = PoseDataSample()
        ds.set_metainfo(
            dict(input_center=(128., 128.), input_scale=(256., 256.), input_size=(256, 256)))
        samples.append(ds)
    out = model(crops.float(), samples, mode='predict')
    e = np.concatenate([o.pred_instances.embeddings for o in out])
    assert e.shape == (2, 2 * 64)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)
    assert 1 - e[0] @ e[1] > 0.01  # colours swapped (BGR -> RGB): another look
