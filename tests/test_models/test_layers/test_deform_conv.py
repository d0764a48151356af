"""DeformConv v1: the pure-PyTorch fallback against mmcv's compiled op (when it
imports), against plain convolution (always), and a ``-dcn`` config end to end
through init_model / inference_topdown with the fallback and mmcv's op."""
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from mmalphapose.models.layers import DeformConv2d, DeformConv2dPack, deform_conv2d_torch
from mmalphapose.models.layers import deform_conv as dc_module
from mmalphapose.utils import has_mmcv_ops

needs_ops = pytest.mark.skipif(not has_mmcv_ops(),
                               reason='compares with mmcv compiled ops: full profile '
                               '(make test-full)')

# (n, c, h, w, out, kernel, stride, padding, dilation, groups, deform_groups)
CASES = [
    (2, 8, 9, 7, 6, 3, 1, 1, 1, 1, 1),
    (3, 8, 10, 12, 4, 3, 2, 1, 1, 2, 2),
    (1, 4, 5, 5, 4, 3, 1, 2, 2, 1, 4),
    (2, 16, 6, 5, 8, 1, 1, 0, 1, 1, 1),
    (1, 4, 2, 1, 4, 3, 1, 1, 1, 1, 1),  # input smaller than the kernel
]


def _case(n, c, h, w, oc, k, s, p, d, g, dg, scale=3.0):
    torch.manual_seed(0)
    x = torch.randn(n, c, h, w)
    ho = (h + 2 * p - (d * (k - 1) + 1)) // s + 1
    wo = (w + 2 * p - (d * (k - 1) + 1)) // s + 1
    off = torch.randn(n, dg * 2 * k * k, ho, wo) * scale
    return x, off


def _fallback(monkeypatch):
    monkeypatch.setattr(dc_module, 'mmcv_deform_conv2d', lambda: None)


@needs_ops
@pytest.mark.parametrize('case', CASES)
def test_equal_to_mmcv_forward_and_backward(case):
    from mmcv.ops import DeformConv2d as MMCVDeformConv2d
    n, c, h, w, oc, k, s, p, d, g, dg = case
    ref = MMCVDeformConv2d(c, oc, k, stride=s, padding=p, dilation=d, groups=g, deform_groups=dg)
    x, off = _case(*case)
    xr, offr = x.clone().requires_grad_(), off.clone().requires_grad_()
    out_ref = ref(xr, offr)
    out_ref.square().sum().backward()
    xt, offt = x.clone().requires_grad_(), off.clone().requires_grad_()
    out = deform_conv2d_torch(xt, offt, ref.weight, s, p, d, g, dg)
    out.square().sum().backward()
    assert out_ref.abs().max() > 0.1
    torch.testing.assert_close(out, out_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(xt.grad, xr.grad, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(offt.grad, offr.grad, atol=1e-4, rtol=1e-5)


@needs_ops
def test_module_dispatch_and_state_dict_match_mmcv(monkeypatch):
    from mmcv.ops import DeformConv2dPack as MMCVPack
    ref = MMCVPack(8, 6, 3, stride=2, padding=1, deform_groups=2)
    torch.nn.init.normal_(ref.conv_offset.weight, std=0.5)
    ours = DeformConv2dPack(8, 6, 3, stride=2, padding=1, deform_groups=2)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 8, 11, 9).contiguous(memory_format=torch.channels_last)
    expected = ref(x.contiguous())
    torch.testing.assert_close(ours(x), expected, atol=1e-5, rtol=1e-5)  # mmcv's op
    _fallback(monkeypatch)
    torch.testing.assert_close(ours(x), expected, atol=1e-5, rtol=1e-5)  # fallback


def test_zero_offset_is_plain_conv():
    for n, c, h, w, oc, k, s, p, d, g, dg in CASES:
        x, off = _case(n, c, h, w, oc, k, s, p, d, g, dg)
        weight = torch.randn(oc, c // g, k, k)
        expected = F.conv2d(x, weight, None, s, p, d, g)
        out = deform_conv2d_torch(x, torch.zeros_like(off), weight, s, p, d, g, dg)
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_integer_offsets_shift_and_fractional_interpolate():
    x = torch.randn(1, 3, 8, 8)
    weight = torch.randn(2, 3, 3, 3)
    off = torch.zeros(1, 18, 8, 8)
    off[:, 1::2] = 1.0  # every kernel point one pixel to the right
    # out[i, j] reads x[i - 1 + ky, j + kx] (zero outside): a conv over x padded 0 left, 2 right
    shifted = F.conv2d(F.pad(x, (0, 2, 1, 1)), weight)
    torch.testing.assert_close(deform_conv2d_torch(x, off, weight, 1, 1), shifted, atol=1e-5,
                               rtol=1e-5)
    off[:, 1::2] = 0.5
    half = (F.conv2d(x, weight, None, 1, 1) + shifted) / 2
    torch.testing.assert_close(deform_conv2d_torch(x, off, weight, 1, 1), half, atol=1e-5,
                               rtol=1e-5)
    off[:, 1::2] = -100.0  # every sample outside the image reads 0
    assert deform_conv2d_torch(x, off, weight, 1, 1).abs().max() == 0


def test_gradients_flow_to_offsets_and_weights(monkeypatch):
    _fallback(monkeypatch)
    m = DeformConv2dPack(4, 4, 3, padding=1)
    torch.nn.init.normal_(m.conv_offset.weight, std=0.1)
    m(torch.randn(2, 4, 6, 6)).square().sum().backward()
    assert m.weight.grad.abs().sum() > 0
    assert m.conv_offset.weight.grad.abs().sum() > 0


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match='bias'):
        DeformConv2d(4, 4, 3, bias=True)
    with pytest.raises(ValueError, match='divisible'):
        DeformConv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match='offset shape'):
        deform_conv2d_torch(torch.randn(1, 4, 5, 5), torch.zeros(1, 9, 5, 5),
                            torch.randn(4, 4, 3, 3), 1, 1)


def test_dcn_found_by_build_conv_layer_and_registry():
    from mmcv.cnn import build_conv_layer
    from mmengine.registry import DefaultScope

    from mmalphapose.registry import MODELS
    assert MODELS.get('DCN') is DeformConv2dPack
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        layer = build_conv_layer(dict(type='DCN'), 4, 6, 3, padding=1)
    assert isinstance(layer, DeformConv2dPack)
    # scope-less (e.g. another toolbox's config): mmcv's DCN, or ours without the ops
    layer = build_conv_layer(dict(type='DCN', deform_groups=1), 4, 6, 3, padding=1)
    assert layer(torch.randn(1, 4, 5, 5)).shape == (1, 6, 5, 5)
    if not has_mmcv_ops():
        assert isinstance(layer, DeformConv2dPack)


@pytest.mark.slow
def test_se_resnet_dcn_runs_on_the_fallback(monkeypatch):
    from mmalphapose.models import SEResNet
    _fallback(monkeypatch)
    m = SEResNet(depth=50, dcn=dict(deform_groups=1)).eval()
    assert isinstance(m.layer2[0].conv2, DeformConv2d)
    x = torch.randn(1, 3, 64, 48)
    with torch.no_grad():
        out = m(x)[0]
        m.to(memory_format=torch.channels_last)
        out_cl = m(x.contiguous(memory_format=torch.channels_last))[0]
    assert out.shape == (1, 2048, 2, 2)
    torch.testing.assert_close(out_cl, out, atol=1e-4, rtol=1e-4)


DCN_CONFIG = 'configs/body_2d_keypoint/heatmap/coco/' \
    'heatmap_fastpose-se-res50-dcn_8xb32-270e_coco-256x192.py'


def _dcn_keypoints(repo_root, backend_ops: bool, monkeypatch, state=None):
    from mmalphapose.apis import inference_topdown, init_model
    with monkeypatch.context() as mp:
        if not backend_ops:
            mp.setattr(dc_module, 'mmcv_deform_conv2d', lambda: None)
        model = init_model(f'{repo_root}/{DCN_CONFIG}', device='cpu')
        if state is None:
            torch.manual_seed(0)
            for name, p in model.named_parameters():
                if 'conv2_offset' in name:  # non-zero offsets, so deformation matters
                    torch.nn.init.normal_(p, std=0.05)
            state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict(state)
        rng = np.random.default_rng(0)
        img = rng.integers(0, 255, (240, 200, 3), dtype=np.uint8)
        boxes = np.array([[10, 20, 150, 230], [60, 0, 199, 200]], dtype=np.float32)
        res = inference_topdown(model, img, boxes)
    kpts = np.stack([r.pred_instances.keypoints[0] for r in res])
    scores = np.stack([r.pred_instances.keypoint_scores[0] for r in res])
    return kpts, scores, state


@pytest.mark.slow
def test_dcn_config_init_model_inference_topdown(repo_root, monkeypatch):
    """A -dcn config runs init_model + inference_topdown (channels-last CPU default)
    with the fallback; with mmcv's op present its outputs are equal."""
    k_fb, s_fb, state = _dcn_keypoints(repo_root, False, monkeypatch)
    assert k_fb.shape == (2, 17, 2) and np.isfinite(k_fb).all()
    if has_mmcv_ops():
        k_op, s_op, _ = _dcn_keypoints(repo_root, True, monkeypatch, state)
        np.testing.assert_allclose(k_op, k_fb, atol=1e-3)
        np.testing.assert_allclose(s_op, s_fb, atol=1e-4)
