import numpy as np
import torch

from mmalphapose.registry import MODELS
from mmalphapose.testing import make_samples


def _model():
    import mmalphapose.tracking  # noqa: F401  (IdentityEmbeddingHead)
    return MODELS.build(
        dict(
            type='PoseTrackEstimator',
            backbone=dict(type='SEResNet', depth=18),
            neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
            head=dict(
                type='FastPoseHeatmapHead',
                in_channels=128,
                out_channels=5,
                decoder=dict(
                    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)),
            embedding_head=dict(type='IdentityEmbeddingHead', in_channels=128, embed_dim=8,
                                num_identities=4),
            test_cfg=dict(flip_test=True))).eval()


def test_embeddings_come_from_the_network_runner_batch():
    """PoseTrackEstimator has no predict of its own: predict_crops (the
    batched path of TopdownPredictor) gives keypoints and embeddings of all
    crops from one network-runner call (and one on the flipped crops)."""
    from mmalphapose.models.pose_estimators import TopdownPoseEstimator
    model = _model()
    assert type(model).predict is TopdownPoseEstimator.predict
    calls = []
    runner = model.network_runner

    def counting(inputs):
        calls.append(len(inputs))
        return runner(inputs)

    model.network_runner = counting
    samples = make_samples(model.head.decoder)
    inputs = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        inst = model.predict_crops(inputs, samples)
        expected = model.embedding_head.predict(
            model.extract_feat(inputs), model.head.forward(model.extract_feat(inputs)))
    assert calls == [2, 2]  # plain + flipped, all crops at once
    assert inst.embeddings.shape == (2, 8) and inst.embeddings.dtype == np.float32
    np.testing.assert_allclose(inst.embeddings, expected.numpy(), rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
        without = model.predict_crops(inputs, samples, with_embeddings=False)
    np.testing.assert_allclose(out[1].pred_instances.embeddings, expected.numpy()[1:2],
                               rtol=1e-5, atol=1e-6)
    assert 'embeddings' not in without
