import numpy as np
import torch

from mmalphapose.models.heads import FastPoseHeatmapHead
from mmalphapose.testing import make_samples

DEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)


def test_loss_and_deconv():
    head = FastPoseHeatmapHead(8, 5, decoder=DEC)
    feats = (torch.randn(2, 8, 16, 12), )
    samples = make_samples(head.decoder)
    loss = head.loss(feats, samples)['loss_kpt']
    tgt = torch.stack([s.gt_fields.heatmaps for s in samples])
    torch.testing.assert_close(loss, 0.5 * ((head(feats) - tgt)**2).mean())
    sb = FastPoseHeatmapHead(16, 5, deconv_out_channels=(8, 8), final_kernel_size=1, decoder=DEC)
    assert sb(torch.randn(1, 16, 4, 3)).shape == (1, 5, 16, 12)
    assert sb.final_layer.kernel_size == (1, 1)


def test_flip_with_shift():
    head = FastPoseHeatmapHead(8, 5, decoder=DEC)
    flip = [0, 2, 1, 4, 3]
    samples = make_samples(head.decoder, flip_indices=flip)
    feats, feats_f = (torch.randn(2, 8, 16, 12), ), (torch.randn(2, 8, 16, 12), )
    preds = head.predict([feats, feats_f], samples, dict(flip_test=True))
    hf = head(feats_f)[:, flip].flip(-1)
    hf[..., 1:] = hf[..., :-1].clone()
    k, s = head.decoder.decode((head(feats) + hf) / 2)
    np.testing.assert_allclose(preds[1].keypoints[0], k[1])
    np.testing.assert_allclose(preds[1].keypoint_scores[0], s[1])
    # flip pairs checked once by the caller: no samples needed, same result
    given = head.decode_outputs(head(feats), head(feats_f), None, dict(), flip_indices=flip)
    np.testing.assert_array_equal(given.keypoints, preds.keypoints)
    np.testing.assert_array_equal(given.keypoint_scores, preds.keypoint_scores)


def test_sigmoid_output():
    import pytest
    head = FastPoseHeatmapHead(8, 5, final_kernel_size=1, decoder=DEC, final_act='sigmoid')
    out = head((torch.randn(2, 8, 16, 12), )).detach()
    assert ((out > 0) & (out < 1)).all()
    # background prior: a fresh layer starts near 0.02, not 0.5
    assert float(out.mean()) < 0.05
    with pytest.raises(ValueError, match='final_act'):
        FastPoseHeatmapHead(8, 5, decoder=DEC, final_act='softmax')


def test_center_prior_prefers_the_centred_peak():
    head = FastPoseHeatmapHead(8, 1, final_kernel_size=1, decoder=DEC)
    hm = torch.zeros(1, 1, 16, 12)
    hm[0, 0, 8, 6] = 0.8  # the centred person
    hm[0, 0, 1, 1] = 0.9  # a brighter peak of a neighbour at the border
    head.forward = lambda feats: hm
    plain = head.predict((None, ), [None], dict(flip_test=False))[0]
    prior = head.predict((None, ), [None], dict(flip_test=False, center_prior=0.5))[0]
    np.testing.assert_allclose(plain.keypoints[0, 0], [4, 4])  # heatmap px x stride 4
    np.testing.assert_allclose(prior.keypoints[0, 0], [24, 32])
    np.testing.assert_allclose(prior.keypoint_scores[0, 0], 0.8)  # raw peak value


def test_part_path_head_splits_body_and_parts():
    import pytest

    from mmalphapose.models.heads import PartPathHeatmapHead
    head = PartPathHeatmapHead(8, 5, num_body_keypoints=2, decoder=DEC, final_act='sigmoid')
    body, part = torch.randn(2, 8, 16, 12), torch.randn(2, 8, 16, 12)
    out = head((body, part))
    assert out.shape == (2, 5, 16, 12)
    torch.testing.assert_close(out[:, :2], head.final_layer(body).sigmoid())
    torch.testing.assert_close(out[:, 2:], head.part_final_layer(part).sigmoid())
    assert not any(p.requires_grad for p in head.final_layer.parameters())
    samples = make_samples(head.decoder)
    head.loss((body, part), samples)['loss_kpt'].backward()
    assert head.final_layer.weight.grad is None and head.part_final_layer.weight.grad is not None
    # flip test and decoding are the heatmap head's
    preds = head.predict([(body, part), (body.flip(-1), part.flip(-1))],
                         make_samples(head.decoder, flip_indices=[0, 1, 2, 3, 4]),
                         dict(flip_test=True))
    assert preds[0].keypoints.shape == (1, 5, 2)
    halpe = PartPathHeatmapHead(
        8, 136, metainfo=dict(from_file='configs/_base_/datasets/halpe136.py'), frozen_body=False)
    assert halpe.num_body_keypoints == 26 and halpe.final_layer.weight.requires_grad
    with pytest.raises(ValueError, match='two-path'):
        head(body)
    with pytest.raises(ValueError, match='num_body_keypoints'):
        PartPathHeatmapHead(8, 5, num_body_keypoints=5)
    with pytest.raises(ValueError, match='metainfo'):
        PartPathHeatmapHead(8, 5)
