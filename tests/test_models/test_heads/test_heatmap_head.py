import numpy as np
import pytest
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


def test_offsets_place_the_first_keypoints_at_peak_plus_offset():
    head = FastPoseHeatmapHead(8, 3, final_kernel_size=1, decoder=DEC, in_index=0, offset_index=1)
    # forward: K heatmaps then the 2*Ko offset maps; the loss sees only the heatmaps
    feats = (torch.randn(2, 8, 16, 12), torch.randn(2, 4, 16, 12))
    out = head(feats)
    assert out.shape == (2, 3 + 4, 16, 12)
    torch.testing.assert_close(out[:, 3:], feats[1])
    samples = make_samples(head.decoder, n=2, k=3)
    assert torch.isfinite(head.loss(feats, samples)['loss_kpt'])
    hm = torch.zeros(1, 3, 16, 12)
    hm[0, 0, 5, 7], hm[0, 1, 2, 3], hm[0, 2, 10, 4] = 0.9, 0.8, 0.7
    off = torch.zeros(1, 4, 16, 12)
    off[0, 0, 5, 7], off[0, 1, 5, 7] = 0.3, -0.2  # keypoint 0: (dy, dx)
    off[0, 2, 2, 3], off[0, 3, 2, 3] = -0.4, 0.45  # keypoint 1
    off[0, 0, 10, 4] = 5.0  # at keypoint 2's peak, but keypoint 2 has no offsets
    head.forward = lambda feats: torch.cat([hm, off], 1)
    pred = head.predict((None, ), [None], dict(flip_test=False))[0]
    np.testing.assert_allclose(pred.keypoints[0, 0], [(7 - 0.2) * 4, (5 + 0.3) * 4], atol=1e-5)
    np.testing.assert_allclose(pred.keypoints[0, 1], [(3 + 0.45) * 4, (2 - 0.4) * 4], atol=1e-5)
    np.testing.assert_allclose(pred.keypoints[0, 2], [16, 40])  # the codec's own decoding
    np.testing.assert_allclose(pred.keypoint_scores[0], [0.9, 0.8, 0.7])
    # with the centre prior the offsets are read at the prior-weighted peak
    prior = head.predict((None, ), [None], dict(flip_test=False, center_prior=0.5))[0]
    np.testing.assert_allclose(prior.keypoints[0, :2], pred.keypoints[0, :2], atol=1e-5)


def test_offsets_flip_back_with_the_heatmaps():
    from mmalphapose.models.heads.heatmap_head import flip_offsets_back
    from mmalphapose.models.utils import flip_heatmaps_back
    flip = [0, 2, 1]
    off = torch.zeros(1, 6, 4, 5)
    off[:, 0], off[:, 1] = 0.1, 0.2  # keypoint 0 (dy, dx)
    off[:, 2], off[:, 3] = 0.3, 0.4  # keypoint 1
    off[:, 4], off[:, 5] = 0.5, 0.6  # keypoint 2
    back = flip_offsets_back(off, flip)
    # pairs swapped, dx mirrored about the cell: x = c + o -> (W-1-c) + (1-o)
    torch.testing.assert_close(back[0, :, 2, 3], torch.tensor([0.1, 0.8, 0.5, 0.4, 0.3, 0.6]))
    # a keypoint at x = 7.3 cells (peak cell 7, offset 0.3) of a 12-cell map is at
    # 12 - 7.3 = 4.7 in the flipped crop (cell 4, offset 0.7); flipped back and
    # averaged with the un-flipped maps it stays at 7.3 cells
    head = FastPoseHeatmapHead(8, 3, final_kernel_size=1, decoder=DEC, offset_index=1)
    hm, hm_f = torch.zeros(1, 3, 16, 12), torch.zeros(1, 3, 16, 12)
    off, off_f = torch.zeros(1, 6, 16, 12), torch.zeros(1, 6, 16, 12)
    hm[0, 0, 5, 7], off[0, 0, 5, 7], off[0, 1, 5, 7] = 0.9, 0.25, 0.3
    hm_f[0, 0, 5, 4], off_f[0, 0, 5, 4], off_f[0, 1, 5, 4] = 0.9, 0.25, 0.7
    hm[0, 1:, 8, 6] = hm_f[0, 1:, 8, 6] = 0.5
    out = head.decode_outputs(
        torch.cat([hm, off], 1), torch.cat([hm_f, off_f], 1), None, dict(), flip)
    np.testing.assert_allclose(out.keypoints[0, 0], [7.3 * 4, 5.25 * 4], atol=1e-5)
    np.testing.assert_allclose(out.keypoint_scores[0, 0], 0.9)
    # without offsets the heatmaps keep AlphaPose's shifted flip
    plain = FastPoseHeatmapHead(8, 3, final_kernel_size=1, decoder=DEC)
    ref = plain.decode_outputs(hm, hm_f, None, dict(), flip)
    want = (hm + flip_heatmaps_back(hm_f, flip, True)) / 2
    np.testing.assert_allclose(ref.keypoints, plain.decoder.decode(want.numpy())[0])


def test_movenet_maps_flip_back_and_choose_the_centred_person():
    from mmalphapose.models.heads.heatmap_head import flip_movenet_maps_back, movenet_peaks
    flip = [0, 2, 1]
    h, w = 16, 12
    # offsets (6), centre (1), regression (6) of a flipped crop: centre at cell (5, 4),
    # keypoint 1's regression there (dy, dx) = (1, -2)
    maps = torch.zeros(1, 13, h, w)
    maps[0, 6, 5, 4] = 0.9
    maps[0, 9, 5, 4], maps[0, 10, 5, 4] = 1.0, -2.0
    back = flip_movenet_maps_back(maps, flip)
    assert back.shape == maps.shape
    # the centre mirrored without a shift: cell 4 -> 12 - 1 - 4 = 7; keypoint 1's
    # regression becomes keypoint 2's, dx negated
    assert back[0, 6, 5, 7] == pytest.approx(0.9)
    assert back[0, 11, 5, 7] == pytest.approx(1.0) and back[0, 12, 5, 7] == pytest.approx(2.0)
    # two people: the centred one's peak wins for every keypoint, though the other's
    # is higher, because the regression from the centre points to it
    hm = np.zeros((1, 3, h, w), np.float32)
    hm[0, :, 8, 6] = 0.6  # the centred person
    hm[0, :, 1, 1] = 0.9  # a neighbour in the corner
    centre = np.zeros((1, h, w), np.float32)
    centre[0, 7, 6], centre[0, 1, 1] = 0.8, 0.9
    regress = np.zeros((1, 6, h, w), np.float32)
    regress[0, 0::2, 7, 6] = 1.0  # dy = 1 from the centre cell (7, 6)
    peaks = movenet_peaks(hm, centre, regress)
    np.testing.assert_array_equal(peaks, [[8 * w + 6] * 3])
