"""One way to open the bundled ONNX models with onnxruntime on the CPU."""
from typing import Any


def create_onnx_session(model_path: str, owner: str, num_threads: int = 0) -> Any:
    """An onnxruntime CPU session for ``model_path``.

    Relative paths are tried against the cwd, then the package resources (so
    the bundled ``checkpoints/*.onnx`` work from any directory).

    Args:
        model_path: the ``.onnx`` file.
        owner: the class opening it, named in error messages.
        num_threads: intra-op threads; 0 keeps onnxruntime's default.

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
        return ort.InferenceSession(
            model_path, sess_options=opts, providers=['CPUExecutionProvider'])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        from .errors import ModelFileError, one_line
        raise ModelFileError(f'{owner}: "{model_path}" is not a valid ONNX model '
                             f'({one_line(exc)})') from exc
