import pytest
import torch

from mmalphapose.models.backbones import SELayer, SEResNet, ShuffleResNet


def test_se_resnet50_shapes_and_se_placement():
    m = SEResNet(depth=50)
    out = m(torch.randn(1, 3, 64, 48))
    assert len(out) == 1 and out[0].shape == (1, 2048, 2, 2)
    for i in range(1, 5):
        layer = getattr(m, f'layer{i}')
        assert layer[0].se is not None and layer[0].downsample is not None
        assert all(b.se is None for b in layer[1:])
        fc = layer[0].se.fc
        c = layer[0].bn3.num_features
        assert fc[0].weight.shape == (c, c) and fc[2].weight.shape == (c, c)
    # stride in the 3x3 conv (v1.5)
    assert m.layer2[0].conv2.stride == (2, 2) and m.layer2[0].conv1.stride == (1, 1)
    assert m.bn1.momentum == 0.1
    keys = m.state_dict().keys()
    assert 'layer1.0.se.fc.0.weight' in keys and 'layer3.0.downsample.1.running_var' in keys


def test_se_resnet18_and_out_indices():
    m = SEResNet(depth=18, out_indices=(0, 1, 2, 3))
    outs = m(torch.randn(2, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [64, 128, 256, 512]
    assert outs[-1].shape[-1] == 2
    # layer1 of a BasicBlock net has no downsample, hence no SE
    assert m.layer1[0].se is None and m.layer2[0].se is not None
    with pytest.raises(KeyError, match='depth'):
        SEResNet(depth=26)


def test_se_layer_no_reduction():
    se = SELayer(8)
    x = torch.randn(2, 8, 3, 3)
    w = torch.sigmoid(se.fc[2](torch.relu(se.fc[0](x.mean((2, 3))))))
    torch.testing.assert_close(se(x), x * w[..., None, None])


def test_shuffle_resnet():
    m = ShuffleResNet(depth=50)
    conv = m.layer2[0].conv2
    assert isinstance(conv[0], torch.nn.PixelUnshuffle)
    assert conv[1].in_channels == 4 * 128 and conv[1].stride == (1, 1)
    assert m(torch.randn(1, 3, 64, 64))[0].shape == (1, 2048, 2, 2)


def test_frozen_and_norm_eval():
    m = SEResNet(depth=18, frozen_stages=1, norm_eval=True)
    m.train()
    assert not any(p.requires_grad for p in m.layer1.parameters())
    assert all(p.requires_grad for p in m.layer2.parameters())
    assert not m.layer3[0].bn1.training


def test_dcn():
    """mmcv's op on the full profile, the pure-PyTorch fallback on the core one."""
    m = SEResNet(depth=50, dcn=dict(deform_groups=1))
    keys = m.state_dict().keys()
    assert 'layer1.0.conv2_offset.weight' not in keys
    for i in (2, 3, 4):
        n = len(getattr(m, f'layer{i}'))
        for b in range(n):
            assert f'layer{i}.{b}.conv2_offset.weight' in keys
    assert m.layer2[0].conv2_offset.out_channels == 18
    assert m.layer2[0].conv2_offset.stride == (2, 2)
    assert m(torch.randn(1, 3, 64, 48))[0].shape == (1, 2048, 2, 2)
    with pytest.raises(ValueError, match='Bottleneck'):
        SEResNet(depth=18, dcn=dict(), stage_with_dcn=(True, ) * 4)
