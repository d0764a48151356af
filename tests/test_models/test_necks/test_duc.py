import pytest
import torch

from mmalphapose.models.necks import DUC, StagedDUC


@pytest.mark.parametrize('channels,out', [((1024, 512), 128), ((1024, 1024), 256)])
def test_fastpose_duc(channels, out):
    neck = DUC(2048, channels)
    y = neck((torch.randn(1, 2048, 8, 6), ))
    assert y[0].shape == (1, out, 64, 48) and neck.out_channels == out
    keys = set(neck.state_dict())
    assert {'duc1.conv.weight', 'duc1.bn.running_mean', 'duc2.conv.weight'} <= keys
    assert neck.duc1.conv.bias is None


def test_staged_duc_421():
    neck = StagedDUC()
    y = neck(torch.randn(1, 2048, 8, 6))
    assert y[0].shape == (1, 256, 64, 48)
    keys = set(neck.state_dict())
    # PixelShuffle at 0, conv/BN at 1,2 then 4,5 ...
    assert {
        'duc1.1.weight', 'duc1.2.running_var', 'duc1.10.weight', 'duc2.4.weight', 'duc3.1.weight'
    } <= keys
    assert neck.duc1[10].out_channels == 1024 and neck.duc3[1].out_channels == 256


def test_bad_channels():
    with pytest.raises(ValueError):
        DUC(2046)
