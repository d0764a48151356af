import os
import os.path as osp
import textwrap

import numpy as np
import pytest
import torch

from mmalphapose.apis import TopdownPredictor, init_model
from mmalphapose.apis.backends import (OnnxRuntimeNetwork, OpenVinoNetwork, build_pose_backend,
                                       export_key, is_bundled, keep_freed_memory,
                                       measure_batch_speed, model_uses_features, onnx_cache_dir,
                                       resolve_backend)
from mmalphapose.testing import dots_image
from mmalphapose.utils import openvino as ovu

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

DOTS = [(50, 60), (200, 100), (300, 220)]
BOXES = np.array([[20, 20, 90, 110], [150, 50, 260, 180], [270, 190, 319, 239]], np.float32)


def _tiny_config(folder: str, flip: bool) -> str:
    """Identity backbone + a real FastPoseHeatmapHead (1x1 conv) + MSRAHeatmap."""
    path = osp.join(folder, f'tiny_heatmap_flip{int(flip)}.py')
    with open(path, 'w') as f:
        f.write(
            textwrap.dedent(f"""
            custom_imports = dict(imports=['mmalphapose.testing.standin_models'],
                                  allow_failed_imports=False)
            codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(48, 64),
                         sigma=2.0)
            model = dict(
                type='TopdownPoseEstimator',
                backbone=dict(type='StandInIdentityBackbone'),
                head=dict(type='FastPoseHeatmapHead', in_channels=3, out_channels=17,
                          final_kernel_size=1, decoder=codec),
                test_cfg=dict(flip_test={flip}),
                metainfo=dict(from_file='mmalphapose::_base_/datasets/coco.py'))
            test_dataloader = dict(dataset=dict(pipeline=[
                dict(type='LoadImage'),
                dict(type='GetBBoxCenterScale', padding=1.25),
                dict(type='TopdownAffine', input_size=(48, 64)),
                dict(type='PackPoseInputs')]))
            """))
    return path


def _tiny_model(folder: str, flip: bool = True):
    """The tiny model whose heatmaps are the crop's brightness: every
    heatmap peaks on the dot."""
    model = init_model(_tiny_config(folder, flip))
    with torch.no_grad():
        model.head.final_layer.weight.fill_(1.0 / 3)
        model.head.final_layer.bias.zero_()
    return model


def _export_tool():
    import importlib.util
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        '_export_onnx_tool', osp.join(root, 'tools', 'deployment', 'export_onnx.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path / 'onnx'))
    return str(tmp_path / 'onnx')


@pytest.mark.parametrize('flip', [False, True])
def test_onnxruntime_equals_pytorch(tmp_path, cache, flip):
    model = _tiny_model(str(tmp_path), flip)
    image = dots_image(DOTS)
    ids = np.zeros(len(BOXES), np.int64)
    ref = TopdownPredictor(model)([image], ids, BOXES)
    ort = TopdownPredictor(model, backend='onnxruntime')([image], ids, BOXES)
    # the dots are found (the decoding ran), by both backends alike
    np.testing.assert_allclose(ref.keypoints[:, 0], np.array(DOTS, np.float32), atol=3.0)
    np.testing.assert_allclose(ort.keypoints, ref.keypoints, atol=0.5)
    np.testing.assert_allclose(ort.keypoint_scores, ref.keypoint_scores, rtol=1e-4, atol=1e-6)
    assert os.listdir(cache) and all(
        f.endswith(('.onnx', '.onnx.sha256.json')) for f in os.listdir(cache))


@pytest.mark.parametrize('flip', [False, True])
def test_openvino_equals_pytorch_and_shares_the_export(tmp_path, cache, flip):
    pytest.importorskip('openvino')
    model = _tiny_model(str(tmp_path), flip)
    image = dots_image(DOTS)
    ids = np.zeros(len(BOXES), np.int64)
    ref = TopdownPredictor(model)([image], ids, BOXES)
    rt = build_pose_backend(model, 'openvino', precision='f32')
    assert rt.pose_backend == 'openvino' and isinstance(rt.network_runner, OpenVinoNetwork)
    assert rt.network_runner.providers == ['OpenVINO CPU (f32)'] and rt.default_pose_batch == 4
    ov = TopdownPredictor(rt)([image], ids, BOXES)
    np.testing.assert_allclose(ov.keypoints, ref.keypoints, atol=0.5)
    np.testing.assert_allclose(ov.keypoint_scores, ref.keypoint_scores, rtol=1e-4, atol=1e-6)
    # the onnxruntime backend's cache entry: one export for both engines
    ort_rt = build_pose_backend(model, 'onnxruntime')
    assert ort_rt.network_runner.path == rt.network_runner.path
    assert build_pose_backend(rt, 'openvino') is rt
    assert TopdownPredictor(model, backend='openvino').model.pose_backend == 'openvino'


def test_openvino_backend_refuses_what_it_cannot_do(tmp_path, cache):
    pytest.importorskip('openvino')
    model = _tiny_model(str(tmp_path))
    for flag in ('int8', 'fp16', 'tensorrt'):
        with pytest.raises(ValueError, match=f'openvino backend: {flag} is an onnxruntime'):
            build_pose_backend(model, 'openvino', **{flag: True})
    with pytest.raises(ValueError, match='CPU only'):
        build_pose_backend(model, 'openvino', device='cuda:0')
    with pytest.raises(ValueError, match='precision must be one of'):
        build_pose_backend(model, 'openvino', precision='int8')


def test_runtime_model_leaves_the_model_alone(tmp_path, cache):
    model = _tiny_model(str(tmp_path))
    head, runner = model.head, model.network_runner
    rt = build_pose_backend(model, 'onnxruntime')
    assert rt.pose_backend == 'onnxruntime' and model.pose_backend == 'pytorch'
    # only the runner differs: no method of the model or its head is replaced
    assert model.head is head and rt.head is head and model.network_runner is runner
    assert 'forward' not in vars(head) and 'extract_feat' not in vars(rt)
    x = torch.rand(2, 3, 64, 48)
    out = rt.network_runner(x)
    assert isinstance(rt.network_runner, OnnxRuntimeNetwork)
    assert len(out.feats) == 0  # no features asked for
    np.testing.assert_allclose(
        out.head_out.numpy(),
        model.head.forward(model.extract_feat(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-6)
    assert build_pose_backend(rt, 'onnxruntime') is rt


def test_default_pose_batch_follows_the_backend(tmp_path, cache):
    model = _tiny_model(str(tmp_path))
    rt = build_pose_backend(model, 'onnxruntime')
    pt = build_pose_backend(_tiny_model(str(tmp_path)), 'pytorch')
    assert rt.default_pose_batch == 4 and pt.default_pose_batch == 16
    assert TopdownPredictor(rt).batch_size == 4  # no batch given: the backend's
    assert TopdownPredictor(pt).batch_size == 16
    assert TopdownPredictor(rt, batch_size=7).batch_size == 7
    assert TopdownPredictor(model, backend='onnxruntime').batch_size == 4


def test_features_are_outputs_when_predict_uses_them(tmp_path, cache):
    model = _tiny_model(str(tmp_path))
    assert not model_uses_features(model)
    model.predict_uses_features = True
    assert model_uses_features(model)
    rt = build_pose_backend(model, 'onnxruntime')
    x = torch.rand(3, 3, 64, 48)
    feats = rt.network_runner(x).feats
    ref = model.extract_feat(x)
    assert len(feats) == len(ref)
    np.testing.assert_allclose(feats[0].numpy(), ref[0].numpy(), atol=1e-6)


def test_a_corrupt_cache_entry_is_rebuilt_and_a_bad_cache_path_named(tmp_path, cache):
    """Issue 28 item 5: a truncated entry (or one without its checksum) is
    exported again, never an onnxruntime InvalidProtobuf at every run."""
    from mmalphapose.apis.backends import OnnxRuntimeBackend
    from mmalphapose.utils.io import verify_checksum
    model = _tiny_model(str(tmp_path))
    image = dots_image(DOTS)
    ids = np.zeros(len(BOXES), np.int64)
    ref = TopdownPredictor(model, backend='onnxruntime')([image], ids, BOXES)
    path = OnnxRuntimeBackend().onnx_path(model)
    assert verify_checksum(path)
    data = open(path, 'rb').read()
    for damage in (data[:len(data) // 2], data[:-1] + bytes([data[-1] ^ 1])):
        with open(path, 'wb') as f:
            f.write(damage)
        assert not verify_checksum(path)
        out = TopdownPredictor(model, backend='onnxruntime')([image], ids, BOXES)
        np.testing.assert_allclose(out.keypoints, ref.keypoints, atol=1e-4)
        assert verify_checksum(path)
    # an entry with a valid checksum that onnxruntime refuses is rebuilt too
    with open(path, 'wb') as f:
        f.write(b'not onnx')
    from mmalphapose.utils.io import write_checksum
    write_checksum(path)
    out = TopdownPredictor(model, backend='onnxruntime')([image], ids, BOXES)
    np.testing.assert_allclose(out.keypoints, ref.keypoints, atol=1e-4)
    blocked = tmp_path / 'cache_is_a_file'
    blocked.write_text('x')
    with pytest.raises(ValueError, match='cache_is_a_file.* is a file'):
        OnnxRuntimeBackend(cache_dir=str(blocked)).onnx_path(model)


def test_cache_key_follows_weights_and_options(tmp_path, cache):
    model = _tiny_model(str(tmp_path))
    key = export_key(model, False)
    assert key == export_key(model, False)
    assert key != export_key(model, True)
    with torch.no_grad():
        model.head.final_layer.bias.add_(1.0)
    assert key != export_key(model, False)
    assert onnx_cache_dir() == cache


def test_resolve_backend(tmp_path):
    model = _tiny_model(str(tmp_path))
    assert resolve_backend('pytorch', model) == 'pytorch'
    assert resolve_backend('onnxruntime', model) == 'onnxruntime'
    assert resolve_backend('openvino', model) == 'openvino'
    # auto: an ONNX engine only for the bundled weights on the CPU
    assert resolve_backend('auto', model, 'cpu', None) == 'pytorch'
    assert not is_bundled(None, str(tmp_path / 'x.pth'))
    with pytest.raises(ValueError, match='pose backend must be one of'):
        resolve_backend('tensorrt', model)


def test_models_without_a_network_are_refused(tmp_path):
    from mmalphapose.apis.backends import check_exportable

    class NoHead(torch.nn.Module):

        def extract_feat(self, x):
            return (x, )

    with pytest.raises(ValueError, match='top-down estimator'):
        check_exportable(NoHead())
    model = _tiny_model(str(tmp_path))
    for module in model.modules():
        module._parameters.clear()
    with pytest.raises(ValueError, match='no PyTorch weights'):
        build_pose_backend(model, 'onnxruntime')


def test_measure_batch_speed_and_memory_setting(tmp_path):
    keep_freed_memory()
    keep_freed_memory()  # once per process, no error the second time
    model = _tiny_model(str(tmp_path))
    speeds = measure_batch_speed(model, torch.rand(4, 3, 64, 48) * 255, (1, 4), repeats=1)
    assert [b for b, _ in speeds] == [1, 4] and all(s > 0 for _, s in speeds)


@pytest.mark.slow
def test_bundled_student_on_onnxruntime(cache, monkeypatch):
    """The default model: auto picks onnxruntime where OpenVINO's bfloat16 is
    not chosen; keypoints and the pose-guided embeddings (computed from the
    ONNX feature outputs) match PyTorch."""
    from mmalphapose.apis.model_index import default_pose_model
    coco_crops = _export_tool().coco_crops
    config, ckpt = default_pose_model()
    if ckpt is None or not ckpt.endswith('.pth'):
        pytest.skip('the default pose model has no PyTorch weights here')
    monkeypatch.setattr(ovu, 'cpu_has_bf16', lambda: False)
    monkeypatch.delenv(ovu.ENGINE_ENV, raising=False)
    model = init_model(config, ckpt)
    rt = init_model(config, ckpt, backend='auto')
    assert rt.pose_backend == 'onnxruntime'
    images, ids, boxes = coco_crops()
    ref = TopdownPredictor(model)(images, ids, boxes)
    ort = TopdownPredictor(rt)(images, ids, boxes)
    assert np.abs(ort.keypoints - ref.keypoints).max() <= 0.5
    np.testing.assert_allclose(ort.keypoint_scores, ref.keypoint_scores, atol=1e-4)
    if 'embeddings' in ref:
        np.testing.assert_allclose(ort.embeddings, ref.embeddings, atol=1e-4)


def test_bundled_student_on_openvino_bf16(cache, monkeypatch):
    """Where the CPU runs bfloat16, auto picks OpenVINO; its keypoints stay
    within bfloat16's rounding of PyTorch's (body AP through the pipeline:
    docs/speed.md)."""
    pytest.importorskip('openvino')
    if not ovu.cpu_has_bf16():
        pytest.skip('this CPU has no bfloat16 arithmetic')
    from mmalphapose.apis.model_index import default_pose_model
    coco_crops = _export_tool().coco_crops
    config, ckpt = default_pose_model()
    if ckpt is None or not ckpt.endswith('.pth'):
        pytest.skip('the default pose model has no PyTorch weights here')
    monkeypatch.delenv(ovu.ENGINE_ENV, raising=False)
    model = init_model(config, ckpt)
    rt = init_model(config, ckpt, backend='auto')
    assert rt.pose_backend == 'openvino' and rt.network_runner.providers == \
        ['OpenVINO CPU (bf16)']
    images, ids, boxes = coco_crops()
    ref = TopdownPredictor(model)(images, ids, boxes)
    ov = TopdownPredictor(rt)(images, ids, boxes)
    body = slice(0, 17)
    confident = ref.keypoint_scores[:, body] >= 0.3
    err = np.linalg.norm(ov.keypoints[:, body] - ref.keypoints[:, body], axis=-1)[confident]
    scale = np.sqrt(np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)).mean()
    # measured: median 0.19 px, at most 2.7 px in boxes of about 150 px
    assert np.median(err) <= 0.01 * scale and err.max() <= 0.1 * scale
    # scores: 6 of 238 moved by more than 0.1, at most 0.16
    dscore = np.abs(ov.keypoint_scores[:, body] - ref.keypoint_scores[:, body])
    assert np.median(dscore) <= 0.02 and dscore.max() <= 0.25
