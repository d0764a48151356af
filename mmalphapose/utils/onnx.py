"""One way to open the bundled ONNX models with onnxruntime, the one
choice of execution providers for a device string, and where the networks
exported at first use are kept (the pose backends' and the part refiner's
face net)."""
import hashlib
import logging
import os
import os.path as osp
from typing import Any, Callable, List, Optional, Sequence, Union

Provider = Union[str, tuple]

#: the environment variable naming the ONNX cache folder
CACHE_ENV = 'MMALPHAPOSE_ONNX_CACHE'
#: the ONNX opset of every export
OPSET = 17


def onnx_cache_dir() -> str:
    """Where exported networks are kept: ``$MMALPHAPOSE_ONNX_CACHE``, else
    ``~/.cache/mmalphapose/onnx``."""
    return os.environ.get(CACHE_ENV) or osp.join(
        osp.expanduser('~'), '.cache', 'mmalphapose', 'onnx')


def weights_digest(module: Any, prefix: str = '') -> str:
    """SHA-256 (hex) of ``prefix`` (what else the export depends on: config,
    torch version, opset, options) and every tensor of ``module``'s state
    dict, names included: the key of its cached export."""
    digest = hashlib.sha256(prefix.encode())
    for key, value in module.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def cached_export(name: str,
                  export: Callable[[str], Any],
                  cache_dir: Optional[str] = None,
                  rebuild: bool = False) -> str:
    """The ONNX cache entry ``name`` (in ``cache_dir``, default
    :func:`onnx_cache_dir`): kept when it matches the size / SHA-256 written
    beside it, else (missing, truncated, corrupt, or ``rebuild``) made by
    ``export(path)`` (which writes it atomically) and its checksum written.

    Returns:
        the entry's path.

    Raises:
        InputError: the cache folder is a file or cannot be created.
    """
    from mmengine.logging import print_log

    from .io import verify_checksum, write_checksum
    from .options import check_out_dir
    cache_dir = cache_dir or onnx_cache_dir()
    check_out_dir(cache_dir, f'the ONNX cache ({CACHE_ENV})')
    path = osp.join(cache_dir, name)
    if not rebuild and verify_checksum(path):
        return path
    if osp.exists(path):
        print_log(
            f'ONNX cache entry "{path}" is corrupt or unverified: exporting it again',
            logger='current',
            level=logging.WARNING)
    export(path)
    write_checksum(path)
    return path


def onnx_providers(device: str = 'cpu',
                   tensorrt: bool = False,
                   available: Optional[Sequence[str]] = None) -> List[Provider]:
    """onnxruntime execution providers for ``device``, best first.

    ``'cpu'``: the CPU provider only. ``'cuda[:i]'``: the CUDA provider on
    GPU ``i`` when installed (``onnxruntime-gpu``), then the CPU provider as
    onnxruntime's fallback for unsupported nodes; with ``tensorrt`` the
    TensorRT provider first (fp16 on, engines cached under
    ``~/.cache/mmalphapose/trt``). Providers missing from ``available``
    (default: ``onnxruntime.get_available_providers()``) are left out.
    """
    device = str(device)
    if not device.startswith('cuda'):
        return ['CPUExecutionProvider']
    if available is None:
        import onnxruntime as ort
        available = ort.get_available_providers()
    idx = int(device.split(':')[1]) if ':' in device else 0
    out: List[Provider] = []
    if tensorrt and 'TensorrtExecutionProvider' in available:
        cache = osp.join(osp.expanduser('~'), '.cache', 'mmalphapose', 'trt')
        os.makedirs(cache, exist_ok=True)
        out.append(('TensorrtExecutionProvider',
                    dict(
                        device_id=idx,
                        trt_fp16_enable=True,
                        trt_engine_cache_enable=True,
                        trt_engine_cache_path=cache)))
    if 'CUDAExecutionProvider' in available:
        out.append(('CUDAExecutionProvider', dict(device_id=idx)))
    return out + ['CPUExecutionProvider']


def create_onnx_session(model_path: str,
                        owner: str,
                        num_threads: int = 0,
                        device: str = 'cpu') -> Any:
    """An onnxruntime CPU session for ``model_path``.

    Relative paths are tried against the cwd, then the package resources (so
    the bundled ``checkpoints/*.onnx`` work from any directory).

    Args:
        model_path: the ``.onnx`` file.
        owner: the class opening it, named in error messages.
        num_threads: intra-op threads; 0 keeps onnxruntime's default.
        device: ``'cpu'`` or ``'cuda[:i]'`` (:func:`onnx_providers`).

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: the file is not an ONNX model onnxruntime can load.
    """
    from mmalphapose.utils.resources import resolve_resource
    try:
        model_path = resolve_resource(model_path, 'model file')
    except FileNotFoundError:
        raise FileNotFoundError(f'{owner}: model file "{model_path}" not found '
                                '(cwd and package resources)') from None
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover
        raise ImportError(f'{owner} needs onnxruntime (pip install onnxruntime)') from exc
    opts = ort.SessionOptions()
    if num_threads > 0:
        opts.intra_op_num_threads = num_threads
    try:
        return ort.InferenceSession(model_path, sess_options=opts, providers=onnx_providers(device))
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        from .errors import ModelFileError, one_line
        raise ModelFileError(f'{owner}: "{model_path}" is not a valid ONNX model '
                             f'({one_line(exc)})') from exc
