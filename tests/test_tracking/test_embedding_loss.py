import pytest
import torch

from mmalphapose.registry import MODELS


def test_batch_hard_triplet_by_hand():
    loss = MODELS.build(dict(type='BatchHardTripletLoss', margin=0.5, normalize=False))
    x = torch.tensor([[0., 0.], [1., 0.], [0., 3.], [0., 2.]])
    y = torch.tensor([0, 0, 1, 1])
    # anchor 0: d_pos 1, d_neg 2 -> 0 ; anchor 1: d_pos 1, d_neg sqrt(5)
    # anchor 2: d_pos 1, d_neg sqrt(10)-> 0 ; anchor 3: d_pos 1, d_neg 2
    assert loss(x, y).item() == pytest.approx(0.0)
    x = torch.tensor([[0., 0.], [3., 0.], [1., 0.], [5., 0.]], requires_grad=True)
    # anchor0: pos 3, neg 1 -> 2.5 ; anchor1: pos 3, neg 2 -> 1.5
    # anchor2: pos 4, neg 1 -> 3.5 ; anchor3: pos 4, neg 2 -> 2.5
    out = loss(x, y)
    assert out.item() == pytest.approx(2.5)
    out.backward()
    assert x.grad.abs().sum() > 0
    # no positive pairs: zero but differentiable
    z = loss(x, torch.tensor([0, 1, 2, 3]))
    assert z.item() == 0 and z.requires_grad


def test_identity_cross_entropy_ignores_unknown():
    loss = MODELS.build(dict(type='IdentityCrossEntropyLoss', label_smooth=0.0, loss_weight=2.0))
    logits = torch.tensor([[2., 0.], [0., 2.], [5., -5.]])
    labels = torch.tensor([0, 1, -1])
    ref = torch.nn.functional.cross_entropy(logits[:2], labels[:2])
    assert loss(logits, labels).item() == pytest.approx(2 * ref.item())
    with pytest.raises(ValueError, match='num_identities'):
        loss(logits, torch.tensor([0, 5, 1]))
