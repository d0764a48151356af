"""Read the nodes and weights of an ONNX file without the ``onnx`` package.

ONNX files are protobuf messages; this module decodes just the fields needed
to take pretrained convolution weights out of a model (ModelProto.graph ->
GraphProto.node / .initializer -> NodeProto op_type / inputs / outputs,
TensorProto dims / data_type / raw_data / float_data), so a PyTorch port of a
bundled ONNX network can be initialised from it at run time with no extra
dependency.
"""
import struct
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np

# TensorProto.DataType -> numpy dtype (the types weights come in)
_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 10: np.float16, 11: np.float64}


class OnnxNode(NamedTuple):
    """One graph node: op type, input and output tensor names, and its
    int / float / string / int-list attributes (name -> value)."""
    op_type: str
    inputs: List[str]
    outputs: List[str]
    attrs: Dict[str, object] = {}


def _varint(buf: bytes, pos: int) -> Tuple[int, int]:
    out = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if b < 0x80:
            return out, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[Tuple[int, int, object]]:
    """(field number, wire type, value) of one message; length-delimited
    values are returned as bytes, varints as int."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f'unsupported protobuf wire type {wire}')
        yield num, wire, val


def _tensor(buf: bytes) -> Tuple[str, np.ndarray]:
    dims, dtype, name, raw, floats = [], 1, '', None, []
    for num, wire, val in _fields(buf):
        if num == 1:  # dims (packed or not)
            if wire == 2:
                p = 0
                while p < len(val):
                    d, p = _varint(val, p)
                    dims.append(d)
            else:
                dims.append(val)
        elif num == 2:
            dtype = val
        elif num == 8:
            name = val.decode()
        elif num == 9:
            raw = val
        elif num == 4:  # float_data
            floats.extend(
                struct.unpack(f'<{len(val) // 4}f', val) if wire == 2 else struct.unpack('<f', val))
    if dtype not in _DTYPES:
        raise ValueError(f'ONNX initializer "{name}": unsupported data type {dtype}')
    arr = np.frombuffer(raw, _DTYPES[dtype]) if raw is not None \
        else np.asarray(floats, _DTYPES[dtype])
    return name, arr.reshape(dims).copy()


def _attribute(buf: bytes) -> Tuple[str, object]:
    """AttributeProto: name (1), f (2), i (3), s (4), floats (7), ints (8);
    tensor and graph attributes are skipped (value None)."""
    name, value, ints = '', None, []
    for num, wire, val in _fields(buf):
        if num == 1:
            name = val.decode()
        elif num == 2:
            value = struct.unpack('<f', val)[0]
        elif num == 3:
            value = val - (1 << 64) if val >= 1 << 63 else val
        elif num == 4:
            value = val.decode(errors='replace')
        elif num == 8:
            if wire == 2:  # packed
                p = 0
                while p < len(val):
                    v, p = _varint(val, p)
                    ints.append(v - (1 << 64) if v >= 1 << 63 else v)
            else:
                ints.append(val - (1 << 64) if val >= 1 << 63 else val)
        elif num == 7:
            value = list(struct.unpack(f'<{len(val) // 4}f', val)) if wire == 2 \
                else [struct.unpack('<f', val)[0]]
    return name, (ints if ints else value)


def _node(buf: bytes) -> OnnxNode:
    ins, outs, op, attrs = [], [], '', {}
    for num, _, val in _fields(buf):
        if num == 1:
            ins.append(val.decode())
        elif num == 2:
            outs.append(val.decode())
        elif num == 4:
            op = val.decode()
        elif num == 5:
            key, value = _attribute(val)
            attrs[key] = value
    return OnnxNode(op, ins, outs, attrs)


def read_onnx_graph(path: str) -> Tuple[List[OnnxNode], Dict[str, np.ndarray]]:
    """Nodes (in graph order) and initializers (name -> array) of an ONNX file."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as err:
        raise FileNotFoundError(f'read_onnx_graph: cannot read "{path}": {err}') from err
    graph = None
    try:
        for num, wire, val in _fields(data):
            if num == 7 and wire == 2:
                graph = val
    except (IndexError, ValueError) as err:
        raise ValueError(f'read_onnx_graph: "{path}" is not a valid ONNX file: {err}') from err
    if graph is None:
        raise ValueError(f'read_onnx_graph: "{path}" has no graph (not an ONNX model?)')
    nodes, inits = [], {}
    for num, _, val in _fields(graph):
        if num == 1:
            nodes.append(_node(val))
        elif num == 5:
            name, arr = _tensor(val)
            inits[name] = arr
    return nodes, inits


def conv_nodes(path: str) -> List[Tuple[OnnxNode, np.ndarray, Optional[np.ndarray]]]:
    """(node, weight OIHW, bias or None) of every Conv node, in graph order."""
    nodes, inits = read_onnx_graph(path)
    out = []
    for n in nodes:
        if n.op_type == 'Conv':
            b = inits[n.inputs[2]] if len(n.inputs) > 2 and n.inputs[2] in inits else None
            out.append((n, inits[n.inputs[1]], b))
    return out


def conv_weights(path: str) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(weight OIHW, bias) of every Conv node, in graph order (zero bias
    where a node has none)."""
    return [(w, b if b is not None else np.zeros(w.shape[0], w.dtype))
            for _, w, b in conv_nodes(path)]
