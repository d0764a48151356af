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


def _export(module, x, path):
    import torch
    with torch.no_grad():
        torch.onnx.export(
            module.eval(), (x, ),
            str(path),
            dynamo=False,
            input_names=['input'],
            output_names=['out'],
            dynamic_axes={'input': {
                0: 'batch'
            }},
            opset_version=17)


def test_fold_pads_into_convs_same_outputs_no_pad_left(tmp_path):
    """MoveNet's TensorFlow-SAME stride-2 convs (``F.pad`` bottom / right,
    then the conv) are exported as Pad -> Conv; folded, the convs carry the
    asymmetric pads themselves and the outputs are those of the unfolded
    graph and of PyTorch."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch

    from mmalphapose.models.backbones.movenet_fpn import conv
    from mmalphapose.utils.onnx import fold_pads_into_convs
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        conv(3, 8, 3, 2), torch.nn.ReLU6(), conv(8, 8, 3, 2, groups=8), conv(8, 4, 3, 1))
    x = torch.randn(2, 3, 32, 32)
    _export(net, x, tmp_path / 'net.onnx')
    model = onnx.load(str(tmp_path / 'net.onnx'))
    assert [n.op_type for n in model.graph.node].count('Pad') == 2
    assert fold_pads_into_convs(model) == 2
    onnx.checker.check_model(model)
    # the pads' constant chains are gone with them (Clip's min / max stay)
    assert [n.op_type for n in model.graph.node if n.op_type != 'Constant'] == \
        ['Conv', 'Clip', 'Conv', 'Conv']
    assert len(model.graph.node) == 6
    pads = [[list(a.ints) for a in n.attribute if a.name == 'pads'][0] for n in model.graph.node
            if n.op_type == 'Conv']
    assert pads == [[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]]  # (top, left, bottom, right)
    before = ort.InferenceSession(str(tmp_path / 'net.onnx'), providers=['CPUExecutionProvider'])
    after = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    for batch in (x, torch.randn(5, 3, 32, 32)):  # the batch axis stays free
        got = after.run(None, {'input': batch.numpy()})[0]
        np.testing.assert_array_equal(got, before.run(None, {'input': batch.numpy()})[0])
        np.testing.assert_allclose(got, net(batch).detach().numpy(), atol=1e-5)
    assert fold_pads_into_convs(model) == 0  # nothing left to fold
    # the exports' entry point: the passes on the file, in place
    from mmalphapose.utils.onnx import apply_export_passes
    apply_export_passes(str(tmp_path / 'net.onnx'))
    assert 'Pad' not in [n.op_type for n in onnx.load(str(tmp_path / 'net.onnx')).graph.node]


def test_fold_pads_into_convs_keeps_pads_it_cannot_fold():
    """A reflect pad, a non-zero pad value, a pad on the channel axis, a pad
    read by two nodes or by a non-conv: each stays as it is."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    from mmalphapose.utils.onnx import fold_pads_into_convs

    def model(pads, mode='constant', value=None, readers=('Conv', )):
        inits = [
            numpy_helper.from_array(np.array(pads, np.int64), 'pads'),
            numpy_helper.from_array(np.zeros((2, 2, 3, 3), np.float32), 'w')
        ]
        pad_inputs = ['x', 'pads']
        if value is not None:
            inits.append(numpy_helper.from_array(np.array(value, np.float32), 'v'))
            pad_inputs.append('v')
        nodes = [helper.make_node('Pad', pad_inputs, ['p'], mode=mode)]
        outs = []
        for i, op in enumerate(readers):
            nodes.append(helper.make_node(op, ['p', 'w'] if op == 'Conv' else ['p'], [f'y{i}']))
            outs.append(helper.make_tensor_value_info(f'y{i}', TensorProto.FLOAT, None))
        graph = helper.make_graph(
            nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 2, 8, 8])], outs,
            inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])

    spatial = [0, 0, 0, 0, 0, 0, 1, 1]
    assert fold_pads_into_convs(model(spatial)) == 1
    assert fold_pads_into_convs(model(spatial, value=0.0)) == 1
    for kept in (model(spatial, mode='reflect'), model(spatial,
                                                       value=1.0), model([0, 1, 0, 0, 0, 0, 1, 1]),
                 model(spatial, readers=('Conv', 'Conv')), model(spatial, readers=('Relu', ))):
        assert fold_pads_into_convs(kept) == 0
        assert 'Pad' in [n.op_type for n in kept.graph.node]


def test_fold_pads_into_convs_opset10_attributes_and_shared_constants():
    """Pads of opset < 11 (pads / value as attributes) fold too; a pads
    tensor that another node still reads stays in the graph."""
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, checker, helper, numpy_helper

    from mmalphapose.utils.onnx import fold_pads_into_convs
    w = numpy_helper.from_array(np.random.RandomState(0).rand(2, 2, 3, 3).astype(np.float32), 'w')
    x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 2, 8, 8])
    y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 2, 4, 4])
    nodes = [
        helper.make_node('Pad', ['x'], ['p'], pads=[0, 0, 0, 0, 0, 0, 1, 1], value=0.0),
        helper.make_node('Conv', ['p', 'w'], ['y'], strides=[2, 2])
    ]
    old = helper.make_model(
        helper.make_graph(nodes, 'g', [x], [y], [w]), opset_imports=[helper.make_opsetid('', 10)])
    new = old.__class__()
    new.CopyFrom(old)
    assert fold_pads_into_convs(new) == 1
    checker.check_model(new)
    conv = new.graph.node[0]
    assert [n.op_type for n in new.graph.node] == ['Conv']
    assert [list(a.ints) for a in conv.attribute if a.name == 'pads'] == [[0, 0, 1, 1]]
    arr = np.random.RandomState(1).rand(1, 2, 8, 8).astype(np.float32)
    run = [
        ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider'])
        for m in (old, new)
    ]
    np.testing.assert_array_equal(*[r.run(None, {'x': arr})[0] for r in run])

    # opset 17: the pads tensor is also a graph output, so it stays
    pads = numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64), 'pads')
    nodes = [
        helper.make_node('Identity', ['pads'], ['pads2']),
        helper.make_node('Pad', ['x', 'pads2'], ['p']),
        helper.make_node('Conv', ['p', 'w'], ['y'], strides=[2, 2])
    ]
    out = helper.make_tensor_value_info('pads2', TensorProto.INT64, None)
    model = helper.make_model(
        helper.make_graph(nodes, 'g', [x], [y, out], [w, pads]),
        opset_imports=[helper.make_opsetid('', 17)])
    assert fold_pads_into_convs(model) == 1
    assert [n.op_type for n in model.graph.node] == ['Identity', 'Conv']
    assert {t.name for t in model.graph.initializer} == {'w', 'pads'}
