"""SIKR's symmetric integral gradient (models/utils/symmetric_integral.py) and
the soft-argmax forward it shares with the codecs (codecs/integral.py)."""
import numpy as np
import pytest
import torch

from mmalphapose.models.utils.symmetric_integral import integral_coordinates


def _hand_gradient(maps, coords_px, sgn, amplitude):
    """dL/d(maps) for L = |x_n - gx| + |y_n - gy| with SIKR's backward,
    derived by hand: G[y, x] = A*sgn_x*s_x/W + A*sgn_y*t_y/H (s, t = -1 left
    of / above the prediction, +1 otherwise), then through p = m / sum(m)."""
    h, w = maps.shape
    s = np.where(np.arange(w) < coords_px[0], -1., 1.)
    t = np.where(np.arange(h) < coords_px[1], -1., 1.)
    g = (amplitude * sgn[0] * s / w)[None, :] + (amplitude * sgn[1] * t / h)[:, None]
    total = maps.sum()
    p = maps / total
    return (g - (g * p).sum()) / total


@pytest.mark.parametrize('amplitude', [2.0, 0.5])
def test_symmetric_backward_matches_hand_derivation(amplitude):
    rng = np.random.default_rng(0)
    maps = rng.uniform(0.1, 1, size=(3, 4))
    target = np.array([0.3, -0.2])
    x = torch.tensor(maps[None, None], requires_grad=True)
    coords, _ = integral_coordinates(x, 'divide_sum', True, amplitude)
    loss = (coords[0, 0] - torch.tensor(target)).abs().sum()
    loss.backward()
    c = coords[0, 0].detach().numpy()
    coords_px = (c + 0.5) * np.array([4, 3])
    expected = _hand_gradient(maps, coords_px, np.sign(c - target), amplitude)
    np.testing.assert_allclose(x.grad[0, 0].numpy(), expected, rtol=1e-10, atol=1e-12)


def test_symmetric_backward_sigmoid_chain():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 5))
    target = np.array([-0.1, 0.2])
    x = torch.tensor(logits[None, None], requires_grad=True)
    coords, scores = integral_coordinates(x, 'sigmoid', True, 2.0)
    (coords[0, 0] - torch.tensor(target)).abs().sum().backward()
    sig = 1 / (1 + np.exp(-logits))
    c = coords[0, 0].detach().numpy()
    g_maps = _hand_gradient(sig, (c + 0.5) * np.array([5, 4]), np.sign(c - target), 2.0)
    np.testing.assert_allclose(
        x.grad[0, 0].numpy(), g_maps * sig * (1 - sig), rtol=1e-10, atol=1e-12)
    assert float(scores.detach()) == pytest.approx(sig.max())


def test_out_of_range_prediction_gives_all_positive_sign():
    # divide_sum with a negative entry can push c beyond the last index
    maps = np.array([[-2.0, 0.0, 3.0]])  # p sums to 1, c = 6 > L
    x = torch.tensor(maps[None, None], requires_grad=True)
    coords, _ = integral_coordinates(x, 'divide_sum', True, 1.0)
    cx = (coords[0, 0, 0].item() + 0.5) * 3
    assert cx > 3
    coords[0, 0, 0].backward()
    # dL/dp_i = +1/W for all i -> gradient through divide-by-sum is zero
    np.testing.assert_allclose(x.grad.numpy(), 0, atol=1e-12)


def _direct_soft_argmax(x, norm):
    n, k, h, w = x.shape
    flat = x.reshape(n, k, -1)
    m = {'sigmoid': flat.sigmoid(), 'softmax': flat.softmax(-1), 'divide_sum': flat}[norm]
    p = (m / m.sum(-1, keepdim=True)).reshape(n, k, h, w)
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=x.dtype), torch.arange(w, dtype=x.dtype), indexing='ij')
    cx = (p * xs).sum((-1, -2)) / w - 0.5
    cy = (p * ys).sum((-1, -2)) / h - 0.5
    return torch.stack([cx, cy], -1)


@pytest.mark.parametrize('norm', ['sigmoid', 'softmax', 'divide_sum'])
def test_forward_and_plain_switch(norm):
    torch.manual_seed(0)
    base = torch.randn(2, 3, 6, 5, dtype=torch.float64)
    if norm == 'divide_sum':
        base = base.abs() + 0.1
    x1 = base.clone().requires_grad_(True)
    x2 = base.clone().requires_grad_(True)
    ours, _ = integral_coordinates(x1, norm, symmetric=False)
    ref = _direct_soft_argmax(x2, norm)
    torch.testing.assert_close(ours, ref)
    sym, _ = integral_coordinates(base, norm, symmetric=True)
    torch.testing.assert_close(sym, ref.detach())
    weights = torch.randn_like(ref)
    (ours * weights).sum().backward()
    (ref * weights).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad)


def test_one_home_and_float32_decode():
    import mmalphapose.codecs as codecs
    import mmalphapose.models.utils as mutils
    from mmalphapose.codecs.integral import integral_decode
    from mmalphapose.models.utils import symmetric_integral
    assert mutils.integral_coordinates is symmetric_integral.integral_coordinates
    assert symmetric_integral.soft_argmax is codecs.integral.soft_argmax
    assert mutils.SymmetricIntegral is symmetric_integral.SymmetricIntegral
    assert not hasattr(codecs, 'SymmetricIntegral')  # autograd lives in models
    torch.manual_seed(0)
    x = torch.randn(2, 3, 8, 6)
    coords, scores = integral_decode(x.numpy(), 'sigmoid')
    ref, ref_s = integral_coordinates(x, 'sigmoid', symmetric=False)
    assert coords.dtype == np.float32 and scores.dtype == np.float32
    np.testing.assert_array_equal(coords, ref.numpy())
    np.testing.assert_array_equal(scores, ref_s.numpy())
    with pytest.raises(ValueError, match='norm_type'):
        integral_decode(x, 'l2')
