"""mmalphapose.utils.io: atomic writes, checksums, JSON reading."""
import os

import pytest

from mmalphapose.utils.io import (atomic_open, atomic_save, atomic_write_bytes, file_checksum,
                                  load_json, verify_checksum, write_checksum)


def test_atomic_writes_leave_the_old_file_on_error(tmp_path):
    path = tmp_path / 'a.bin'
    atomic_write_bytes(path, b'old')
    with pytest.raises(RuntimeError):
        with atomic_open(path, 'wb') as f:
            f.write(b'half')
            raise RuntimeError('disk full')
    assert path.read_bytes() == b'old' and os.listdir(tmp_path) == ['a.bin']

    def bad_save(tmp):
        open(tmp, 'wb').write(b'partial')
        raise OSError(28, 'No space left on device')

    with pytest.raises(OSError):
        atomic_save(path, bad_save)
    assert path.read_bytes() == b'old' and os.listdir(tmp_path) == ['a.bin']
    atomic_save(path, lambda tmp: open(tmp, 'wb').write(b'new'))
    assert path.read_bytes() == b'new' and oct(path.stat().st_mode & 0o777) != '0o600'
    with pytest.raises(ValueError):
        with atomic_open(path, 'ab'):
            pass


def test_checksums_find_truncated_and_changed_files(tmp_path):
    path = tmp_path / 'm.onnx'
    path.write_bytes(b'0123456789')
    assert not verify_checksum(path)  # nothing written beside it yet
    write_checksum(path)
    assert verify_checksum(path) and file_checksum(path)['size'] == 10
    path.write_bytes(b'01234')
    assert not verify_checksum(path)
    path.write_bytes(b'0123456780')  # same size, other bytes
    assert not verify_checksum(path)
    (tmp_path / 'm.onnx.sha256.json').write_text('{trunc')
    assert not verify_checksum(path)


def test_load_json_names_file_line_and_column(tmp_path):
    path = tmp_path / 'r.json'
    path.write_text('[{"a": 1}, {"b": ')
    with pytest.raises(
            ValueError,
            match=r'r.json" is not valid JSON: .* line 1 column 18 '
            r'\(the file ends there: truncated\?\)'):
        load_json(path, 'results')
    path.write_bytes(b'\xff\xfe')
    with pytest.raises(ValueError, match='not a UTF-8 text file'):
        load_json(path)
    with pytest.raises(IsADirectoryError):
        load_json(tmp_path)
    path.write_text('{"a": [1, 2]}')
    assert load_json(path) == {'a': [1, 2]}
