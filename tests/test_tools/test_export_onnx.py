"""tools/deployment/export_onnx.py: dynamic batch export, one-line errors and
--verify on the bundled student."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        '_export_onnx_tool', osp.join(ROOT, 'tools', 'deployment', 'export_onnx.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dynamic_batch_export_matches_pytorch(tmp_path):
    from mmalphapose.apis import init_model
    from mmalphapose.apis.backends import export_wrapper
    from mmalphapose.testing import write_standin_config
    cfg = write_standin_config(str(tmp_path))
    out = str(tmp_path / 'standin.onnx')
    torch.manual_seed(0)  # the same random weights in the tool and here
    assert _tool().main([cfg, '--out', out, '--dynamic-batch', '--features']) == 0
    sess = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    assert [o.name for o in sess.get_outputs()] == ['head_out', 'feat0']
    torch.manual_seed(0)
    model = init_model(cfg)
    for n in (1, 5):  # the batch axis is dynamic
        x = torch.rand(n, 3, 64, 48)
        got = sess.run(None, {'input': x.numpy()})
        with torch.no_grad():
            ref = export_wrapper(model, True)(x)
        assert got[0].shape == (n, 17, 64, 48)
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r.numpy(), rtol=1e-4, atol=1e-5)


def test_fixed_batch_and_usage_errors(tmp_path, capsys):
    from mmalphapose.testing import write_standin_config
    cfg = write_standin_config(str(tmp_path))
    out = str(tmp_path / 'fixed.onnx')
    tool = _tool()
    assert tool.main([cfg, '--out', out, '--batch-size', '2']) == 0
    sess = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    assert sess.get_inputs()[0].shape == [2, 3, 64, 48]
    assert [o.name for o in sess.get_outputs()] == ['head_out']
    assert tool.main([cfg, '--out', out, '--verify']) == 2
    assert '--dynamic-batch' in capsys.readouterr().err
    assert tool.main(['configs/no/such_config.py', '--out', out]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'such_config' in err


@pytest.mark.slow
def test_verify_the_bundled_student(tmp_path, capsys):
    """--verify on real COCO crops: raw outputs to 1e-4 relative, keypoints
    (flip test on, as the config says) to 0.5 px."""
    out = str(tmp_path / 'student.onnx')
    code = _tool().main(['halpe26-student', '--out', out, '--dynamic-batch', '--verify'])
    text = capsys.readouterr().out
    assert code == 0, text
    assert 'OK' in text and 'features: True' in text


def test_int8_export_runs_in_the_backend(tmp_path, monkeypatch):
    """--int8 writes where the onnxruntime backend's int8 option reads; its
    keypoints stay near the float32 network's on the tiny stand-in model."""
    pytest.importorskip('onnxruntime.quantization', reason='needs ml_dtypes '
                        '(requirements/optional.txt)')
    from mmalphapose.apis import init_model
    from mmalphapose.apis.backends import build_pose_backend
    from mmalphapose.testing import write_standin_config
    from mmalphapose.utils.io import verify_checksum
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path / 'cache'))
    cfg = write_standin_config(str(tmp_path))
    torch.manual_seed(0)
    # the stand-in's one conv is its head, which --int8-exclude sensitive keeps
    assert _tool().main([cfg, '--int8', '--int8-exclude', 'none', '--int8-options', 'avg',
                         '--calib-crops', '20']) == 0
    torch.manual_seed(0)
    model = init_model(cfg)
    rt = build_pose_backend(model, 'onnxruntime', int8=True)
    assert rt.onnx_network.path.endswith('.int8.onnx')
    assert verify_checksum(rt.onnx_network.path)  # the backend's cache check
    types = {n.op_type for n in __import__('onnx').load(rt.onnx_network.path).graph.node}
    assert 'QuantizeLinear' in types
    x = _tool().calibration_inputs(model)[:3]  # real crops, as calibrated
    q = rt.onnx_network.run(x)[0]
    f = build_pose_backend(model, 'onnxruntime').onnx_network.run(x)[0]
    assert q.shape == f.shape and np.corrcoef(q.ravel(), f.ravel())[0, 1] > 0.95


def test_int8_without_the_quantiser_is_one_line(tmp_path, monkeypatch, capsys):
    import builtins
    from mmalphapose.testing import write_standin_config
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path / 'cache'))
    real_import = builtins.__import__

    def no_quantiser(name, *args, **kwargs):
        if name.startswith('onnxruntime.quantization'):
            raise ImportError("No module named 'ml_dtypes'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_quantiser)
    tool = _tool()
    cfg = write_standin_config(str(tmp_path))
    assert tool.main([cfg, '--int8']) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'ml_dtypes' in err
    assert tool.main([cfg, '--int8', '--fp16']) == 2
    monkeypatch.setattr(builtins, '__import__', real_import)
    pytest.importorskip('onnxruntime.quantization', reason='needs ml_dtypes')
    capsys.readouterr()
    assert tool.main([cfg, '--int8', '--calib-data', str(tmp_path / 'none')]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and '--calib-data' in err
    assert tool.main([cfg, '--int8', '--int8-exclude', 'sensitive:two']) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and '--int8-exclude' in err and 'sensitive:two' in err
