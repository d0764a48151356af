import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.registry import MODELS
from mmalphapose.structures import PoseDataSample


def _sample(track_id=None, video_id=None, inst_id=0):
    ds = PoseDataSample(metainfo=dict(video_id=video_id, id=inst_id))
    gt = InstanceData()
    if track_id is not None:
        gt.track_ids = np.array([track_id])
    ds.gt_instances = gt
    return ds


def _blob_heatmaps(n, k, h, w, centres):
    """Gaussian keypoint maps of a 'person' standing around each centre:
    keypoints spread vertically over half the map height."""
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    maps = torch.zeros(n, k, h, w)
    for i, (cy, cx) in enumerate(centres):
        for j in range(k):
            ky = cy + (j / (k - 1) - 0.5) * h / 2
            kx = cx + (j % 3 - 1)
            maps[i, j] = torch.exp(-((ys - ky)**2 + (xs - kx)**2) / 4.0)
    return maps


def test_pose_guided_attention_ignores_other_people():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='IdentityEmbeddingHead', in_channels=8, embed_dim=16, mid_channels=8)).eval()
    feats = torch.randn(1, 8, 32, 24)
    hm = _blob_heatmaps(1, 17, 32, 24, [(16, 5)])  # our person: left
    emb = head(feats, hm)
    assert emb.shape == (1, 16)
    assert torch.allclose(emb.norm(dim=1), torch.ones(1))
    # changing the far-away region (another person) barely moves the
    # embedding with attention, but moves it a lot with plain pooling
    other = feats.clone()
    other[..., :, 14:] = torch.randn_like(other[..., :, 14:]) * 3
    d_att = (head(other, hm) - emb).norm()
    plain = MODELS.build(
        dict(
            type='IdentityEmbeddingHead',
            in_channels=8,
            embed_dim=16,
            mid_channels=8,
            attention='none'))
    plain.load_state_dict(head.state_dict())
    plain.eval()
    d_plain = (plain(other, hm) - plain(feats, hm)).norm()
    assert d_att < 0.3 * d_plain
    att = head.attention_map(hm, (32, 24))
    assert att.shape == (1, 1, 32, 24)
    assert att.max() <= 1 and att.min() >= head.attention_floor - 1e-6
    assert att[0, 0, 16, 5] > 0.9 and att[0, 0, 16, 20] < 0.1


def test_loss_labels_and_training_separates_identities():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type='IdentityEmbeddingHead',
            in_channels=8,
            embed_dim=16,
            mid_channels=16,
            num_identities=8))
    samples = [
        _sample(1, '012834'),
        _sample(1, '012834'),
        _sample(2, '012834'),
        _sample(2, '012834'),
        _sample(1, '009473'),
        _sample(1, '009473')
    ]
    from mmalphapose.models.heads.identity_embedding_head import identity_labels
    labels = identity_labels(samples)
    assert labels.tolist() == [12834001] * 2 + [12834002] * 2 + [9473001] * 2
    no_track = identity_labels([_sample(None, None, inst_id=7), _sample(-1, '3', inst_id=8)])
    assert no_track[0] != no_track[1]
    with pytest.raises(KeyError, match='identity'):
        identity_labels([PoseDataSample()])
    # three people whose appearance is a noisy prototype
    protos = torch.randn(3, 8, 1, 1) * 2
    hm = _blob_heatmaps(6, 17, 8, 6, [(4, 3)] * 6)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for it in range(40):
        feats = protos.repeat_interleave(2, 0) + torch.randn(6, 8, 8, 6)
        losses = head.loss(feats, hm, samples)
        assert set(losses) == {'loss_id_cls', 'acc_id', 'loss_id_triplet'}
        loss = losses['loss_id_cls'] + losses['loss_id_triplet']
        if it == 0:
            first = loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
    head.eval()
    emb = head.predict(protos.repeat_interleave(2, 0) + torch.randn(6, 8, 8, 6), hm)
    sim = emb @ emb.T
    same = torch.tensor([[i // 2 == j // 2 for j in range(6)] for i in range(6)])
    assert sim[same].min() > sim[~same].max()


def test_bad_config_and_shapes():
    with pytest.raises(ValueError):
        MODELS.build(dict(type='IdentityEmbeddingHead', in_channels=8, attention='bad'))
    head = MODELS.build(dict(type='IdentityEmbeddingHead', in_channels=8))
    with pytest.raises(ValueError, match='heatmaps'):
        head(torch.randn(2, 8, 4, 4), torch.rand(3, 17, 4, 4))
