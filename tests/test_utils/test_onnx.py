import os

import pytest

from mmalphapose.utils.onnx import create_onnx_session, onnx_cache_dir


def test_relative_path_resolves_against_repo_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the repository
    sess = create_onnx_session('checkpoints/nanodet.onnx', 'Probe', num_threads=1)
    assert sess.get_inputs()[0].shape[1] == 3
    assert not os.path.exists('checkpoints')


def test_missing_file_names_owner_and_path():
    with pytest.raises(FileNotFoundError, match=r'Probe: model file "nope\.onnx" not found'):
        create_onnx_session('nope.onnx', 'Probe')


def test_providers_follow_the_device():
    from mmalphapose.utils.onnx import onnx_providers
    gpu = ['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider']
    assert onnx_providers('cpu', available=gpu) == ['CPUExecutionProvider']
    assert onnx_providers('cpu', tensorrt=True, available=gpu) == ['CPUExecutionProvider']
    got = onnx_providers('cuda:1', available=gpu)
    assert got == [('CUDAExecutionProvider', dict(device_id=1)), 'CPUExecutionProvider']
    trt = onnx_providers('cuda', tensorrt=True, available=gpu)
    assert [p[0] for p in trt[:2]] == gpu[:2] and trt[0][1]['device_id'] == 0
    assert trt[0][1]['trt_fp16_enable'] and trt[-1] == 'CPUExecutionProvider'
    # a CPU-only onnxruntime: the CUDA device still gets a working session list
    assert onnx_providers('cuda', tensorrt=True, available=['CPUExecutionProvider']) == \
        ['CPUExecutionProvider']


def test_onnx_cache_dir_from_the_environment_else_home(tmp_path, monkeypatch):
    """The one place the pose backends' and the face net's exports go."""
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path))
    assert onnx_cache_dir() == str(tmp_path)
    monkeypatch.delenv('MMALPHAPOSE_ONNX_CACHE')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert onnx_cache_dir() == os.path.join(str(tmp_path), 'home', '.cache', 'mmalphapose', 'onnx')


def test_cached_export_made_once_remade_when_corrupt_or_asked(tmp_path):
    """One cache mechanism for every first-use export: kept while its
    checksum matches, made again when the file is damaged or on rebuild."""
    from mmalphapose.utils.errors import InputError
    from mmalphapose.utils.onnx import cached_export
    made = []

    def export(path):
        made.append(path)
        with open(path, 'wb') as f:
            f.write(b'graph')

    path = cached_export('net.onnx', export, str(tmp_path))
    assert path == str(tmp_path / 'net.onnx') and made == [path]
    assert cached_export('net.onnx', export, str(tmp_path)) == path and len(made) == 1
    with open(path, 'wb') as f:  # truncated / corrupt
        f.write(b'gr')
    assert cached_export('net.onnx', export, str(tmp_path)) == path and len(made) == 2
    assert open(path, 'rb').read() == b'graph'
    cached_export('net.onnx', export, str(tmp_path), rebuild=True)
    assert len(made) == 3
    (tmp_path / 'afile').write_text('x')
    with pytest.raises(InputError, match='ONNX cache'):
        cached_export('net.onnx', export, str(tmp_path / 'afile'))


def test_weights_digest_follows_weights_names_and_prefix():
    import torch
    from mmalphapose.utils.onnx import weights_digest
    net = torch.nn.Linear(2, 2)
    key = weights_digest(net, 'a')
    assert key == weights_digest(net, 'a') and len(key) == 64
    assert key != weights_digest(net, 'b')
    with torch.no_grad():
        net.bias.add_(1.0)
    assert key != weights_digest(net, 'a')
