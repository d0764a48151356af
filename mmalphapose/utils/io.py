"""One atomic-write helper: a file is either its old content or its complete
new content, never a truncated one (a full disk, a kill, two writers).

The data goes to a temporary file in the same folder, is flushed to disk
(``fsync``) and then renamed over the target (``os.replace``, atomic on
POSIX). On any error the temporary file is removed and the target is left
as it was.
"""
import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import IO, Any, Callable, Iterator, Union


@contextlib.contextmanager
def atomic_open(path: Union[str, os.PathLike],
                mode: str = 'wb',
                durable: bool = True) -> Iterator[IO]:
    """A file object to write ``path`` atomically (``'wb'`` or ``'w'``).

    ``durable=False`` skips the ``fsync`` (still atomic against a kill or a
    concurrent reader, not against a power cut): for many small files.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f'atomic_open: mode must be "w" or "wb", got "{mode}"')
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, mode, **({} if 'b' in mode else dict(encoding='utf-8'))) as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def atomic_write_bytes(path: Union[str, os.PathLike], data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, 'wb', durable) as f:
        f.write(data)


def atomic_write_text(path: Union[str, os.PathLike], text: str, durable: bool = True) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, 'w', durable) as f:
        f.write(text)


def atomic_write_json(path: Union[str, os.PathLike],
                      obj: Any,
                      durable: bool = True,
                      **dump_kwargs) -> None:
    """Write ``obj`` as JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, **dump_kwargs), durable)


def atomic_save(path: Union[str, os.PathLike], save: Callable[[str], Any]) -> None:
    """Atomically write ``path`` with a function that writes a file path,
    e.g. ``atomic_save(p, lambda tmp: torch.onnx.export(model, x, tmp))``."""
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        save(tmp)
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def load_json(path: Union[str, os.PathLike], what: str = 'JSON file') -> Any:
    """``json.load`` of ``path`` with errors that name the file.

    Raises:
        FileNotFoundError / IsADirectoryError: no such file / a folder.
        ValueError: not UTF-8, or not valid JSON (with line and column: a
            truncated file ends early).
    """
    from .errors import require_file
    path = require_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except UnicodeDecodeError:
        raise ValueError(f'{what} "{path}" is not a UTF-8 text file') from None
    except json.JSONDecodeError as exc:
        size = osp.getsize(path)
        cut = ' (the file ends there: truncated?)' if exc.pos >= size - 1 else ''
        raise ValueError(f'{what} "{path}" is not valid JSON: {exc.msg} at line {exc.lineno} '
                         f'column {exc.colno}{cut}') from None


CHECKSUM_SUFFIX = '.sha256.json'


def file_checksum(path: Union[str, os.PathLike]) -> dict:
    """``dict(size=bytes, sha256=hex)`` of a file."""
    import hashlib
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return dict(size=osp.getsize(path), sha256=digest.hexdigest())


def write_checksum(path: Union[str, os.PathLike]) -> str:
    """Write ``<path>.sha256.json`` (size and SHA-256) beside a file, atomically;
    returns its path. :func:`verify_checksum` checks the file against it."""
    side = os.fspath(path) + CHECKSUM_SUFFIX
    atomic_write_json(side, file_checksum(path))
    return side


def verify_checksum(path: Union[str, os.PathLike]) -> bool:
    """Whether ``path`` exists and matches the size and SHA-256 written beside
    it by :func:`write_checksum` (False when either file is missing or
    unreadable: a cache entry to rebuild)."""
    path = os.fspath(path)
    try:
        with open(path + CHECKSUM_SUFFIX, encoding='utf-8') as f:
            want = json.load(f)
        if not isinstance(want, dict) or osp.getsize(path) != want.get('size'):
            return False
        return file_checksum(path)['sha256'] == want.get('sha256')
    except (OSError, ValueError):
        return False


_PATCHED = {}


def enable_atomic_checkpoint_saving() -> None:
    """Make mmengine write local files (``Runner.save_checkpoint``'s
    ``epoch_N.pth``, ``last_checkpoint``) through :func:`atomic_open`: a full
    disk or a kill leaves the previous file, never a truncated checkpoint
    that fails to load later. Idempotent; ``tools/train.py`` calls it."""
    if _PATCHED:
        return
    from mmengine.fileio.backends.local_backend import LocalBackend

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(filepath, obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write_bytes(filepath, obj.encode(encoding))

    _PATCHED['put'], _PATCHED['put_text'] = LocalBackend.put, LocalBackend.put_text
    LocalBackend.put, LocalBackend.put_text = put, put_text


__all__ = [
    'atomic_open', 'atomic_write_bytes', 'atomic_write_text', 'atomic_write_json', 'atomic_save',
    'enable_atomic_checkpoint_saving', 'load_json', 'file_checksum', 'write_checksum',
    'verify_checksum'
]
