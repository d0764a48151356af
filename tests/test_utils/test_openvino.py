import os.path as osp

import numpy as np
import pytest
import torch

from mmalphapose.utils import openvino as ovu
from mmalphapose.utils.errors import ModelFileError
from mmalphapose.utils.onnx import create_onnx_session

pytest.importorskip('openvino')
ort = pytest.importorskip('onnxruntime')


class _TwoHeads(torch.nn.Module):
    """conv -> relu -> (head conv, features): two outputs, a batch axis."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU())
        self.head = torch.nn.Conv2d(8, 5, 1)

    def forward(self, x):
        f = self.body(x)
        return self.head(f), f


@pytest.fixture(scope='module')
def two_heads(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('ov') / 'two_heads.onnx')
    torch.onnx.export(
        _TwoHeads().eval(), (torch.zeros(1, 3, 16, 16), ),
        path,
        dynamo=False,
        input_names=['input'],
        output_names=['head_out', 'feat0'],
        dynamic_axes={k: {
            0: 'batch'
        }
                      for k in ('input', 'head_out', 'feat0')},
        opset_version=17)
    return path


def test_resolve_engine(monkeypatch):
    monkeypatch.delenv(ovu.ENGINE_ENV, raising=False)
    assert ovu.resolve_engine('onnxruntime') == 'onnxruntime'
    assert ovu.resolve_engine('openvino') == 'openvino'
    monkeypatch.setattr(ovu, 'cpu_has_bf16', lambda: True)
    assert ovu.resolve_engine('auto') == 'openvino' and ovu.resolve_engine(None) == 'openvino'
    assert ovu.resolve_engine('auto', 'cuda:0') == 'onnxruntime'  # GPU providers are onnxruntime's
    monkeypatch.setattr(ovu, 'cpu_has_bf16', lambda: False)
    assert ovu.resolve_engine('auto') == 'onnxruntime'  # OpenVINO float32 is no faster
    monkeypatch.setenv(ovu.ENGINE_ENV, 'openvino')
    assert ovu.resolve_engine('auto') == 'openvino'
    assert ovu.resolve_engine('onnxruntime') == 'onnxruntime'  # an explicit choice wins
    monkeypatch.setenv(ovu.ENGINE_ENV, 'tensorflow')
    with pytest.raises(ValueError, match='MMALPHAPOSE_ONNX_ENGINE'):
        ovu.resolve_engine('auto')
    with pytest.raises(ValueError, match='ONNX engine must be one of'):
        ovu.resolve_engine('tvm')
    with pytest.raises(ValueError, match='CPU only'):
        ovu.resolve_engine('openvino', 'cuda')


def test_cpu_capabilities_are_openvinos():
    caps = ovu.openvino_cpu_capabilities()
    assert 'FP32' in caps
    assert ovu.cpu_has_bf16() == ('BF16' in caps)


def test_session_answers_like_onnxruntime(two_heads):
    ref = ort.InferenceSession(two_heads, providers=['CPUExecutionProvider'])
    sess = ovu.OpenVinoSession(two_heads, num_threads=1, precision='f32')
    assert [(p.name, p.shape, p.type) for p in sess.get_inputs()] == \
        [('input', [None, 3, 16, 16], 'tensor(float)')]
    assert [p.name for p in sess.get_outputs()] == [o.name for o in ref.get_outputs()]
    assert sess.get_outputs()[0].shape == [None, 5, 16, 16]
    assert sess.get_providers() == ['OpenVINO CPU (f32)']
    x = np.random.default_rng(0).standard_normal((3, 3, 16, 16)).astype(np.float32)
    want = ref.run(None, {'input': x})
    got = sess.run(None, {'input': x})
    for a, b in zip(got, want):
        assert a.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-5)
    # outputs by name, in the order asked; arrays the caller owns (not the request's buffers)
    feat, head = sess.run(['feat0', 'head_out'], {'input': x})
    np.testing.assert_allclose(head, want[0], atol=1e-5)
    np.testing.assert_allclose(feat, want[1], atol=1e-5)
    # later runs (other batch sizes, fewer outputs asked for) leave earlier outputs alone
    all_outs = sess.run(None, {'input': x})
    sess.run(['head_out'], {'input': x[:1] * 0})
    sess.run(None, {'input': x[:2] * 0})
    np.testing.assert_allclose(head, want[0], atol=1e-5)
    for a, b in zip(all_outs, want):
        np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="no output named 'nope'"):
        sess.run(['nope'], {'input': x})
    with pytest.raises(ValueError, match='precision must be one of'):
        ovu.OpenVinoSession(two_heads, precision='int4')


def test_session_bf16_where_the_cpu_has_it(two_heads):
    if not ovu.cpu_has_bf16():
        pytest.skip('this CPU has no bfloat16 arithmetic')
    sess = ovu.OpenVinoSession(two_heads, num_threads=1)  # auto: bf16 here
    assert sess.precision == 'bf16'
    x = np.random.default_rng(1).standard_normal((2, 3, 16, 16)).astype(np.float32)
    want = ort.InferenceSession(
        two_heads, providers=['CPUExecutionProvider']).run(None, {'input': x})
    got = sess.run(None, {'input': x})
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        # bfloat16 keeps 8 bits of mantissa: about 2-3 significant digits
        assert np.abs(a - b).max() <= 0.02 * np.abs(b).max() + 1e-3
        assert np.abs(a - b).max() > 0  # it did run in bfloat16


def test_create_onnx_session_picks_the_engine(two_heads, tmp_path, monkeypatch):
    assert isinstance(
        create_onnx_session(two_heads, 'T', 1, engine='openvino'), ovu.OpenVinoSession)
    assert not isinstance(create_onnx_session(two_heads, 'T', 1), ovu.OpenVinoSession)
    monkeypatch.setattr(ovu, 'cpu_has_bf16', lambda: False)
    monkeypatch.delenv(ovu.ENGINE_ENV, raising=False)
    assert not isinstance(
        create_onnx_session(two_heads, 'T', 1, engine='auto'), ovu.OpenVinoSession)
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'not a model')
    with pytest.raises(ModelFileError, match=r'^T: ".*bad.onnx" is not a valid ONNX model'):
        create_onnx_session(str(bad), 'T', engine='openvino')
    with pytest.raises(FileNotFoundError, match='T: model file "nope.onnx" not found'):
        create_onnx_session('nope.onnx', 'T', engine='openvino')


def test_detector_on_openvino_finds_the_same_people():
    from mmalphapose.models.detectors import ONNXPersonDetector
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    import cv2
    img = cv2.imread(osp.join(root, 'tests', 'data', 'coco', '000000197388.jpg'))
    model = osp.join(root, 'checkpoints', 'nanodet.onnx')
    ref = ONNXPersonDetector(model, score_thr=0.3, engine='onnxruntime').predict_images([img])[0]
    for precision_engine in ('openvino', ):
        det = ONNXPersonDetector(model, score_thr=0.3, engine=precision_engine)
        assert isinstance(det.session, ovu.OpenVinoSession)
        res = det.predict_images([img])[0]
        assert len(res.bboxes) == len(ref.bboxes) >= 3
        # bfloat16 (where the CPU has it) moves the boxes by under a pixel or two
        np.testing.assert_allclose(res.bboxes, ref.bboxes, atol=3.0)
        np.testing.assert_allclose(res.scores, ref.scores, atol=0.02)
