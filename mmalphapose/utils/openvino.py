"""OpenVINO as a second engine for the ONNX networks (the pose backends',
the bundled detector's): on a CPU with bfloat16 arithmetic (AVX512-BF16 or
AMX) it runs them in bfloat16, which onnxruntime's CPU provider cannot.

:class:`OpenVinoSession` opens an ``.onnx`` file with OpenVINO's CPU plugin
and answers the part of onnxruntime's ``InferenceSession`` interface the
project uses (``get_inputs`` / ``get_outputs`` with ``.name``, ``run(names,
feeds)``, ``get_providers``), so the code that reads a session does not
change with the engine. :func:`resolve_engine` is the one choice between the
two engines (``'auto'``: OpenVINO where it is installed and the CPU has
bfloat16, else onnxruntime; on such CPUs OpenVINO in float32 measured no
faster than onnxruntime, ``docs/speed.md``).
"""
import functools
import os
from typing import Dict, List, Optional, Sequence

import numpy as np

#: the engines of :func:`resolve_engine`
ENGINES = ('auto', 'onnxruntime', 'openvino')
#: the environment variable that overrides ``'auto'`` (``onnxruntime`` or ``openvino``)
ENGINE_ENV = 'MMALPHAPOSE_ONNX_ENGINE'
#: OpenVINO's inference precisions (``'auto'``: bf16 where the CPU has it)
PRECISIONS = ('auto', 'bf16', 'f32')


@functools.lru_cache(maxsize=1)
def openvino_cpu_capabilities() -> tuple:
    """OpenVINO's CPU plugin's ``OPTIMIZATION_CAPABILITIES`` (e.g. ``('BF16',
    'FP32', 'INT8', ...)``); empty when OpenVINO is not installed or has no
    CPU plugin."""
    try:
        import openvino as ov
        return tuple(ov.Core().get_property('CPU', 'OPTIMIZATION_CAPABILITIES'))
    except Exception:  # ImportError, or a build without the CPU plugin
        return ()


def cpu_has_bf16() -> bool:
    """Whether OpenVINO runs bfloat16 natively on this CPU."""
    return 'BF16' in openvino_cpu_capabilities()


def resolve_engine(engine: Optional[str] = 'auto', device: str = 'cpu') -> str:
    """``'onnxruntime'`` or ``'openvino'`` for ``engine``.

    ``'auto'`` (or None): ``$MMALPHAPOSE_ONNX_ENGINE`` when set, else
    OpenVINO on a CPU device where it is installed and runs bfloat16
    (:func:`cpu_has_bf16`), onnxruntime otherwise (GPUs included: their
    providers are onnxruntime's).

    Raises:
        ValueError: an unknown engine, or OpenVINO asked for a CUDA device.
    """
    engine = engine or 'auto'
    if engine == 'auto':
        engine = os.environ.get(ENGINE_ENV) or 'auto'
        if engine not in ENGINES:
            raise ValueError(f'${ENGINE_ENV} must be one of {ENGINES[1:]}, got "{engine}"')
    if engine not in ENGINES:
        raise ValueError(f'ONNX engine must be one of {ENGINES}, got "{engine}"')
    on_cpu = str(device).startswith('cpu')
    if engine == 'auto':
        return 'openvino' if on_cpu and cpu_has_bf16() else 'onnxruntime'
    if engine == 'openvino' and not on_cpu:
        raise ValueError(f'the openvino engine runs on the CPU only, not "{device}"')
    return engine


def _graph_io_names(path: str) -> set:
    """The names of the ONNX graph's inputs and outputs.

    Raises:
        ValueError: the file is not an ONNX protobuf.
    """
    import onnx
    from google.protobuf.message import DecodeError
    try:
        graph = onnx.load(path, load_external_data=False).graph
    except DecodeError as exc:
        raise ValueError(f'not an ONNX protobuf: {str(exc).splitlines()[0]}') from exc
    return {v.name for v in list(graph.input) + list(graph.output)}


class _Port:
    """A graph input or output as onnxruntime describes it: ``name``,
    ``shape`` (None for a dynamic axis) and ``type`` (``'tensor(float)'``...)."""

    def __init__(self, name: str, shape: List[Optional[int]], type_name: str) -> None:
        self.name, self.shape, self.type = name, shape, type_name

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.name!r}, {self.shape}, {self.type!r})'


#: OpenVINO's element types: onnxruntime's type name and the numpy dtype
_TYPES = {
    'f32': ('tensor(float)', np.float32),
    'f16': ('tensor(float16)', np.float16),
    'i32': ('tensor(int32)', np.int32),
    'i64': ('tensor(int64)', np.int64),
    'u8': ('tensor(uint8)', np.uint8),
}


class OpenVinoSession:
    """An ``.onnx`` file compiled by OpenVINO's CPU plugin, with the subset
    of onnxruntime's ``InferenceSession`` interface the project uses.

    Args:
        path: the ``.onnx`` file.
        num_threads: inference threads (0: OpenVINO's default, every core).
        precision: ``'bf16'``, ``'f32'`` or ``'auto'`` (bf16 where the CPU
            has it, :func:`cpu_has_bf16`). In bf16 the convolutions and
            matrix products run in bfloat16 (8-bit mantissa); inputs and
            outputs stay float32.

    The CPU plugin's thread pinning is off: the pose and detector stages run
    their networks side by side with torch's threads in one process, and
    pinned threads would be held to cores the others also use.
    """

    def __init__(self, path: str, num_threads: int = 0, precision: str = 'auto') -> None:
        import openvino as ov
        if precision not in PRECISIONS:
            raise ValueError(f'OpenVINO precision must be one of {PRECISIONS}, got "{precision}"')
        if precision == 'auto':
            precision = 'bf16' if cpu_has_bf16() else 'f32'
        config = {
            'PERFORMANCE_HINT': 'LATENCY',
            'INFERENCE_PRECISION_HINT': precision,
            'ENABLE_CPU_PINNING': False,
        }
        if num_threads > 0:
            config['INFERENCE_NUM_THREADS'] = int(num_threads)
        # read as ONNX first: OpenVINO tries its other frontends on a file that is not, and
        # those write their parse errors to stderr
        onnx_names = _graph_io_names(path)
        core = ov.Core()
        self._ov, self.path, self.precision = ov, path, precision
        self.compiled = core.compile_model(core.read_model(path), 'CPU', config)
        self.request = self.compiled.create_infer_request()
        self._inputs = [self._port(p, onnx_names) for p in self.compiled.inputs]
        self._outputs = [self._port(p, onnx_names) for p in self.compiled.outputs]
        self._out_dtype = [_TYPES.get(p.get_element_type().get_type_name(), (None, None))[1]
                           for p in self.compiled.outputs]
        self._out_index = {}
        for i, port in enumerate(self.compiled.outputs):
            for name in port.get_names():
                self._out_index.setdefault(name, i)

    @staticmethod
    def _port(port, onnx_names: set) -> _Port:
        names = port.get_names()
        # the ONNX graph's name: OpenVINO adds aliases (e.g. the producing node's output name)
        name = next(iter(sorted(names & onnx_names)), port.any_name)
        shape = [d.get_length() if d.is_static else None for d in port.get_partial_shape()]
        kind = port.get_element_type().get_type_name()
        return _Port(name, shape, _TYPES.get(kind, (f'tensor({kind})', None))[0])

    def get_inputs(self) -> List[_Port]:
        return list(self._inputs)

    def get_outputs(self) -> List[_Port]:
        return list(self._outputs)

    def get_providers(self) -> List[str]:
        return [f'OpenVINO CPU ({self.precision})']

    def run(self, output_names: Optional[Sequence[str]],
            feeds: Dict[str, np.ndarray]) -> List[np.ndarray]:
        """onnxruntime's ``run``: the outputs named (None: all, in the
        graph's order) for the inputs by name, as arrays the caller owns."""
        ports = self.compiled.outputs
        if output_names is None:
            index = list(range(len(ports)))
        else:
            try:
                index = [self._out_index[name] for name in output_names]
            except KeyError as exc:
                raise ValueError(f'{self.path}: no output named {exc.args[0]!r}') from None
        inputs = {name: np.ascontiguousarray(value) for name, value in feeds.items()}
        batch = min((len(v) for v in inputs.values() if v.ndim), default=0)
        outs = {}
        # every output of a known shape is written straight into a new array (one the caller
        # then owns: none the request held before is written again), the others are copied
        for i in range(len(ports)):
            shape = self._out_shape(i, batch)
            if shape is not None:
                outs[i] = np.empty(shape, self._out_dtype[i])  # its memory, not a copy:
                self.request.set_output_tensor(i, self._ov.Tensor(outs[i], shared_memory=True))
        result = self.request.infer(inputs, share_inputs=True)
        return [outs[i] if i in outs else np.array(result[ports[i]], copy=True) for i in index]

    def _out_shape(self, i: int, batch: int) -> Optional[tuple]:
        """Output ``i``'s shape for a batch of ``batch``: its static shape,
        or (batch, ...) when only its first axis is dynamic; None otherwise
        (then the output is copied out of the request)."""
        dims = self._outputs[i].shape
        if self._out_dtype[i] is None or any(d is None for d in dims[1:]):
            return None
        return tuple(dims) if dims and dims[0] is not None else (batch, *dims[1:])
