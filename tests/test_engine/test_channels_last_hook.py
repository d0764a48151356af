"""ChannelsLastHook converts conv weights, outputs unchanged."""
from types import SimpleNamespace

import torch

from mmalphapose.registry import HOOKS


def test_channels_last_same_output():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 3))
    x = torch.randn(2, 3, 16, 12)
    ref = model(x)
    hook = HOOKS.build(dict(type='ChannelsLastHook'))
    hook.before_train(SimpleNamespace(model=model))
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not model[0].weight.is_contiguous()
    torch.testing.assert_close(model(x), ref, rtol=1e-5, atol=1e-5)
    sd = model.state_dict()
    model2 = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 3))
    model2.load_state_dict(sd)
    torch.testing.assert_close(model2(x), ref, rtol=1e-5, atol=1e-5)
