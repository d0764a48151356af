"""TF.js weights reader: dequantisation on the real face-api manifest and
small hand-made manifests."""
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.models.utils.tfjs_weights import dequantize, read_tfjs_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
FACE_API = osp.join(ROOT, 'checkpoints', 'face-api', 'face_landmark_68_model-weights_manifest.json')
needs_face_api = pytest.mark.skipif(
    not osp.isfile(FACE_API), reason='checkpoints/face-api not bundled')


@needs_face_api
def test_real_manifest_dequantises_every_tensor():
    manifest = json.load(open(FACE_API))
    entries = manifest[0]['weights']
    ws = read_tfjs_weights(FACE_API)
    assert list(ws) == [e['name'] for e in entries]  # manifest order kept
    raw = np.fromfile(osp.join(osp.dirname(FACE_API), manifest[0]['paths'][0]), np.uint8)
    offset = 0
    for e in entries:
        q = e['quantization']
        count = int(np.prod(e['shape']))
        expect = raw[offset:offset + count].astype(np.float64) * q['scale'] + q['min']
        offset += count
        arr = ws[e['name']]
        assert arr.shape == tuple(e['shape']) and arr.dtype == np.float32
        np.testing.assert_allclose(arr.ravel(), expect, rtol=1e-6, atol=1e-6)
        # every value lies on the quantisation grid between min and min + 255 scale
        assert arr.min() >= q['min'] - 1e-6 and arr.max() <= q['min'] + 255 * q['scale'] + 1e-5
    assert offset == raw.size  # all bytes used, none left
    total = sum(int(np.prod(e['shape'])) for e in entries)
    assert 350_000 < total < 360_000  # the published ~357 k parameters


def _write(tmp_path, weights, payload: bytes):
    (tmp_path / 'w.bin').write_bytes(payload)
    path = tmp_path / 'm.json'
    path.write_text(json.dumps([dict(paths=['w.bin'], weights=weights)]))
    return str(path)


def test_uint8_float16_and_plain_entries(tmp_path):
    q = np.array([0, 1, 255, 128], np.uint8)
    h = np.array([1.5, -2.25], np.float16)
    f = np.array([3.0], np.float32)
    path = _write(tmp_path, [
        dict(
            name='a',
            shape=[2, 2],
            dtype='float32',
            quantization=dict(dtype='uint8', scale=0.5, min=-1.0)),
        dict(name='b', shape=[2], dtype='float32', quantization=dict(dtype='float16')),
        dict(name='c', shape=[], dtype='float32'),
    ],
                  q.tobytes() + h.tobytes() + f.tobytes())
    ws = read_tfjs_weights(path)
    np.testing.assert_allclose(ws['a'], [[-1.0, -0.5], [126.5, 63.0]])
    np.testing.assert_allclose(ws['b'], [1.5, -2.25])
    assert ws['c'].shape == () and float(ws['c']) == 3.0
    np.testing.assert_allclose(
        dequantize(np.array([2], np.uint16), dict(dtype='uint16', scale=2.0, min=1.0)), [5.0])


def test_short_or_long_shards_are_refused(tmp_path):
    w = [
        dict(
            name='a',
            shape=[4],
            dtype='float32',
            quantization=dict(dtype='uint8', scale=1.0, min=0.0))
    ]
    with pytest.raises(ValueError, match='"a" runs past the end'):
        read_tfjs_weights(_write(tmp_path, w, b'\x00\x01'))
    with pytest.raises(ValueError, match='hold 6 bytes, the entries use 4'):
        read_tfjs_weights(_write(tmp_path, w, b'\x00' * 6))


def test_bad_manifests(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        read_tfjs_weights(str(tmp_path / 'nope.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps({'weights': []}))
    with pytest.raises(ValueError, match='bad.json: not a TF.js weights manifest'):
        read_tfjs_weights(str(bad))
    with pytest.raises(ValueError, match='dtype "complex64" not supported'):
        read_tfjs_weights(_write(tmp_path, [dict(name='z', shape=[1], dtype='complex64')], b''))
