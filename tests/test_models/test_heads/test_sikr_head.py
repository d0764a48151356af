import numpy as np
import pytest
import torch

from mmalphapose.codecs import SIKRLabel
from mmalphapose.models.heads import SIKRHead
from mmalphapose.models.utils import integral_coordinates

from .helpers import make_samples

DEC = dict(type='SIKRLabel', input_size=(48, 64), heatmap_size=(12, 16))


def test_loss_matches_manual_l1():
    head = SIKRHead(8, 5, decoder=DEC)
    feats = (torch.randn(2, 8, 16, 12), )
    samples = make_samples(head.decoder)
    loss = head.loss(feats, samples)['loss_kpt']
    coords, _ = integral_coordinates(head(feats), 'sigmoid')
    labels = torch.cat([s.gt_instance_labels.keypoint_labels for s in samples])
    torch.testing.assert_close(loss, (coords - labels).abs().sum() / 2)
    loss.backward()
    assert head.final_layer.weight.grad is not None


def test_symmetric_switch_changes_only_gradient():
    feats = (torch.randn(2, 8, 16, 12), )
    grads, losses = [], []
    for sym in (True, False):
        torch.manual_seed(0)
        head = SIKRHead(8, 5, symmetric=sym, decoder=DEC)
        loss = head.loss(feats, make_samples(head.decoder))['loss_kpt']
        loss.backward()
        losses.append(loss.item())
        grads.append(head.final_layer.weight.grad.clone())
    assert losses[0] == pytest.approx(losses[1])
    assert not torch.allclose(grads[0], grads[1])


def test_predict_and_flip_average():
    head = SIKRHead(8, 5, decoder=DEC)
    feats, feats_f = (torch.randn(2, 8, 16, 12), ), (torch.randn(2, 8, 16, 12), )
    flip = [0, 2, 1, 4, 3]
    samples = make_samples(head.decoder, flip_indices=flip)
    preds = head.predict(feats, samples)
    k, s = head.decoder.decode(head(feats))
    np.testing.assert_allclose(preds[1].keypoints, k[1:2])
    np.testing.assert_allclose(preds[1].keypoint_scores, s[1:2])
    preds = head.predict([feats, feats_f], samples, dict(flip_test=True))
    kf, sf = head.decoder.decode(head(feats_f))
    kf = kf[:, flip]
    kf[..., 0] = 48 - 1 - kf[..., 0]
    np.testing.assert_allclose(preds[0].keypoints[0], (k[0] + kf[0]) / 2, rtol=1e-5)
    np.testing.assert_allclose(preds[0].keypoint_scores[0],
                               (s[0] + sf[0, flip]) / 2, rtol=1e-5)


def test_missing_targets_and_flip_indices():
    head = SIKRHead(8, 5, decoder=DEC)
    samples = make_samples(head.decoder)
    del samples[0].gt_instance_labels.keypoint_labels
    with pytest.raises(KeyError, match='keypoint_labels'):
        head.loss((torch.randn(2, 8, 16, 12), ), samples)
    samples = make_samples(SIKRLabel((48, 64), (12, 16)), k=5, flip_indices=[0, 1])
    with pytest.raises(ValueError, match='flip_indices'):
        f = (torch.randn(2, 8, 16, 12), )
        head.predict([f, f], samples, dict(flip_test=True))
