"""HybrIK checkpoint converter on a synthetic state dict in HybrIK's layout."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmalphapose.utils import has_mmdet

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'hybrik2mmap', osp.join(ROOT, 'tools/model_converters/hybrik2mmalphapose.py'))
conv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conv)
CONFIG = osp.join(ROOT, 'configs/body_3d_smpl/hybrik_resnet34_h36m-256x256.py')


def _hybrik_state(model):
    """Our model's weights renamed to HybrIK's keys (plus SMPL buffers and the
    DataParallel prefix), values random so the mapping is checked by value."""
    g = torch.Generator().manual_seed(0)
    state = {}
    for key, val in model.state_dict().items():
        if key.startswith('backbone.'):
            name = 'preact.' + key[len('backbone.'):]
        else:
            name = key[len('head.'):]
        state['module.' + name] = (
            torch.randn(val.shape, generator=g) if val.is_floating_point() else val.clone())
    state['module.smpl.v_template'] = torch.zeros(6890, 3)
    state['module.smpl.shapedirs'] = torch.zeros(6890, 3, 10)
    return state


@pytest.mark.slow
@pytest.mark.skipif(not has_mmdet(), reason='needs mmdet (ResNet backbone): full profile')
def test_convert_and_load(tmp_path):
    model = conv.build_model_from_config(CONFIG)
    src = _hybrik_state(model)
    # the HybrIK deconv indices 0,1,3,4,6,7 and the backbone names exist
    assert 'module.deconv_layers.6.weight' in src and 'module.preact.layer4.2.bn2.weight' in src
    torch.save(src, tmp_path / 'hybrik.pth')
    dropped = conv.convert_file(str(tmp_path / 'hybrik.pth'), str(tmp_path / 'out.pth'), CONFIG)
    assert sorted(dropped) == ['module.smpl.shapedirs', 'module.smpl.v_template']
    out = torch.load(tmp_path / 'out.pth', weights_only=True)['state_dict']
    model.load_state_dict(out, strict=True)
    assert torch.equal(model.head.decphi.weight, src['module.decphi.weight'])
    assert torch.equal(model.head.init_shape, src['module.init_shape'])
    assert torch.equal(model.backbone.conv1.weight, src['module.preact.conv1.weight'])


def test_unknown_and_empty():
    with pytest.raises(conv.ConversionError, match='outside the HybrIK layout'):
        conv.convert_state_dict({'preact.conv1.weight': torch.zeros(1), 'foo.bar': torch.zeros(1)})
    with pytest.raises(conv.ConversionError, match='no HybrIK weights'):
        conv.convert_state_dict({'smpl.faces': torch.zeros(1)})
    state, dropped = conv.convert_state_dict({'deccam.bias': torch.zeros(3)})
    assert list(state) == ['head.deccam.bias'] and dropped == []


def test_cli_reports_errors(tmp_path, capsys):
    torch.save({'foo.bar': torch.zeros(1)}, tmp_path / 'bad.pth')
    assert conv.main([str(tmp_path / 'bad.pth'), str(tmp_path / 'o.pth')]) == 2
    assert 'outside the HybrIK layout' in capsys.readouterr().err


def test_current_hybrik_sigma_keys_are_dropped():
    """Current HybrIK releases carry ``decsigma.*`` (their per-joint sigma);
    AlphaPose's SMPL model has none and scores by the heatmap maxima."""
    state, dropped = conv.convert_state_dict({
        'module.deccam.bias': torch.zeros(3),
        'module.decsigma.weight': torch.zeros(29, 1024),
        'module.decsigma.bias': torch.zeros(29),
        'module.smpl.v_template': torch.zeros(1)
    })
    assert list(state) == ['head.deccam.bias']
    assert sorted(dropped) == ['module.decsigma.bias', 'module.decsigma.weight',
                               'module.smpl.v_template']


def test_hrnet_needs_config(tmp_path, capsys):
    hrnet = {
        'preact.conv1.weight': torch.zeros(1),
        'preact.transition1.0.0.weight': torch.zeros(1),
        'preact.stage2.0.branches.0.0.conv1.weight': torch.zeros(1),
        'decphi.weight': torch.zeros(46, 2048)
    }
    with pytest.raises(conv.ConversionError, match='HRNet HybrIK checkpoint'):
        conv.convert_state_dict(hrnet)
    state, _ = conv.convert_state_dict(hrnet, allow_hrnet=True)
    assert 'backbone.stage2.0.branches.0.0.conv1.weight' in state
    torch.save(hrnet, tmp_path / 'hrnet.pth')
    assert conv.main([str(tmp_path / 'hrnet.pth'), str(tmp_path / 'o.pth')]) == 2
    err = capsys.readouterr().err
    assert 'HRNet' in err and '--config' in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'o.pth').exists()


@pytest.mark.skipif(not has_mmdet(), reason='mmdet (ResNet backbone) missing')
def test_config_mismatch_is_printed_in_full(tmp_path, capsys):
    """With --config every mismatching key is listed (stderr), then one
    error line; the HRNet checkpoint is renamed and checked, not refused."""
    hrnet = {
        'preact.conv1.weight': torch.zeros(64, 3, 7, 7),
        'preact.stage2.0.branches.0.0.conv1.weight': torch.zeros(1),
        'decphi.weight': torch.zeros(46, 2048)
    }
    torch.save(hrnet, tmp_path / 'hrnet.pth')
    code = conv.main([str(tmp_path / 'hrnet.pth'), str(tmp_path / 'o.pth'), '--config', CONFIG])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith('error: ') and 'listed above' in err[-1]
    text = '\n'.join(err[:-1])
    assert 'missing' in text and 'unexpected (1): backbone.stage2.0.branches.0.0.conv1.weight' \
        in text and 'mis-shaped' in text
