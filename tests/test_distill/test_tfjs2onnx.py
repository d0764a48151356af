"""Pure-python parts of tools/model_converters/tfjs2onnx.py on a tiny graph."""
import base64
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'tfjs2onnx', osp.join(ROOT, 'tools', 'model_converters', 'tfjs2onnx.py'))
t2o = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(t2o)


def _b64(s):
    return base64.b64encode(s.encode()).decode()


def _write_model(tmp_path):
    w = np.arange(2 * 2 * 1 * 3, dtype=np.float32).reshape(2, 2, 1, 3) / 8  # exact in fp16
    b = np.array([0.5, -1.0, 2.0], np.float32)
    shape = np.array([1, -1], np.int32)  # an int64 const stored as int32
    q = np.array([0, 128, 255], np.uint8)  # uint8-quantised
    blob = w.astype(np.float16).tobytes() + b.tobytes() + shape.tobytes() + q.tobytes()
    (tmp_path / 'group1-shard1of1.bin').write_bytes(blob)
    model = dict(
        modelTopology=dict(
            node=[
                dict(name='x', op='Placeholder', attr=dict(dtype=dict(type='DT_FLOAT'))),
                dict(name='w', op='Const', attr=dict(dtype=dict(type='DT_FLOAT'))),
                dict(name='b', op='Const', attr=dict(dtype=dict(type='DT_FLOAT'))),
                dict(name='shape', op='Const', attr=dict(dtype=dict(type='DT_INT64'))),
                dict(name='q', op='Const', attr=dict(dtype=dict(type='DT_FLOAT'))),
                dict(
                    name='conv',
                    op='_FusedConv2D',
                    input=['x', 'w', 'b'],
                    attr=dict(
                        T=dict(type='DT_FLOAT'),
                        padding=dict(s=_b64('SAME')),
                        strides=dict(list=dict(i=['1', '1', '1', '1'])),
                        fused_ops=dict(list=dict(s=[_b64('BiasAdd'), _b64('Relu')])),
                        num_args=dict(i='1'))),
                dict(
                    name='dw',
                    op='FusedDepthwiseConv2dNative',
                    input=['conv', 'w', 'b', 'q'],
                    attr=dict(
                        T=dict(type='DT_FLOAT'),
                        fused_ops=dict(list=dict(s=[_b64('BiasAdd'), _b64('Prelu')])))),
                dict(name='p', op='Prelu', input=['dw', 'q'], attr=dict(T=dict(type='DT_FLOAT'))),
                dict(name='out', op='Reshape', input=['p', 'shape']),
            ],
            versions=dict(producer=1)),
        weightsManifest=[
            dict(
                paths=['group1-shard1of1.bin'],
                weights=[
                    dict(
                        name='w',
                        shape=[2, 2, 1, 3],
                        dtype='float32',
                        quantization=dict(dtype='float16', original_dtype='float32')),
                    dict(name='b', shape=[3], dtype='float32'),
                    dict(name='shape', shape=[2], dtype='int32'),
                    dict(
                        name='q',
                        shape=[3],
                        dtype='float32',
                        quantization=dict(dtype='uint8', scale=0.01, min=-1.0)),
                ])
        ],
        signature=dict(inputs={'x:0': dict(name='x:0')}, outputs={'out:0': dict(name='out:0')}),
    )
    path = tmp_path / 'model.json'
    path.write_text(json.dumps(model))
    return str(path), w, b


def test_read_weights_dequantises(tmp_path):
    path, w, b = _write_model(tmp_path)
    model = t2o.load_model_json(path)
    ws = t2o.read_weights(model['weightsManifest'], str(tmp_path))
    np.testing.assert_array_equal(ws['w'], w)
    assert ws['w'].dtype == np.float32
    np.testing.assert_array_equal(ws['b'], b)
    np.testing.assert_allclose(ws['q'], [-1.0, 0.28, 1.55], atol=1e-6)
    assert ws['shape'].tolist() == [1, -1]


def test_truncated_bin_raises(tmp_path):
    path, _, _ = _write_model(tmp_path)
    data = (tmp_path / 'group1-shard1of1.bin').read_bytes()
    (tmp_path / 'group1-shard1of1.bin').write_bytes(data[:10])
    model = t2o.load_model_json(path)
    with pytest.raises(ValueError):
        t2o.read_weights(model['weightsManifest'], str(tmp_path))


def test_not_a_graph_model(tmp_path):
    p = tmp_path / 'layers.json'
    p.write_text(json.dumps(dict(modelTopology=dict(config={}), weightsManifest=[])))
    with pytest.raises(ValueError, match='node'):
        t2o.load_model_json(str(p))


def test_build_graph_json(tmp_path):
    path, w, _ = _write_model(tmp_path)
    topo, ins, outs = t2o.build_graph_json(path)
    assert ins == ['x:0'] and outs == ['out:0']
    nodes = {n['name']: n for n in topo['node']}
    # int64 constant cast back from int32
    t = nodes['shape']['attr']['value']['tensor']
    assert t['dtype'] == 'DT_INT64'
    assert np.frombuffer(base64.b64decode(t['tensorContent']), np.int64).tolist() == [1, -1]
    wt = nodes['w']['attr']['value']['tensor']
    np.testing.assert_array_equal(
        np.frombuffer(base64.b64decode(wt['tensorContent']), np.float32).reshape(2, 2, 1, 3), w)
    assert [d['size'] for d in wt['tensorShape']['dim']] == ['2', '2', '1', '3']
    # fused conv -> Conv2D -> BiasAdd -> Relu, output name kept
    assert nodes['conv/Conv2D']['op'] == 'Conv2D'
    assert nodes['conv/Conv2D']['input'] == ['x', 'w']
    assert 'fused_ops' not in nodes['conv/Conv2D']['attr']
    assert nodes['conv/BiasAdd']['input'] == ['conv/Conv2D', 'b']
    assert nodes['conv']['op'] == 'Relu' and nodes['conv']['input'] == ['conv/BiasAdd']
    # depthwise + prelu: relu(x) - alpha * relu(-x)
    assert nodes['dw/DepthwiseConv2dNative']['op'] == 'DepthwiseConv2dNative'
    assert nodes['dw']['op'] == 'Sub'
    assert nodes['dw/scaled']['input'] == ['q', 'dw/neg']
    # standalone Prelu rewritten too
    assert nodes['p']['op'] == 'Sub' and nodes['p/pos']['input'] == ['dw']
    assert not any(n['op'] in ('_FusedConv2D', 'FusedDepthwiseConv2dNative', 'Prelu')
                   for n in topo['node'])


def test_prelu_rewrite_numerics():
    """relu(x) - a * relu(-x) equals PReLU."""
    x = np.linspace(-2, 2, 9)
    a = 0.25
    ref = np.where(x > 0, x, a * x)
    np.testing.assert_allclose(np.maximum(x, 0) - a * np.maximum(-x, 0), ref)


def test_unsupported_fused_activation():
    node = dict(
        name='c',
        op='_FusedConv2D',
        input=['x', 'w', 'b'],
        attr=dict(fused_ops=dict(list=dict(s=[_b64('BiasAdd'), _b64('Gelu')]))))
    with pytest.raises(ValueError, match='Gelu'):
        t2o.rewrite_fused_ops([node])


def test_scalar_constants_stay_scalar():
    """A 0-d weight (ConcatV2 axis, ArgMax dimension) keeps an empty shape; a
    rank-1 [1] tensor made TF refuse NanoDet's and MoveNet's graphs."""
    nodes = [dict(name='axis', op='Const', attr=dict(dtype=dict(type='DT_INT32')))]
    t2o.fill_constants(nodes, {'axis': np.array(1, np.int32).reshape(())})
    tensor = nodes[0]['attr']['value']['tensor']
    assert tensor['tensorShape']['dim'] == []
    assert np.frombuffer(base64.b64decode(tensor['tensorContent']), np.int32).tolist() == [1]


def test_prelu_without_type_attr_gets_float():
    """Face mesh's Prelu nodes carry no T attribute; the plain ops need one."""
    node = dict(name='p', op='Prelu', input=['x', 'alpha'])
    out = t2o.rewrite_fused_ops([node])
    assert [n['op'] for n in out] == ['Relu', 'Neg', 'Relu', 'Mul', 'Sub']
    assert all(n['attr']['T'] == {'type': 'DT_FLOAT'} for n in out)
    assert out[-1]['name'] == 'p'
