"""Rewrite an MP4 so that its index (``moov`` atom) comes before the media
data (``mdat``), as ``ffmpeg -movflags faststart`` does: the layout of
streamed MP4 files, which some readers handle differently from OpenCV's
default output (index at the end)."""
import struct

CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl', b'edts', b'dinf', b'udta'}


def _shift_offsets(buf: bytearray, start: int, end: int, delta: int) -> None:
    """Add ``delta`` to every chunk offset (``stco`` / ``co64``) in ``buf[start:end]``."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack('>I4s', buf[i:i + 8])
        if size < 8:
            break
        if kind in CONTAINERS:
            _shift_offsets(buf, i + 8, i + size, delta)
        elif kind == b'stco':
            n = struct.unpack('>I', buf[i + 12:i + 16])[0]
            for j in range(n):
                p = i + 16 + 4 * j
                buf[p:p + 4] = struct.pack('>I', struct.unpack('>I', buf[p:p + 4])[0] + delta)
        elif kind == b'co64':
            n = struct.unpack('>I', buf[i + 12:i + 16])[0]
            for j in range(n):
                p = i + 16 + 8 * j
                buf[p:p + 8] = struct.pack('>Q', struct.unpack('>Q', buf[p:p + 8])[0] + delta)
        i += size


def faststart(data: bytes) -> bytes:
    """The bytes of an MP4 file with its ``moov`` atom moved in front of ``mdat``.

    Args:
        data: a complete MP4 file with top-level ``moov`` and ``mdat`` atoms.

    Returns:
        the same atoms, ``moov`` first, with the chunk offsets shifted by its
        size; ``data`` unchanged when ``moov`` already precedes ``mdat``.

    Raises:
        ValueError: when ``data`` has no ``moov`` atom.
    """
    atoms, i = [], 0
    while i + 8 <= len(data):
        size, kind = struct.unpack('>I4s', data[i:i + 8])
        if size < 8:
            break
        atoms.append((kind, data[i:i + size]))
        i += size
    kinds = [kind for kind, _ in atoms]
    if b'moov' not in kinds:
        raise ValueError('faststart: the data has no moov atom (not a complete MP4 file)')
    if b'mdat' not in kinds or kinds.index(b'moov') < kinds.index(b'mdat'):
        return bytes(data)  # already fast-start
    moov = bytearray(dict(atoms)[b'moov'])
    _shift_offsets(moov, 8, len(moov), len(moov))
    out = b''
    for kind, blob in atoms:
        if kind == b'mdat':
            out += bytes(moov)
        if kind != b'moov':
            out += blob
    return out
