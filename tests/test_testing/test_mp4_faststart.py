"""mmalphapose.testing.mp4_faststart: moov before mdat, offsets shifted."""
import struct

import cv2
import numpy as np
import pytest

from mmalphapose.testing import faststart


def _atoms(data: bytes):
    out, i = [], 0
    while i + 8 <= len(data):
        size, kind = struct.unpack('>I4s', data[i:i + 8])
        out.append(kind)
        i += size
    return out


def _frames(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            return frames
        frames.append(f)


def test_faststart_moves_the_index_and_keeps_the_frames(tmp_path):
    src = tmp_path / 'a.mp4'
    writer = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*'mp4v'), 5, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(4):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    data = src.read_bytes()
    kinds = _atoms(data)
    assert kinds.index(b'mdat') < kinds.index(b'moov')  # OpenCV writes the index last
    fast = faststart(data)
    assert len(fast) == len(data)
    kinds = _atoms(fast)
    assert kinds.index(b'moov') < kinds.index(b'mdat')
    dst = tmp_path / 'b.mp4'
    dst.write_bytes(fast)
    a, b = _frames(src), _frames(dst)
    assert len(a) == len(b) == 4
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert faststart(fast) == fast  # already fast-start: unchanged


def test_faststart_without_index_is_a_clear_error():
    with pytest.raises(ValueError, match='moov'):
        faststart(struct.pack('>I4s', 8, b'free'))
