import os.path as osp

import numpy as np
import pytest
import torch

from mmalphapose.models.heads import CombinedHead
from mmalphapose.models.utils import integral_coordinates

from .helpers import make_samples

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DEC = dict(type='CombinedLabel', input_size=(48, 64), heatmap_size=(12, 16))


def test_split_from_metainfo():
    head = CombinedHead(8, 136, metainfo=dict(
        from_file=osp.join(ROOT, 'configs/_base_/datasets/halpe136.py')), decoder=DEC)
    assert head.num_body_keypoints == 26
    assert head.decoder.num_body_keypoints == 26
    head = CombinedHead(8, 133, metainfo=dict(
        from_file=osp.join(ROOT, 'configs/_base_/datasets/coco_wholebody.py')), decoder=DEC)
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
    torch.testing.assert_close(losses['loss_heatmap'],
                               50 * ((out[:, :3] - tgt[:, :3])**2).mean())
    coords, _ = integral_coordinates(out[:, 3:], 'sigmoid')
    labels = torch.cat([s.gt_instance_labels.keypoint_labels for s in samples])
    torch.testing.assert_close(losses['loss_regression'],
                               0.01 * (coords - labels[:, 3:]).abs().sum() / 2)
    preds = head.predict([feats, feats], samples, dict(flip_test=True))
    assert preds[0].keypoints.shape == (1, 7, 2)
    assert np.isfinite(preds[0].keypoints).all()
