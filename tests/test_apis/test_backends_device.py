"""apis/backends.py options that follow the device or pick another network
file: fp16 autocast of the PyTorch backend, the onnxruntime providers, the
int8 network of the export tool (no GPU needed: the choices are tested)."""
import numpy as np
import pytest
import torch

from mmalphapose.apis import init_model
from mmalphapose.apis.backends import (OnnxRuntimeBackend, autocast_dtype, autocast_network,
                                       build_pose_backend)
from mmalphapose.testing import write_standin_config

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')


def test_autocast_follows_the_device():
    assert autocast_dtype('cuda') is torch.float16
    assert autocast_dtype('cuda:1') is torch.float16
    assert autocast_dtype('cuda', fp16=False) is None
    assert autocast_dtype('cpu') is None and autocast_dtype('cpu', fp16=True) is None


def test_pytorch_backend_on_the_cpu_has_no_autocast(tmp_path):
    model = build_pose_backend(init_model(write_standin_config(str(tmp_path))), 'pytorch')
    assert model.pose_backend == 'pytorch' and model.autocast_dtype is None
    assert 'extract_feat' not in vars(model)  # the class's own method, not wrapped


def test_autocast_network_gives_float32_outputs(tmp_path):
    """bf16 autocast on the CPU stands in for CUDA's fp16: the wrapped tensor
    path runs in the low precision and hands float32 back to decoding."""
    model = init_model(write_standin_config(str(tmp_path)))
    x = torch.rand(2, 3, 64, 48)
    with torch.no_grad():
        ref = model.head.forward(model.extract_feat(x))
        autocast_network(model, torch.bfloat16)
        out, feats = model.network_runner(x)  # NetworkOutputs(head_out, feats)
    assert all(f.dtype == torch.float32 for f in feats) and out.dtype == torch.float32
    assert torch.allclose(out, ref, atol=0.05 * float(ref.abs().max()) + 1e-3)


def test_onnxruntime_providers_follow_the_device(tmp_path):
    model = init_model(write_standin_config(str(tmp_path)))
    rt = build_pose_backend(model, 'onnxruntime', 'cpu', cache_dir=str(tmp_path / 'c'))
    assert rt.onnx_network.providers == ['CPUExecutionProvider']


def test_int8_needs_the_export_tool_file(tmp_path, monkeypatch):
    """int8=True without a calibration folder cannot quantise at run time: a
    missing file is a one-line error naming the tool; the file it looks for
    sits beside the float32 export."""
    monkeypatch.delenv('MMALPHAPOSE_CALIB_DATA', raising=False)
    model = init_model(write_standin_config(str(tmp_path)))
    backend = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c'), int8=True)
    with pytest.raises(FileNotFoundError, match='export_onnx.py .* --int8') as err:
        backend.build(model)
    assert len(str(err.value).splitlines()) == 1
    fp32 = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c')).onnx_path(model)
    assert backend.int8_path(model) == fp32[:-len('.onnx')] + '.int8.onnx'
    with pytest.raises(ValueError, match='int8 and fp16'):
        OnnxRuntimeBackend(int8=True, fp16=True)


def test_a_truncated_int8_file_is_quantised_again(tmp_path, monkeypatch):
    """The int8 cache file carries the float export's size / SHA-256 check: a
    truncated file is made again (here by a stand-in quantiser, so that no
    ml_dtypes is needed), never handed to onnxruntime."""
    import shutil

    from mmalphapose.apis import int8
    from mmalphapose.utils.io import verify_checksum, write_checksum
    model = init_model(write_standin_config(str(tmp_path)))
    calls = []

    def fake_quantise(fp32, out, inputs, *args, **kwargs):
        calls.append(inputs.shape)
        shutil.copy(fp32, out)
        write_checksum(out)
        return out

    monkeypatch.setattr(int8, 'quantiser', lambda: None)
    monkeypatch.setattr(int8, 'quantise_int8', fake_quantise)
    monkeypatch.setattr(int8, 'calibration_crops', lambda m, root: np.zeros((2, 3, 64, 48)))
    backend = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c'), int8=True,
                                 calib_data=str(tmp_path))
    path = backend.int8_network(model)  # missing: made
    assert calls == [(2, 3, 64, 48)] and verify_checksum(path)
    assert backend.int8_network(model) == path and len(calls) == 1  # valid: kept
    with open(path, 'r+b') as f:
        f.truncate(100)
    rt = backend.build(model)  # truncated: made again, then loaded
    assert len(calls) == 2 and rt.onnx_network.path == path and verify_checksum(path)


def test_a_truncated_int8_file_without_the_quantiser_is_one_line(tmp_path, monkeypatch):
    from mmalphapose.apis import int8
    from mmalphapose.utils.io import write_checksum

    def no_quantiser():
        raise ImportError("int8 quantisation needs onnxruntime's quantiser (No module named "
                          "'ml_dtypes')")

    monkeypatch.setattr(int8, 'quantiser', no_quantiser)
    model = init_model(write_standin_config(str(tmp_path)))
    backend = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c'), int8=True)
    path = backend.int8_path(model)
    import shutil
    shutil.copy(OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c')).onnx_path(model), path)
    write_checksum(path)
    with open(path, 'r+b') as f:
        f.truncate(100)
    with pytest.raises(FileNotFoundError, match='corrupt.*export_onnx.py') as err:
        backend.build(model)
    assert len(str(err.value).splitlines()) == 1 and 'ml_dtypes' in str(err.value)
