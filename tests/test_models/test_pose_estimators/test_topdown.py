import numpy as np
import pytest
import torch

from mmalphapose.registry import MODELS
from mmalphapose.testing import make_samples


def _model(flip=False):
    return MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='SEResNet', depth=18),
            neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
            head=dict(
                type='SIKRHead',
                in_channels=128,
                out_channels=5,
                decoder=dict(type='SIKRLabel', input_size=(64, 64), heatmap_size=(16, 16))),
            test_cfg=dict(flip_test=flip)))


def test_modes_and_image_coordinates():
    model = _model()
    samples = make_samples(model.head.decoder)
    data = dict(
        inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8) for _ in range(2)],
        data_samples=samples)
    data = model.data_preprocessor(data, training=True)
    assert model(data['inputs']).shape == (2, 5, 16, 16)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_kpt'} and losses['loss_kpt'].requires_grad
    model.eval()
    with torch.no_grad():
        crop, _ = model.head.decoder.decode(model(data['inputs']))
        out = model(**data, mode='predict')
    pred = out[0].pred_instances
    # input_center (50, 60), input_scale = 2 * input size
    expected = crop[0] * 2 + np.array([50., 60.]) - np.array([64., 64.])
    np.testing.assert_allclose(pred.keypoints[0], expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(pred.bboxes, [[0, 0, 10, 10]])
    np.testing.assert_allclose(pred.bbox_scores, [0.9])
    assert pred.keypoint_scores.shape == (1, 5)


def test_flip_predict_and_errors():
    model = _model(flip=True).eval()
    samples = make_samples(model.head.decoder)
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 64), samples, mode='predict')
    assert out[1].pred_instances.keypoints.shape == (1, 5, 2)
    del samples[0].gt_instances
    samples[0].set_metainfo(dict(input_center=np.array([10., 10.])))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 64), samples, mode='predict')
    assert out[0].pred_instances.bboxes.shape == (1, 4)
    with pytest.raises(ValueError, match='mode'):
        model(torch.randn(1, 3, 64, 48), mode='nope')
