import torch

from mmalphapose.models.body_models import axis_angle_to_matrix
from mmalphapose.registry import MODELS


def _pred_target(n=4):
    g = torch.Generator().manual_seed(0)
    pred = dict(
        uvd=torch.rand(n, 29, 3, generator=g) - 0.5,
        betas=torch.randn(n, 10, generator=g),
        phis=torch.randn(n, 23, 2, generator=g),
        rot_mats=axis_angle_to_matrix(torch.randn(n, 24, 3, generator=g)))
    target = dict(
        uvd=torch.rand(n, 29, 3, generator=g) - 0.5,
        uvd_weight=torch.ones(n, 29, 3),
        betas=torch.randn(n, 10, generator=g),
        rot_mats=axis_angle_to_matrix(torch.randn(n, 24, 3, generator=g)),
        smpl_weight=torch.ones(n),
        twist=torch.randn(n, 23, 2, generator=g),
        twist_weight=torch.ones(n, 23))
    return pred, target


def test_terms_match_their_definitions():
    loss = MODELS.build(dict(type='HybrIKLoss'))
    pred, target = _pred_target()
    out = loss(pred, target)
    l1 = (pred['uvd'][:, :24] - target['uvd'][:, :24]).abs().sum() / 4
    assert torch.allclose(out['loss_uvd'], l1)
    assert torch.allclose(out['loss_beta'], ((pred['betas'] - target['betas'])**2).mean())
    assert torch.allclose(out['loss_theta'],
                          0.01 * ((pred['rot_mats'] - target['rot_mats'])**2).mean())
    assert torch.allclose(out['loss_twist'], 0.01 * ((pred['phis'] - target['twist'])**2).mean())
    assert torch.allclose(out['loss_phi_reg'], 1e-4 * ((pred['phis'].norm(dim=-1) - 1)**2).mean())


def test_weights_mask_samples_and_joints():
    loss = MODELS.build(dict(type='HybrIKLoss', uvd_num_joints=29))
    pred, target = _pred_target()
    target['smpl_weight'] = torch.tensor([1., 0., 0., 0.])
    target['uvd_weight'][1:] = 0
    masked = loss(pred, target)
    pred2 = {k: v.clone() for k, v in pred.items()}
    for k in ('uvd', 'betas', 'rot_mats'):
        pred2[k][1:] += 5  # changes only masked samples
    again = loss(pred2, target)
    for k in ('loss_uvd', 'loss_beta', 'loss_theta'):
        assert torch.allclose(masked[k], again[k]), k
    del target['betas'], target['rot_mats']
    assert 'loss_beta' not in loss(pred, target) and 'loss_theta' not in loss(pred, target)
