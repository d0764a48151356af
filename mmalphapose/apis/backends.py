"""Pose backends: who runs the network's tensor path of a top-down model.

A backend takes a model from :func:`~mmalphapose.apis.init_model` and returns
a model with the same interface (``test_step``, ``dataset_meta``, ``cfg``,
``head.predict``...): :class:`TopdownPredictor`, :func:`inference_topdown`,
:class:`PoseInferencer` and :class:`AlphaPose` use it unchanged.

* ``pytorch``: the model itself.
* ``onnxruntime``: backbone + neck + ``head.forward`` run in one onnxruntime
  session (exported once into a cache, :func:`onnx_cache_dir`); everything
  else stays the model's own Python code: the data preprocessor, flip test
  (the flipped crops go through the same session), ``head.predict`` / codec
  decoding, the mapping to image pixels and the embeddings. So the outputs
  equal PyTorch's up to float rounding of the network (tested).
* ``openvino``: the same export run by OpenVINO's CPU plugin
  (``utils/openvino.py``), in bfloat16 where the CPU has it (AVX512-BF16 /
  AMX): the network about 1.5x faster than onnxruntime's float32 on such a
  CPU, its outputs within bfloat16 rounding (``docs/speed.md``).

The contract with the rest of the model: the runtime model's
``network_runner`` (:class:`~mmalphapose.models.pose_estimators.NetworkRunner`)
is an :class:`OnnxRuntimeNetwork`, which gives the head's raw output and the
network's features (the outputs of ``extract_feat``; empty unless
:func:`model_uses_features` says the model needs them: the pose-guided
identity embedding ``model.embedder``, an ``embedding_head``, or a model
class with ``predict_uses_features = True``). ``TopdownPoseEstimator.predict``
calls its runner and decodes the output with its own head; no method of the
model or its head is replaced.

``'auto'`` (the default of the APIs) picks, for the models of
``model-index.yml`` that have PyTorch weights (the bundled students) on the
CPU, OpenVINO where it is installed and the CPU runs bfloat16
(``utils.openvino.resolve_engine``), else onnxruntime; PyTorch otherwise.
"""
import copy
import json
import logging
import os
import os.path as osp
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from mmalphapose.models.pose_estimators import NetworkOutputs, NetworkRunner, PyTorchRunner
from mmalphapose.registry import POSE_BACKENDS
from mmalphapose.utils.io import atomic_save, verify_checksum
from mmalphapose.utils.onnx import (EXPORT_PASSES, OPSET, apply_export_passes, cached_export,
                                    onnx_cache_dir, weights_digest)

BACKENDS = ('auto', 'pytorch', 'onnxruntime', 'openvino')
#: the backends that run the cached ONNX export
ONNX_BACKENDS = ('onnxruntime', 'openvino')
CALIB_ENV = 'MMALPHAPOSE_CALIB_DATA'

_memory_kept = False


def keep_freed_memory() -> None:
    """Ask glibc to reuse freed blocks instead of returning every large one to
    the kernel (once per process). Without it the pose network's big
    activations are page-faulted in anew on every forward (measured before:
    the MoveNetFPN student's demo went from 1.3 to 2.2 frames/s, system time
    31 -> 12 s). A no-op off glibc."""
    global _memory_kept
    if _memory_kept:
        return
    _memory_kept = True
    try:
        import ctypes
        libc = ctypes.CDLL('libc.so.6')
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def model_uses_features(model) -> bool:
    """Whether ``model.predict`` needs ``extract_feat``'s features beyond the
    head's output (``predict_uses_features`` attribute, else a pose-guided
    ``embedder`` or an ``embedding_head``)."""
    flag = getattr(model, 'predict_uses_features', None)
    if flag is not None:
        return bool(flag)
    return getattr(model, 'embedder', None) is not None or \
        getattr(model, 'embedding_head', None) is not None


def check_exportable(model) -> None:
    """Raise ``ValueError`` naming the reason when ``model`` has no tensor
    path an ONNX session can replace (not a top-down estimator, no weights,
    a head whose ``forward`` does not give one tensor)."""
    import torch
    name = getattr(getattr(model, 'cfg', None), 'filename', None) or type(model).__name__
    for attr in ('extract_feat', 'head', 'test_step'):
        if not hasattr(model, attr):
            raise ValueError(f'pose model "{name}": the onnxruntime backend needs a top-down '
                             f'estimator (no "{attr}")')
    if not any(True for _ in model.parameters()):
        raise ValueError(f'pose model "{name}" has no PyTorch weights to export '
                         '(it runs its own ONNX files)')
    if type(model.head).forward is torch.nn.Module.forward:
        raise ValueError(f'pose model "{name}": its head has no forward')


def export_wrapper(model, with_features: bool):
    """``nn.Module``: inputs (N,3,H,W) -> head output (N,K,h,w) followed by
    the features of ``extract_feat`` when ``with_features``."""
    import torch

    class _Wrapper(torch.nn.Module):

        def __init__(self, net, feats: bool) -> None:
            super().__init__()
            self.net, self.feats = net, feats

        def forward(self, inputs):
            feats = self.net.extract_feat(inputs)
            out = self.net.head.forward(feats)
            if not isinstance(out, torch.Tensor):
                raise ValueError(f'{type(self.net.head).__name__}.forward gives '
                                 f'{type(out).__name__}, not one tensor: not exportable')
            return (out, ) + tuple(feats) if self.feats else (out, )

    return _Wrapper(model, with_features).eval()


def output_names(num_feats: int) -> List[str]:
    """ONNX output names: ``head_out`` then ``feat0``, ``feat1``..."""
    return ['head_out'] + [f'feat{i}' for i in range(num_feats)]


def export_onnx(model,
                path: str,
                with_features: bool = False,
                dynamic_batch: bool = True,
                batch_size: int = 1,
                fp16: bool = False) -> str:
    """Export the tensor path of ``model`` (backbone + neck + head forward)
    to ``path`` (written atomically), zero pads folded into the convs that
    read them (``utils.onnx.apply_export_passes``).

    Args:
        model: a top-down model (eval mode, CPU).
        path: the ``.onnx`` file to write.
        with_features: also output ``extract_feat``'s features.
        dynamic_batch: batch axis dynamic (else fixed to ``batch_size``).
        fp16: export the network in float16 (input and outputs float16).

    Returns:
        ``path``.
    """
    import torch
    check_exportable(model)
    w, h = _input_size(model)
    net = copy.deepcopy(model).cpu().eval() if fp16 else model
    if fp16:
        net = net.half()
    wrapper = export_wrapper(net, with_features)
    dtype = torch.float16 if fp16 else torch.float32
    dummy = torch.zeros(max(1, batch_size), 3, h, w, dtype=dtype)
    with torch.no_grad():
        n_feats = len(wrapper(dummy)) - 1
    names = output_names(n_feats)
    axes = {k: {0: 'batch'} for k in ['input'] + names} if dynamic_batch else None

    def save(tmp: str) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter('ignore')
            torch.onnx.export(
                wrapper, (dummy, ),
                tmp,
                dynamo=False,
                input_names=['input'],
                output_names=names,
                dynamic_axes=axes,
                opset_version=OPSET)
        apply_export_passes(tmp)  # EXPORT_PASSES, in the cache key

    try:
        atomic_save(path, save)
    except ModuleNotFoundError as exc:
        raise ImportError(f'exporting to ONNX needs the "onnx" package ({exc}); '
                          'pip install -r requirements/runtime.txt') from exc
    return path


def _input_size(model) -> Tuple[int, int]:
    """(w, h) of the model's crops (the test pipeline's TopdownAffine)."""
    from mmalphapose.datasets.transforms import TopdownCrop
    return TopdownCrop.from_model(model).input_size


def export_key(model, with_features: bool, fp16: bool = False) -> str:
    """sha256 of what the exported graph depends on: the model config, the
    weights (every tensor of the state dict), torch version, opset, options
    and the graph passes (``utils.onnx.EXPORT_PASSES``)."""
    import torch
    cfg = getattr(getattr(model, 'cfg', None), 'model', None)
    cfg = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    return weights_digest(
        model,
        json.dumps(cfg, sort_keys=True, default=str) +
        f'{torch.__version__}|{OPSET}|{with_features}|{fp16}|{EXPORT_PASSES}')


class OnnxRuntimeNetwork(NetworkRunner):
    """One onnxruntime session running a model's tensor path: the network
    runner of the onnxruntime backend.

    Args:
        path: the exported ``.onnx`` file.
        num_threads: intra-op threads (0: onnxruntime's default).
        device: ``'cpu'`` or ``'cuda[:i]'`` (CUDA provider when installed).
        tensorrt: on ``'cuda'``, the TensorRT provider first when installed
            (``utils.onnx.onnx_providers``).
    """

    name = 'onnxruntime'

    def __init__(self,
                 path: str,
                 num_threads: int = 0,
                 device: str = 'cpu',
                 tensorrt: bool = False) -> None:
        import onnxruntime as ort

        from mmalphapose.utils.onnx import onnx_providers
        opts = ort.SessionOptions()
        if num_threads > 0:
            opts.intra_op_num_threads = int(num_threads)
            opts.inter_op_num_threads = 1
        providers = onnx_providers(device, tensorrt)
        self._bind(path, ort.InferenceSession(path, sess_options=opts, providers=providers))

    def _bind(self, path: str, session) -> None:
        """Run ``session`` (onnxruntime's, or one with its interface) for
        the file ``path``: its input, outputs and providers."""
        self.path, self.session = path, session
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        self.input_dtype = np.float16 if 'float16' in inp.type else np.float32
        self.output_names = [o.name for o in session.get_outputs()]
        self.providers = session.get_providers()

    def run(self, inputs: np.ndarray) -> List[np.ndarray]:
        """(N,3,H,W) float array -> [head_out, *feats] as float32 arrays."""
        arr = np.ascontiguousarray(inputs, dtype=self.input_dtype)
        outs = self.session.run(self.output_names, {self.input_name: arr})
        return [o if o.dtype == np.float32 else o.astype(np.float32) for o in outs]

    def __call__(self, inputs) -> NetworkOutputs:
        """(N,3,H,W) tensor -> the head's raw output and the features, as
        tensors on the input's device."""
        import torch
        device = inputs.device
        outs = [torch.from_numpy(o) for o in self.run(inputs.detach().cpu().numpy())]
        if device.type != 'cpu':
            outs = [o.to(device) for o in outs]
        return NetworkOutputs(outs[0], tuple(outs[1:]))


class OpenVinoNetwork(OnnxRuntimeNetwork):
    """The exported network compiled by OpenVINO's CPU plugin
    (:class:`~mmalphapose.utils.openvino.OpenVinoSession`, onnxruntime's
    session interface): the network runner of the openvino backend.

    Args:
        path: the exported ``.onnx`` file.
        num_threads: inference threads (0: OpenVINO's default).
        precision: ``'auto'`` (bf16 where the CPU has it), ``'bf16'`` or
            ``'f32'``.
    """

    name = 'openvino'

    def __init__(self, path: str, num_threads: int = 0, precision: str = 'auto') -> None:
        from mmalphapose.utils.openvino import OpenVinoSession
        self._bind(path, OpenVinoSession(path, num_threads, precision))


def runtime_model(model, runner: NetworkRunner):
    """A shallow copy of ``model`` (weights and modules shared) whose
    ``network_runner`` is ``runner``; ``model`` itself is not changed."""
    rt = copy.copy(model)
    rt.network_runner = runner
    rt.pose_backend = runner.name
    rt.onnx_network = runner
    return rt


def autocast_dtype(device: str, fp16: Optional[bool] = None):
    """The autocast dtype of the PyTorch backend's network on ``device``:
    ``torch.float16`` on CUDA (``fp16`` None or True), None (float32) on the
    CPU or with ``fp16=False`` (bf16 autocast on the CPU pays only with
    AVX512-BF16 / AMX: ``benchmarks/train_speed.py``)."""
    import torch
    if str(device).startswith('cuda') and fp16 is not False:
        return torch.float16
    return None


def autocast_network(model, dtype) -> None:
    """Run ``model``'s tensor path (``extract_feat`` and ``head.forward``)
    under ``torch.autocast(dtype)`` on its device: its network runner
    becomes a :class:`PyTorchRunner` with ``autocast_dtype``; the head's
    output and the features come back as float32, so decoding and embeddings
    are unchanged. No method of the model is replaced."""
    model.network_runner = PyTorchRunner(model, dtype)


@POSE_BACKENDS.register_module(name='pytorch')
class PyTorchBackend:
    """The model itself, with its 4-D weights in channels-last layout on the
    CPU (the process-wide memory setting too).

    Args:
        channels_last (bool): convert the conv weights to channels-last on
            the CPU: oneDNN then runs the convolutions in NHWC; the values
            are unchanged (outputs equal to 1e-6). Measured on this 2-core
            machine (2 threads, batch 8-16): the Halpe-26 student's network
            1.34x, SimpleBaseline-R50's 1.40x faster (``docs/speed.md``).
            True.
        fp16 (bool, optional): float16 autocast of the network
            (:func:`autocast_dtype`): None = on for a model on CUDA.

    The runtime model's ``default_pose_batch`` is 16 (people per forward
    pass when the caller gives none; best on this 2-core machine, 2 threads:
    33.5 crops/s against 26.8 at 4 and 16.4 at 64, flip on).
    """
    name = 'pytorch'
    default_pose_batch = 16

    def __init__(self, channels_last: bool = True, fp16: Optional[bool] = None, **kwargs) -> None:
        self.channels_last = bool(channels_last)
        self.fp16 = fp16

    def build(self, model):
        """Returns ``model`` itself (converted in place)."""
        import torch
        keep_freed_memory()
        if self.channels_last and all(p.device.type == 'cpu' for p in model.parameters()):
            model.to(memory_format=torch.channels_last)
        params = list(model.parameters())
        dtype = autocast_dtype(str(params[0].device) if params else 'cpu', self.fp16)
        if dtype is not None and getattr(model, 'autocast_dtype', None) is None:
            autocast_network(model, dtype)
        model.autocast_dtype = dtype
        model.pose_backend = 'pytorch'
        model.default_pose_batch = self.default_pose_batch
        return model


@POSE_BACKENDS.register_module(name='onnxruntime')
class OnnxRuntimeBackend:
    """The network in onnxruntime, exported at first use into the cache.

    Args:
        cache_dir: where exports are kept (default :func:`onnx_cache_dir`).
        num_threads: intra-op threads of the session (None/0: torch's current
            thread count, so ``torch.set_num_threads`` / ``--stage-threads``
            apply to both backends).
        device: the model's device string.
        fp16: export in float16 (for GPU providers; slower on most CPUs).
        int8: run the static int8 quantisation of the float32 export
            (:meth:`int8_network`: the cache file written by
            ``tools/deployment/export_onnx.py CONFIG --int8``, checked
            against its size / SHA-256 and quantised again when it is
            missing or does not match, where ``ml_dtypes`` is installed;
            otherwise a one-line error naming that command).
        calib_data: the folder of calibration crops when the int8 network
            has to be quantised here (``people_photos/``, ``videos/*.mp4``:
            ``int8.calibration_crops``; None: ``$MMALPHAPOSE_CALIB_DATA``).
        tensorrt: on CUDA, onnxruntime's TensorRT provider first.

    The runtime model's ``default_pose_batch`` is 4 on the CPU (onnxruntime
    is fastest at small batches there: 2 threads, flip on, 50.0 crops/s at
    2, 48.9 at 4, 42.2 at 16; 4 keeps the session's calls fewer) and 32 on a
    GPU provider.
    """
    name = 'onnxruntime'

    def __init__(self,
                 cache_dir: Optional[str] = None,
                 num_threads: Optional[int] = None,
                 device: str = 'cpu',
                 fp16: bool = False,
                 int8: bool = False,
                 tensorrt: bool = False,
                 calib_data: Optional[str] = None) -> None:
        self.cache_dir = cache_dir or onnx_cache_dir()
        self.calib_data = calib_data or os.environ.get(CALIB_ENV) or None
        self.num_threads, self.device, self.fp16 = num_threads, device, fp16
        self.int8, self.tensorrt = bool(int8), bool(tensorrt)
        if self.int8 and self.fp16:
            raise ValueError('onnxruntime backend: int8 and fp16 exclude each other')

    def onnx_path(self, model, rebuild: bool = False) -> str:
        """The cache file for ``model``: exported when missing, when it does
        not match the size / SHA-256 written beside it (a truncated or
        corrupt entry, ``utils.io.verify_checksum``) or with ``rebuild``.
        The export is written atomically, then its checksum.

        Raises:
            InputError: the cache folder is a file or cannot be created.
        """
        feats = model_uses_features(model)
        key = export_key(model, feats, self.fp16)
        return cached_export(
            f'{key[:32]}.onnx',
            lambda path: export_onnx(model, path, with_features=feats, fp16=self.fp16),
            self.cache_dir, rebuild)

    def int8_path(self, model) -> str:
        """The cache file of ``model``'s int8 network: the float32 export's
        name with ``.int8.onnx`` (:meth:`int8_network` checks or makes it)."""
        key = export_key(model, model_uses_features(model), False)
        return osp.join(self.cache_dir, f'{key[:32]}.int8.onnx')

    def int8_network(self, model) -> str:
        """:meth:`int8_path` once it matches the size / SHA-256 written
        beside it (``utils.io.verify_checksum``). A missing, truncated or
        corrupt file is quantised again here (``int8.quantise_int8``, the
        export tool's defaults, calibrated on :attr:`calib_data`) when the
        quantiser (``ml_dtypes``) and a calibration folder are there.

        Raises:
            FileNotFoundError: one line naming the export tool's command when
                the file is not valid and cannot be made here.
        """
        path = self.int8_path(model)
        if verify_checksum(path):
            return path
        name = getattr(getattr(model, 'cfg', None), 'filename', None) or 'CONFIG'
        state = 'is corrupt or unverified' if osp.exists(path) else 'is missing'
        hint = (f'run python tools/deployment/export_onnx.py {name} --int8 --calib-data DIR '
                '(needs ml_dtypes)')
        from .int8 import quantiser
        try:
            quantiser()
        except ImportError as exc:
            raise FileNotFoundError(f'the int8 network of "{name}" ({path}) {state} and '
                                    f'cannot be quantised here ({exc}): {hint}') from None
        if not self.calib_data or not osp.isdir(self.calib_data):
            raise FileNotFoundError(f'the int8 network of "{name}" ({path}) {state} and no '
                                    f'calibration folder is set ({CALIB_ENV}): {hint}')
        from .int8 import calibration_crops, quantise_int8
        print_log(
            f'int8 network "{path}" {state}: quantising it (calibration: {self.calib_data})',
            logger='current',
            level=logging.WARNING)
        quantise_int8(self.onnx_path(model), path, calibration_crops(model, self.calib_data))
        return path

    def network(self, path: str, threads: int) -> OnnxRuntimeNetwork:
        """The network runner of the ONNX file ``path``."""
        return OnnxRuntimeNetwork(path, threads, self.device, self.tensorrt)

    def build(self, model):
        """The runtime model (see the module docstring)."""
        import torch
        keep_freed_memory()
        check_exportable(model)
        threads = self.num_threads or torch.get_num_threads()
        if self.int8:
            network = self.network(self.int8_network(model), threads)
        else:
            path = self.onnx_path(model)
            try:
                network = self.network(path, threads)
            except Exception as exc:  # the engine's InvalidProtobuf, ... : rebuild once
                print_log(
                    f'ONNX cache entry "{path}" cannot be loaded ({type(exc).__name__}): '
                    'exporting it again',
                    logger='current',
                    level=logging.WARNING)
                network = self.network(self.onnx_path(model, rebuild=True), threads)
        rt = runtime_model(model, network)
        rt.default_pose_batch = 4 if str(self.device).startswith('cpu') else 32
        return rt


@POSE_BACKENDS.register_module(name='openvino')
class OpenVinoBackend(OnnxRuntimeBackend):
    """The onnxruntime backend's export (the same cache entry) run by
    OpenVINO on the CPU (:class:`OpenVinoNetwork`).

    Args:
        cache_dir: where exports are kept (default :func:`onnx_cache_dir`).
        num_threads: inference threads (None/0: torch's current count).
        device: ``'cpu'`` only.
        precision: ``'auto'`` (bfloat16 where the CPU has it, else float32),
            ``'bf16'`` or ``'f32'``.
        fp16 / int8 / tensorrt: not available here (ValueError when True).

    The runtime model's ``default_pose_batch`` is 4 (as onnxruntime's on the
    CPU).
    """
    name = 'openvino'

    def __init__(self,
                 cache_dir: Optional[str] = None,
                 num_threads: Optional[int] = None,
                 device: str = 'cpu',
                 precision: str = 'auto',
                 fp16: bool = False,
                 int8: bool = False,
                 tensorrt: bool = False,
                 calib_data: Optional[str] = None) -> None:
        from mmalphapose.utils.openvino import PRECISIONS, resolve_engine
        resolve_engine('openvino', device)  # ValueError off the CPU
        if precision not in PRECISIONS:
            raise ValueError(f'openvino backend: precision must be one of {PRECISIONS}, '
                             f'got "{precision}"')
        for flag, on in (('fp16', fp16), ('int8', int8), ('tensorrt', tensorrt)):
            if on:
                raise ValueError(f'openvino backend: {flag} is an onnxruntime backend option')
        super().__init__(cache_dir, num_threads, device)
        self.precision = precision

    def network(self, path: str, threads: int) -> OpenVinoNetwork:
        """The network runner of the ONNX file ``path`` (``build`` is the
        onnxruntime backend's: export, cache check, one rebuild; the CPU's
        pose batch 4)."""
        return OpenVinoNetwork(path, threads, self.precision)


def is_bundled(config: Optional[str], checkpoint: Optional[str]) -> bool:
    """True when ``checkpoint`` is the PyTorch weights file a model of
    ``model-index.yml`` lists (the bundled students)."""
    if not checkpoint:
        return False
    from mmalphapose.utils.resources import resource_root
    from .model_index import load_model_index
    root = resource_root()
    target = osp.realpath(checkpoint)
    for entry in load_model_index():
        if entry.task == 'pose' and entry.weights and entry.weights.endswith('.pth') and \
                osp.realpath(str(root / entry.weights)) == target:
            return True
    return False


def resolve_backend(backend: Optional[str],
                    model,
                    device: str = 'cpu',
                    checkpoint: Optional[str] = None) -> str:
    """``'pytorch'``, ``'onnxruntime'`` or ``'openvino'`` for ``backend``
    (``None``/``'auto'``: for a bundled model (:func:`is_bundled`) on the CPU
    whose network can be exported and whose exporter is installed, the ONNX
    engine of ``utils.openvino.resolve_engine``: OpenVINO where it runs
    bfloat16, else onnxruntime; PyTorch otherwise)."""
    backend = backend or 'auto'
    if backend not in BACKENDS:
        raise ValueError(f'pose backend must be one of {BACKENDS}, got "{backend}"')
    if backend != 'auto':
        return backend
    if not str(device).startswith('cpu') or not is_bundled(None, checkpoint):
        return 'pytorch'
    import importlib.util
    if importlib.util.find_spec('onnx') is None or \
            importlib.util.find_spec('onnxruntime') is None:
        return 'pytorch'
    try:
        check_exportable(model)
    except ValueError:
        return 'pytorch'
    from mmalphapose.utils.openvino import resolve_engine
    return resolve_engine('auto', device)


def build_pose_backend(model,
                       backend: Optional[str] = 'auto',
                       device: str = 'cpu',
                       checkpoint: Optional[str] = None,
                       **kwargs):
    """``model`` run by ``backend`` (see :func:`resolve_backend`); extra
    keyword arguments go to the backend class (``num_threads``,
    ``cache_dir``, ``fp16``, ``int8``, ``tensorrt``; OpenVINO:
    ``precision``; PyTorch: ``fp16``)."""
    if getattr(model, 'pose_backend', None) in ONNX_BACKENDS:
        return model  # already a runtime model
    name = resolve_backend(backend, model, device, checkpoint)
    if name in ONNX_BACKENDS:
        kwargs.setdefault('device', device)
    else:
        kwargs = {k: v for k, v in kwargs.items() if k == 'fp16'}
    return POSE_BACKENDS.build(dict(type=name, **kwargs)).build(model)


def measure_batch_speed(model,
                        crops,
                        batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64),
                        repeats: int = 2) -> List[Tuple[int, float]]:
    """(batch, crops/s) of ``model.test_step`` on ``crops`` (N,3,H,W) for
    each batch size (N >= the largest batch size). For benchmarks."""
    import time

    import torch
    from mmengine.structures import InstanceData

    from mmalphapose.structures import PoseDataSample
    h, w = crops.shape[-2:]
    meta = model.dataset_meta
    out = []
    for b in batch_sizes:
        samples = []
        for i in range(b):
            s = PoseDataSample(
                metainfo=dict(
                    img_shape=(h, w),
                    ori_shape=(h, w),
                    input_size=(w, h),
                    input_center=np.array([w / 2, h / 2], np.float32),
                    input_scale=np.array([w, h], np.float32),
                    flip_indices=meta['flip_indices'],
                    id=i))
            s.gt_instances = InstanceData(
                bboxes=np.array([[0, 0, w, h]], np.float32), bbox_scores=np.ones(1, np.float32))
            samples.append(s)
        batch = dict(inputs=crops[:b], data_samples=samples)
        with torch.no_grad():
            model.test_step(batch)  # warm-up
            start = time.perf_counter()
            for _ in range(repeats):
                model.test_step(batch)
        out.append((b, b * repeats / (time.perf_counter() - start)))
    return out
