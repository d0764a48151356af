"""Converter test: an AlphaPose-layout FastPose (the checkpoint keys of
alphapose/models/fastpose.py: preact., duc1-3., conv_out.), converted, must give
identical outputs."""
import importlib.util
import os.path as osp

import pytest
import torch
from torch import nn

from mmalphapose.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'ap2mmap', osp.join(ROOT, 'tools/model_converters/alphapose2mmalphapose.py'))
conv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conv)


class APSE(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x.mean((2, 3)))[..., None, None]


class APBottleneck(nn.Module):

    def __init__(self, cin, planes, stride, first):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        if first:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
            self.se = APSE(planes * 4)
        self.first = first

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.first:
            out = self.se(out)
            x = self.downsample(x)
        return torch.relu(out + x)


class APPreact(nn.Module):

    def __init__(self, layers=(3, 4, 6, 3)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = [APBottleneck(cin, planes, 1 if i == 0 else 2, True)]
            blocks += [APBottleneck(planes * 4, planes, 1, False) for _ in range(n - 1)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
            cin = planes * 4

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for i in range(1, 5):
            x = getattr(self, f'layer{i}')(x)
        return x


class APDUC(nn.Module):

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return nn.functional.pixel_shuffle(torch.relu(self.bn(self.conv(x))), 2)


class APFastPose(nn.Module):

    def __init__(self, k=17, conv_dim=128):
        super().__init__()
        self.preact = APPreact()
        self.duc1 = APDUC(512, 1024)
        self.duc2 = APDUC(256, 4 * conv_dim)
        self.conv_out = nn.Conv2d(conv_dim, k, 3, padding=1)

    def forward(self, x):
        x = nn.functional.pixel_shuffle(self.preact(x), 2)
        return self.conv_out(self.duc2(self.duc1(x)))


def _randomise(module):
    torch.manual_seed(0)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.1, 0.1)


def _ours(k=17, conv_dim=128):
    return MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='SEResNet', depth=50),
            neck=dict(type='DUC', in_channels=2048, channels=(1024, 4 * conv_dim)),
            head=dict(
                type='SIKRHead',
                in_channels=conv_dim,
                out_channels=k,
                decoder=dict(type='SIKRLabel', input_size=(64, 64), heatmap_size=(16, 16)))))


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
@pytest.mark.parametrize('prefix', ['', 'module.'])
def test_convert_and_outputs_equal(tmp_path, prefix):
    ap = APFastPose()
    _randomise(ap)
    ap.eval()
    state = {prefix + k: v for k, v in ap.state_dict().items()}
    src, dst = tmp_path / 'ap.pth', tmp_path / 'out.pth'
    torch.save(state, src)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text('model = ' + repr(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='SEResNet', depth=50),
            neck=dict(type='DUC', in_channels=2048, channels=(1024, 512)),
            head=dict(
                type='SIKRHead',
                in_channels=128,
                out_channels=17,
                decoder=dict(type='SIKRLabel', input_size=(64, 64), heatmap_size=(16, 16))))))
    assert conv.main([str(src), str(dst), '--config', str(cfg)]) == 0
    ours = _ours()
    ours.load_state_dict(torch.load(dst, weights_only=True)['state_dict'])
    ours.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ap(x), rtol=1e-4, atol=1e-5)


def test_refuses_mismatch(tmp_path, capsys):
    ap = APFastPose(conv_dim=256)
    state = dict(ap.state_dict())
    state['preact.extra.weight'] = torch.zeros(1)
    with pytest.raises(conv.ConversionError, match='unexpected .1.: backbone.extra.weight'):
        conv.check_or_raise(conv.convert_state_dict(state), _ours())
    del state['preact.extra.weight']
    del state['preact.layer1.0.se.fc.0.bias']
    with pytest.raises(conv.ConversionError) as err:
        conv.check_or_raise(conv.convert_state_dict(state), _ours())
    msg = str(err.value)
    assert 'missing (1): backbone.layer1.0.se.fc.0.bias' in msg
    assert 'mis-shaped' in msg and 'neck.duc2.conv.weight' in msg
    with pytest.raises(conv.ConversionError, match='outside'):
        conv.convert_state_dict({'fc.weight': torch.zeros(1)})
    src = tmp_path / 'bad.pth'
    torch.save({'foo.bar': torch.zeros(1)}, src)
    assert conv.main([str(src), str(tmp_path / 'o.pth')]) == 2
    assert 'outside' in capsys.readouterr().err


def test_corrupt_and_hostile_inputs_are_told_apart(capsys):
    bad = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'bad')
    out = osp.join(bad, 'never_written.pth')
    assert conv.main([osp.join(bad, 'corrupt.pth'), out]) == 2
    err = capsys.readouterr().err
    assert 'is not a PyTorch checkpoint or is corrupt/truncated' in err and 'trusted' not in err
    assert conv.main([osp.join(bad, 'hostile.pth'), out]) == 2
    err = capsys.readouterr().err
    assert 'holds code (it asks for the Python global "print")' in err and 'trusted' in err
    assert len(err.strip().splitlines()) == 1 and not osp.exists(out)
