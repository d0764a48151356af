import os

import pytest

from mmalphapose.utils.onnx import create_onnx_session


def test_relative_path_resolves_against_repo_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the repository
    sess = create_onnx_session('checkpoints/nanodet.onnx', 'Probe', num_threads=1)
    assert sess.get_inputs()[0].shape[1] == 3
    assert not os.path.exists('checkpoints')


def test_missing_file_names_owner_and_path():
    with pytest.raises(FileNotFoundError, match=r'Probe: model file "nope\.onnx" not found'):
        create_onnx_session('nope.onnx', 'Probe')
