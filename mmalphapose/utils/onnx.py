"""One way to open the bundled ONNX models (with onnxruntime, or with
OpenVINO where ``utils/openvino.py`` chooses it), the one choice of
execution providers for a device string, and where the networks
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
#: the graph passes of every export (:func:`apply_export_passes`; part of its cache key, so
#: a cache entry written before a pass was added is exported again)
EXPORT_PASSES = 'fold-pads'


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


def _constant_value(model, name: str, producers: dict, initializers: dict):
    """The value of tensor ``name`` of ``model``'s graph when it depends on constants
    only (initializers, ``Constant`` nodes and ops on them), evaluated with
    onnx's reference evaluator; ``None`` when it depends on a graph input."""
    import onnx
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator
    if name in initializers:
        return numpy_helper.to_array(initializers[name])
    needed, todo = set(), [name]
    while todo:
        tensor = todo.pop()
        if not tensor or tensor in initializers:
            continue
        node = producers.get(tensor)
        if node is None:  # a graph input
            return None
        if id(node) not in needed:
            needed.add(id(node))
            todo.extend(node.input)
    nodes = [n for n in model.graph.node if id(n) in needed]  # graph order is topological
    used = {i for n in nodes for i in n.input if i in initializers}
    sub = helper.make_graph(nodes, 'constant', [],
                            [helper.make_tensor_value_info(name, onnx.TensorProto.UNDEFINED, None)],
                            [initializers[i] for i in sorted(used)])
    return ReferenceEvaluator(helper.make_model(sub,
                                                opset_imports=model.opset_import)).run(None, {})[0]


def fold_pads_into_convs(model) -> int:
    """Fold each zero ``Pad`` whose only reader is a ``Conv`` into that conv's
    own ``pads`` (in place; ONNX ``Conv`` takes begin and end pads per axis,
    so TensorFlow's ``SAME`` bottom / right padding of
    ``models/backbones/movenet_fpn.py``'s ``SamePadConv`` fits).

    The exporter writes ``F.pad`` as a ``Pad`` fed by a chain of constant
    ops, which onnxruntime neither folds nor fuses: on the CPU each such
    ``Pad`` copies its input out of and back into onnxruntime's blocked
    layout. The outputs are unchanged (bit-identical on the bundled
    students); the whole-body student's network ran 1.2-1.4x faster.

    Args:
        model: an ``onnx.ModelProto``.

    Returns:
        how many ``Pad`` nodes were folded.
    """
    import numpy as np
    from onnx import helper
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    initializers = {t.name: t for t in graph.initializer}
    readers: dict = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    outputs = {o.name for o in graph.output}
    folded = []
    for pad in graph.node:
        conv = readers.get(pad.output[0], []) if pad.op_type == 'Pad' else []
        if len(conv) != 1 or conv[0].op_type != 'Conv' or pad.output[0] in outputs:
            continue
        conv = conv[0]
        attrs = {a.name: a for a in pad.attribute}
        conv_attrs = {a.name: a for a in conv.attribute}
        if attrs.get('mode') is not None and attrs['mode'].s not in (b'constant', ):
            continue
        if conv_attrs.get('auto_pad') is not None and conv_attrs['auto_pad'].s not in (b'',
                                                                                       b'NOTSET'):
            continue
        if len(pad.input) > 3 and pad.input[3]:  # opset 18 axes
            continue
        if len(pad.input) < 2:  # opset < 11: pads and value are attributes
            pads = list(attrs['pads'].ints) if 'pads' in attrs else None
            value = attrs['value'].f if 'value' in attrs else 0.0
        else:
            pads = _constant_value(model, pad.input[1], producers, initializers)
            value = 0.0
            if len(pad.input) > 2 and pad.input[2]:
                value = _constant_value(model, pad.input[2], producers, initializers)
        if pads is None or value is None or np.any(np.asarray(value) != 0):
            continue
        pads = [int(p) for p in np.asarray(pads).reshape(-1)]
        rank = len(pads) // 2
        begin, end = pads[:rank], pads[rank:]
        if rank < 3 or any(p < 0 for p in pads) or any(begin[:2]) or any(end[:2]):
            continue  # only the spatial axes of an (N, C, ...) input
        spatial = rank - 2
        own = list(conv_attrs['pads'].ints) if 'pads' in conv_attrs else [0] * (2 * spatial)
        merged = [a + b for a, b in zip(own, begin[2:] + end[2:])]
        if 'pads' in conv_attrs:
            conv.attribute.remove(conv_attrs['pads'])
        conv.attribute.append(helper.make_attribute('pads', merged))
        conv.input[0] = pad.input[0]
        folded.append(pad)
    for pad in folded:
        graph.node.remove(pad)
    _drop_unread(graph, [name for pad in folded for name in pad.input[1:] if name], producers)
    return len(folded)


def _drop_unread(graph, names: Sequence[str], producers: dict) -> None:
    """Remove the tensors ``names`` (the folded pads' pads / value inputs)
    and what computed them, as far as nothing else reads it: their
    producing nodes, up their constant chains, and initializers."""
    read: dict = {}
    for node in graph.node:
        for name in node.input:
            read[name] = read.get(name, 0) + 1
    for out in graph.output:
        read[out.name] = read.get(out.name, 0) + 1
    initializers = {t.name: t for t in graph.initializer}
    todo, removed = list(names), set()
    while todo:
        name = todo.pop()
        if read.get(name, 0):
            continue
        node = producers.get(name)
        if node is not None and id(node) not in removed and \
                not any(read.get(o, 0) for o in node.output):
            removed.add(id(node))
            graph.node.remove(node)
            for i in node.input:
                if i:
                    read[i] -= 1
                    todo.append(i)
        elif node is None and name in initializers:
            graph.initializer.remove(initializers.pop(name))


def apply_export_passes(path: str) -> None:
    """Run the graph passes of :data:`EXPORT_PASSES` on the exported ONNX
    file ``path``, in place (the exports call it on their temporary file,
    before it is moved into the cache)."""
    import onnx
    graph = onnx.load(path)
    if fold_pads_into_convs(graph):
        onnx.save(graph, path)


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
                        device: str = 'cpu',
                        engine: str = 'onnxruntime') -> Any:
    """An onnxruntime session for ``model_path``, or OpenVINO's compiled
    model behind the same interface (``utils.openvino.OpenVinoSession``).

    Relative paths are tried against the cwd, then the package resources (so
    the bundled ``checkpoints/*.onnx`` work from any directory).

    Args:
        model_path: the ``.onnx`` file.
        owner: the class opening it, named in error messages.
        num_threads: intra-op threads; 0 keeps onnxruntime's default.
        device: ``'cpu'`` or ``'cuda[:i]'`` (:func:`onnx_providers`).
        engine: ``'onnxruntime'``, ``'openvino'`` or ``'auto'``
            (``utils.openvino.resolve_engine``: OpenVINO on a CPU that runs
            bfloat16, where it is installed).

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: the file is not an ONNX model the engine can load.
    """
    from mmalphapose.utils.resources import resolve_resource
    try:
        model_path = resolve_resource(model_path, 'model file')
    except FileNotFoundError:
        raise FileNotFoundError(f'{owner}: model file "{model_path}" not found '
                                '(cwd and package resources)') from None
    from .openvino import OpenVinoSession, resolve_engine
    openvino = resolve_engine(engine, device) == 'openvino'
    if not openvino:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover
            raise ImportError(f'{owner} needs onnxruntime (pip install onnxruntime)') from exc
        opts = ort.SessionOptions()
        if num_threads > 0:
            opts.intra_op_num_threads = num_threads
    try:
        if openvino:
            return OpenVinoSession(model_path, num_threads)
        return ort.InferenceSession(model_path, sess_options=opts, providers=onnx_providers(device))
    except Exception as exc:  # onnxruntime's Fail / InvalidProtobuf, OpenVINO's ValueError...
        from .errors import ModelFileError, one_line
        raise ModelFileError(f'{owner}: "{model_path}" is not a valid ONNX model '
                             f'({one_line(exc)})') from exc
