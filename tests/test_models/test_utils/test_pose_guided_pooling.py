import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mmalphapose.models  # noqa: F401 (registers the models)
from mmalphapose.models.utils.pose_guided_pooling import PoseGuidedPooling, lower_body_mask
from mmalphapose.registry import MODELS
from mmalphapose.structures import PoseMetainfo
from mmalphapose.testing import make_samples

COCO = 'configs/_base_/datasets/coco.py'


def _pose(n=2, h=64, w=48, seed=0):
    """COCO-17 keypoints of an upright person in an (h, w) crop."""
    rng = np.random.default_rng(seed)
    base = np.array([[24, 8], [22, 6], [26, 6], [20, 8], [28, 8], [18, 18], [30, 18], [16, 28],
                     [32, 28], [15, 36], [33, 36], [20, 38], [28, 38], [20, 50], [28, 50], [20, 60],
                     [28, 60]], np.float32) * np.array([w / 48, h / 64], np.float32)
    kpts = base[None] + rng.normal(0, 0.5, (n, 17, 2)).astype(np.float32)
    return torch.as_tensor(kpts), torch.full((n, 17), 0.9)


def _pool(**kw):
    return PoseGuidedPooling(PoseMetainfo.load(COCO), **kw)


def test_lower_body_split_by_name():
    meta = PoseMetainfo.load(COCO)
    low = lower_body_mask(meta.names)
    assert low.tolist() == [False] * 11 + [True] * 6


def test_shapes_norms_and_same_forward_inputs():
    pool = _pool()
    kpts, scores = _pose()
    feats = (torch.rand(2, 8, 16, 12), )
    crops = torch.rand(2, 3, 64, 48) * 2 - 1
    emb = pool(feats, crops, kpts, scores)
    assert emb.shape == (2, 2 * (8 + 64))
    np.testing.assert_allclose(emb.norm(dim=1).numpy(), 1.0, rtol=1e-5)
    # deterministic, and the same person crop twice gives the same embedding
    crops[1], feats[0][1] = crops[0], feats[0][0]
    kpts[1] = kpts[0]
    emb = pool(feats, crops, kpts, scores)
    np.testing.assert_allclose(emb[0].numpy(), emb[1].numpy(), atol=1e-6)


def test_colour_at_the_keypoints_decides_the_pixel_embedding():
    pool = _pool(sources=('pixels', ))
    kpts, scores = _pose(3)
    crops = torch.full((3, 3, 64, 48), -1.0)
    crops[0, 2], crops[1, 2] = 1.0, 0.9  # blue-ish people (BGR order kept as given)
    crops[2, 0] = 1.0  # a red one
    emb = pool(None, crops, kpts, scores)
    dist = 1 - emb @ emb.T
    assert dist[0, 1] < 0.05 < dist[0, 2]
    # background far from the keypoints does not matter
    crops2 = crops.clone()
    crops2[:, :, :, :3] = 1.0
    np.testing.assert_allclose(pool(None, crops2, kpts, scores).numpy(), emb.numpy(), atol=1e-5)


def test_unconfident_points_are_ignored_and_errors():
    pool = _pool(sources=('feats', ))
    kpts, scores = _pose(1)
    feats = (torch.rand(1, 4, 16, 12), )
    crops = torch.zeros(1, 3, 64, 48)
    emb = pool(feats, crops, kpts, scores)
    scores_low = scores.clone()
    scores_low[:, 11:] = 0.1  # lower body not confident: its block is zero
    emb_low = pool(feats, crops, kpts, scores_low)
    assert torch.allclose(emb_low[0, 4:], torch.zeros(4))
    assert not torch.allclose(emb, emb_low)
    with pytest.raises(ValueError, match='sources'):
        _pool(sources=('colour', ))
    with pytest.raises(ValueError, match='17'):
        pool(feats, crops, kpts[:, :5], scores[:, :5])
    with pytest.raises(ValueError, match='feature maps'):
        pool(None, crops, kpts, scores)


@pytest.mark.parametrize('flip', [False, True])
def test_topdown_predict_writes_embeddings_in_the_same_forward(flip):
    model = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='SEResNet', depth=18),
            neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
            head=dict(
                type='SIKRHead',
                in_channels=128,
                out_channels=17,
                decoder=dict(type='SIKRLabel', input_size=(48, 64), heatmap_size=(12, 16))),
            test_cfg=dict(flip_test=flip, embedding=dict(kpt_thr=-1.0)),
            metainfo=dict(from_file=COCO))).eval()
    calls = []
    model.backbone.register_forward_hook(lambda *a: calls.append(1))
    samples = make_samples(
        model.head.decoder, k=17, flip_indices=PoseMetainfo.load(COCO).flip_indices.tolist())
    with torch.no_grad():
        out = model(torch.randn(len(samples), 3, 64, 48), samples, mode='predict')
    assert len(calls) == (2 if flip else 1)  # no extra forward for the embedding
    emb = out[0].pred_instances.embeddings
    assert emb.shape == (1, 2 * (128 + 64))
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match='metainfo'):
        MODELS.build(
            dict(
                type='TopdownPoseEstimator',
                backbone=dict(type='SEResNet', depth=18),
                head=dict(
                    type='SIKRHead',
                    in_channels=512,
                    out_channels=17,
                    decoder=dict(type='SIKRLabel', input_size=(48, 64), heatmap_size=(12, 16))),
                test_cfg=dict(embedding=dict())))


@pytest.mark.parametrize('window', [1, 5, 15])
def test_window_means_equal_the_filtered_crop_sampled(window):
    """The integral-image window means equal avg_pool2d + bilinear sampling,
    also at the border, between pixels and outside the crop."""
    torch.manual_seed(0)
    inputs = torch.rand(3, 3, 40, 30) * 2 - 1
    pts = torch.rand(3, 50, 2) * torch.tensor([34.0, 46.0]) - 2  # some outside
    pts[0, :4] = torch.tensor([[0.0, 0.0], [30.0, 40.0], [0.5, 39.5], [29.5, 0.5]])
    ref = F.avg_pool2d(inputs, window, stride=1, padding=window // 2, count_include_pad=False)
    ref = PoseGuidedPooling.sample(ref, pts, (30, 40))
    got = PoseGuidedPooling.window_means(inputs, pts, window)
    assert got.shape == (3, 50, 3)
    assert torch.allclose(got, ref, atol=1e-5)


def test_pooled_keypoints_make_a_wholebody_embedding_the_body_models():
    """Pooling a Halpe-136 pose at its first 26 points equals pooling the same
    26 points with the Halpe-26 metainfo: face and hand points do not count."""
    m136 = PoseMetainfo.load('configs/_base_/datasets/halpe136.py')
    m26 = PoseMetainfo.load('configs/_base_/datasets/halpe26.py')
    rng = np.random.default_rng(3)
    kpts = torch.as_tensor(rng.uniform(4, 44, (2, 136, 2)).astype(np.float32))
    scores = torch.as_tensor(rng.uniform(0.2, 1.0, (2, 136)).astype(np.float32))
    feats = (torch.rand(2, 8, 16, 12), )
    crops = torch.rand(2, 3, 64, 48) * 2 - 1
    body = PoseGuidedPooling(m26)(feats, crops, kpts[:, :26], scores[:, :26])
    whole = PoseGuidedPooling(m136, pooled_keypoints=26)
    torch.testing.assert_close(whole(feats, crops, kpts, scores), body)
    all136 = PoseGuidedPooling(m136)(feats, crops, kpts, scores)
    assert (all136 - body).abs().max() > 1e-3
    with pytest.raises(ValueError, match='pooled_keypoints'):
        PoseGuidedPooling(m136, pooled_keypoints=137)
