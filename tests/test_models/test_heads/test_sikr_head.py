import numpy as np
import pytest
import torch

from mmalphapose.codecs import SIKRLabel
from mmalphapose.models.heads import SIKRHead
from mmalphapose.models.utils import integral_coordinates
from mmalphapose.testing import make_samples

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


def alphapose_unflip(maps, pairs_flip, shift):
    """AlphaPose's flip_heatmap on numpy maps (N,K,H,W): swap the channels
    of each left/right pair, mirror W, then (shift) out[..., 1:] = out[..., :-1]
    as a copy."""
    out = maps[:, :, :, ::-1].copy()
    out = out[:, pairs_flip]
    if shift:
        out[..., 1:] = out[..., :-1].copy()
    return out


def alphapose_regress(maps, in_w, in_h):
    """heatmap_to_coord_simple_regress on the crop side (float64): sigmoid,
    score = max, divide by the sum, integral; normalised coordinates."""
    n, k, h, w = maps.shape
    sig = 1 / (1 + np.exp(-maps.astype(np.float64)))
    scores = sig.reshape(n, k, -1).max(-1)
    p = sig / sig.sum((2, 3), keepdims=True)
    xn = (p.sum(2) * np.arange(w)).sum(-1) / w - 0.5
    yn = (p.sum(3) * np.arange(h)).sum(-1) / h - 0.5
    return np.stack([xn, yn], -1), scores


def alphapose_flip_test(maps, maps_flipped, flip, in_size, shift=True):
    """validate.py: decode the pass and the un-flipped flipped pass, average
    normalised coordinates and scores, then map to crop pixels."""
    c1, s1 = alphapose_regress(maps, *in_size)
    c2, s2 = alphapose_regress(alphapose_unflip(maps_flipped, flip, shift), *in_size)
    coords = ((c1 + c2) / 2 + 0.5) * np.array(in_size)
    return coords, (s1 + s2) / 2


@pytest.mark.parametrize('shift', [True, False])
def test_predict_and_flip_test_in_heatmap_space(shift):
    torch.manual_seed(0)
    head = SIKRHead(8, 5, decoder=DEC)
    nn_init = torch.nn.init
    nn_init.normal_(head.final_layer.weight, std=0.5)  # peaked maps
    feats, feats_f = (torch.randn(2, 8, 16, 12), ), (torch.randn(2, 8, 16, 12), )
    flip = [0, 2, 1, 4, 3]
    samples = make_samples(head.decoder, flip_indices=flip)
    preds = head.predict(feats, samples)
    k, s = head.decoder.decode(head(feats))
    np.testing.assert_allclose(preds[1].keypoints, k[1:2])
    np.testing.assert_allclose(preds[1].keypoint_scores, s[1:2])
    cfg = dict(flip_test=True, shift_heatmap=shift)
    preds = head.predict([feats, feats_f], samples, cfg)
    with torch.no_grad():
        ref_k, ref_s = alphapose_flip_test(
            head(feats).numpy(),
            head(feats_f).numpy(), flip, (48, 64), shift)
    got_k = np.concatenate([p.keypoints for p in preds])
    got_s = np.concatenate([p.keypoint_scores for p in preds])
    np.testing.assert_allclose(got_k, ref_k, atol=2e-3)
    np.testing.assert_allclose(got_s, ref_s, atol=1e-6)
    # the old way (mirror decoded crop coordinates) differs by 0.5-1.5 px
    kf, _ = head.decoder.decode(head(feats_f))
    kf = kf[:, flip]
    kf[..., 0] = 48 - 1 - kf[..., 0]
    assert np.abs((k + kf) / 2 - got_k).max() > 0.1


def test_shift_heatmap_is_read():
    torch.manual_seed(1)
    head = SIKRHead(8, 5, decoder=DEC)
    torch.nn.init.normal_(head.final_layer.weight, std=0.5)
    feats, feats_f = (torch.randn(1, 8, 16, 12), ), (torch.randn(1, 8, 16, 12), )
    samples = make_samples(head.decoder, n=1)
    on = head.predict([feats, feats_f], samples, dict(flip_test=True))
    off = head.predict([feats, feats_f], samples, dict(flip_test=True, shift_heatmap=False))
    default = head.predict([feats, feats_f], samples, dict(flip_test=True, shift_heatmap=True))
    np.testing.assert_array_equal(on[0].keypoints, default[0].keypoints)
    assert np.abs(on[0].keypoints - off[0].keypoints).max() > 1e-2


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
