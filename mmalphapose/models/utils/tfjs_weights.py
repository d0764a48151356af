"""Read TensorFlow.js weights (a ``weightsManifest`` + its ``.bin`` shards).

The format (TF.js "weights-only" models such as face-api's
``*-weights_manifest.json``, and the ``weightsManifest`` of graph models): a
list of groups, each ``{"paths": [shard files], "weights": [entries]}``; an
entry is ``{"name", "shape", "dtype"[, "quantization"]}``. A group's shards are
concatenated and its tensors follow one another in entry order, little-endian.
A quantised entry stores ``quantization.dtype`` values (uint8 / uint16 /
float16); integer ones are widened as ``value = q * scale + min``.
"""
import json
import os.path as osp
from collections import OrderedDict
from typing import List, Union

import numpy as np

_PLAIN = {
    'float32': np.float32,
    'int32': np.int32,
    'bool': np.bool_,
    'uint8': np.uint8,
    'float16': np.float16,
    'int64': np.int64
}
_QUANT = {'uint8': np.uint8, 'uint16': np.uint16, 'float16': np.float16}


def dequantize(raw: np.ndarray, quantization: dict) -> np.ndarray:
    """float32 values of quantised storage: float16 is widened, uint8 /
    uint16 become ``q * scale + min``."""
    if quantization['dtype'] == 'float16':
        return raw.astype(np.float32)
    return (raw.astype(np.float32) * np.float32(quantization['scale']) +
            np.float32(quantization['min']))


def read_tfjs_weights(manifest: Union[str, List[dict]],
                      base_dir: str = '') -> 'OrderedDict[str, np.ndarray]':
    """Decode every tensor of a TF.js weights manifest, in manifest order.

    Args:
        manifest: the manifest file (its folder holds the shards) or the
            already-parsed list of groups (then give ``base_dir``).
        base_dir: folder of the shard files when ``manifest`` is a list.

    Returns:
        name -> array with the entry's shape (float32 for quantised floats).

    Raises:
        ValueError: naming the file and entry when an entry is malformed or the
            shards are shorter or longer than the entries need.
    """
    where = '<manifest>'
    if isinstance(manifest, str):
        where = manifest
        if not osp.isfile(manifest):
            raise FileNotFoundError(f'TF.js weights manifest "{manifest}" not found')
        base_dir = osp.dirname(osp.abspath(manifest))
        with open(manifest, 'r', encoding='utf-8') as f:
            manifest = json.load(f)
    if not isinstance(manifest, list) or not all(
            isinstance(g, dict) and 'paths' in g and 'weights' in g for g in manifest):
        raise ValueError(f'{where}: not a TF.js weights manifest (a list of '
                         '{"paths", "weights"} groups)')
    out: 'OrderedDict[str, np.ndarray]' = OrderedDict()
    for group in manifest:
        shards = []
        for p in group['paths']:
            path = osp.join(base_dir, p)
            if not osp.isfile(path):
                raise FileNotFoundError(f'{where}: weights shard "{path}" not found')
            with open(path, 'rb') as f:
                shards.append(f.read())
        buf = b''.join(shards)
        offset = 0
        for w in group['weights']:
            name = w.get('name', '?')
            try:
                shape = [int(s) for s in w['shape']]
                dtype = w['dtype']
            except (KeyError, TypeError, ValueError):
                raise ValueError(f'{where}: weight "{name}" lacks a valid "shape"/"dtype"') \
                    from None
            count = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q:
                if q.get('dtype') not in _QUANT:
                    raise ValueError(f'{where}: weight "{name}": quantization dtype '
                                     f'"{q.get("dtype")}" not supported')
                store = np.dtype(_QUANT[q['dtype']]).newbyteorder('<')
            else:
                if dtype not in _PLAIN:
                    raise ValueError(f'{where}: weight "{name}": dtype "{dtype}" not supported')
                store = np.dtype(_PLAIN[dtype]).newbyteorder('<')
            nbytes = count * store.itemsize
            if offset + nbytes > len(buf):
                raise ValueError(f'{where}: weight "{name}" runs past the end of the shards '
                                 f'{group["paths"]} ({offset + nbytes} > {len(buf)} bytes)')
            raw = np.frombuffer(buf, store, count, offset)
            offset += nbytes
            arr = dequantize(raw, q) if q else raw.astype(store.newbyteorder('='))
            out[name] = arr.reshape(shape)
        if offset != len(buf):
            raise ValueError(f'{where}: shards {group["paths"]} hold {len(buf)} bytes, '
                             f'the entries use {offset}')
    return out
