import os.path as osp

import numpy as np
import pytest
import torch

from mmalphapose.models.heads import CombinedHead
from mmalphapose.models.utils import integral_coordinates
from mmalphapose.testing import make_samples

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DEC = dict(type='CombinedLabel', input_size=(48, 64), heatmap_size=(12, 16))


def test_split_from_metainfo():
    head = CombinedHead(
        8,
        136,
        metainfo=dict(from_file=osp.join(ROOT, 'configs/_base_/datasets/halpe136.py')),
        decoder=DEC)
    assert head.num_body_keypoints == 26
    assert head.decoder.num_body_keypoints == 26
    head = CombinedHead(
        8,
        133,
        metainfo=dict(from_file=osp.join(ROOT, 'configs/_base_/datasets/coco_wholebody.py')),
        decoder=DEC)
    assert head.num_body_keypoints == 23
    with pytest.raises(ValueError):
        CombinedHead(8, 5, num_body_keypoints=5, decoder=DEC)


def test_losses_and_predict():
    head = CombinedHead(8, 7, num_body_keypoints=3, decoder=DEC)
    feats = (torch.randn(2, 8, 16, 12), )
    samples = make_samples(head.decoder, k=7, flip_indices=[0, 2, 1, 3, 5, 4, 6])
    losses = head.loss(feats, samples)
    out = head(feats)
    tgt = torch.stack([s.gt_fields.heatmaps for s in samples])
    torch.testing.assert_close(losses['loss_heatmap'], 50 * ((out[:, :3] - tgt[:, :3])**2).mean())
    coords, _ = integral_coordinates(out[:, 3:], 'sigmoid')
    labels = torch.cat([s.gt_instance_labels.keypoint_labels for s in samples])
    torch.testing.assert_close(losses['loss_regression'],
                               0.01 * (coords - labels[:, 3:]).abs().sum() / 2)
    preds = head.predict([feats, feats], samples, dict(flip_test=True))
    assert preds[0].keypoints.shape == (1, 7, 2)
    assert np.isfinite(preds[0].keypoints).all()


@pytest.mark.parametrize('shift', [True, False])
def test_flip_test_follows_alphapose_validate(shift):
    from mmalphapose.codecs import MSRAHeatmap
    from .test_sikr_head import alphapose_flip_test, alphapose_unflip
    torch.manual_seed(2)
    head = CombinedHead(8, 7, num_body_keypoints=3, decoder=DEC)
    torch.nn.init.normal_(head.final_layer.weight, std=0.5)
    flip = [0, 2, 1, 3, 5, 4, 6]
    feats, feats_f = (torch.randn(2, 8, 16, 12), ), (torch.randn(2, 8, 16, 12), )
    samples = make_samples(head.decoder, k=7, flip_indices=flip)
    preds = head.predict([feats, feats_f], samples, dict(flip_test=True, shift_heatmap=shift))
    got = np.concatenate([p.keypoints for p in preds])
    got_s = np.concatenate([p.keypoint_scores for p in preds])
    with torch.no_grad():
        out, out_f = head(feats).numpy(), head(feats_f).numpy()
    # body: average the un-flipped heatmaps, then argmax + quarter offset
    body = (out[:, :3] + alphapose_unflip(out_f, flip, shift)[:, :3]) / 2
    kb, sb = MSRAHeatmap((48, 64), (12, 16)).decode(body)
    np.testing.assert_allclose(got[:, :3], kb, atol=1e-5)
    np.testing.assert_allclose(got_s[:, :3], sb, atol=1e-6)
    # face/hands: integral decode of both passes, averaged
    rest = [i - 3 for i in flip[3:]]
    kr, sr = alphapose_flip_test(out[:, 3:], out_f[:, 3:], rest, (48, 64), shift)
    np.testing.assert_allclose(got[:, 3:], kr, atol=2e-3)
    np.testing.assert_allclose(got_s[:, 3:], sr, atol=1e-6)
