"""AutocastOptimWrapper: bf16 autocast on CPU, fp32 parameters."""
import pytest
import torch

from mmalphapose.registry import OPTIM_WRAPPERS


def _wrapper(model, **kw):
    return OPTIM_WRAPPERS.build(
        dict(
            type='AutocastOptimWrapper',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            **kw))


def test_forward_runs_in_bf16_and_params_stay_fp32():
    model = torch.nn.Linear(8, 2)
    wrap = _wrapper(model)
    x = torch.randn(4, 8)
    with wrap.optim_context(model):
        out = model(x)
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrap.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(before, model.weight)


def test_outside_the_context_stays_fp32():
    model = torch.nn.Linear(8, 2)
    _wrapper(model)
    assert model(torch.randn(1, 8)).dtype == torch.float32


def test_bad_dtype():
    with pytest.raises(ValueError, match='bfloat16 or float16'):
        _wrapper(torch.nn.Linear(2, 2), dtype='int8')
