import pytest
import torch

from mmalphapose.models.losses import KeypointL1Loss, KeypointMSELoss


def test_mse_weighted():
    out, tgt = torch.rand(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    w = torch.tensor([[1., 0, 1], [0, 1, 1]])
    loss = KeypointMSELoss(loss_weight=0.5)(out, tgt, w)
    ref = 0.5 * (((out - tgt) * w[..., None, None])**2).mean()
    torch.testing.assert_close(loss, ref)
    with pytest.raises(ValueError, match='shapes'):
        KeypointMSELoss()(out, tgt[:, :2])


def test_l1_reductions():
    p, t = torch.rand(4, 5, 2), torch.rand(4, 5, 2)
    w = torch.randint(0, 2, (4, 5)).float()
    ref = ((p - t).abs() * w[..., None])
    torch.testing.assert_close(KeypointL1Loss()(p, t, w), ref.sum() / 4)
    torch.testing.assert_close(KeypointL1Loss('mean')(p, t, w), ref.mean())
    with pytest.raises(ValueError):
        KeypointL1Loss('sum')


def test_mse_mmpose_arguments_skip_empty_channel_and_mask():
    """MMPose's arguments: empty target channels and masked keypoints do not
    count (but stay in the mean's denominator, as in MMPose)."""
    torch.manual_seed(0)
    out = torch.rand(2, 3, 4, 4)
    target = torch.rand(2, 3, 4, 4)
    target[0, 1] = 0  # empty channel
    loss = KeypointMSELoss(use_target_weight=False, skip_empty_channel=True)
    keep = torch.ones(2, 3, 1, 1)
    keep[0, 1] = 0
    expected = ((out * keep - target * keep)**2).mean()
    assert torch.allclose(loss(out, target), expected)
    mask = torch.ones(2, 3)
    mask[1, 2] = 0
    keep[1, 2] = 0
    expected = ((out * keep - target * keep)**2).mean()
    assert torch.allclose(loss(out, target, mask=mask), expected)
    assert loss(out, target, mask=mask) < loss(out, target)
