"""Who runs the tensor part of a top-down estimator.

:meth:`TopdownPoseEstimator.predict` hands its preprocessed crops to a
:class:`NetworkRunner` and decodes what comes back with its head
(``head.decode_outputs``); everything but the network itself (flip test,
decoding, the mapping to image pixels, the identity embedding) stays the
model's own Python code, whatever runs the network.

* :class:`PyTorchRunner`: the model's own modules (``extract_feat`` +
  ``head.forward``), the default of every estimator.
* ``OnnxRuntimeRunner`` (:mod:`mmalphapose.apis.backends`): one onnxruntime
  session of the exported network. A TensorRT runner would be a third
  subclass.
"""
from abc import ABCMeta, abstractmethod
from typing import Any, NamedTuple, Optional, Tuple

import torch
from torch import Tensor


class NetworkOutputs(NamedTuple):
    """What a runner gives for (N,3,H,W) preprocessed crops.

    Attributes:
        head_out: the head's raw output (e.g. (N,K,h,w) maps; a dict for
            HybrIK).
        feats: the features of ``extract_feat`` (a tuple of tensors); may be
            empty when the runner was told the model does not need them.
    """
    head_out: Any
    feats: Tuple[Tensor, ...]


class NetworkRunner(metaclass=ABCMeta):
    """Runs backbone + neck + head forward of one estimator.

    Attributes:
        name: the backend's name (``'pytorch'``, ``'onnxruntime'``).
    """
    name = 'network'

    @abstractmethod
    def __call__(self, inputs: Tensor) -> NetworkOutputs:
        """(N,3,H,W) preprocessed crops -> :class:`NetworkOutputs`."""


class PyTorchRunner(NetworkRunner):
    """The estimator's own modules.

    Args:
        model: the estimator (``extract_feat`` and ``head.forward``).
        autocast_dtype: run them under ``torch.autocast`` in this dtype
            (e.g. ``torch.float16`` on CUDA) and hand float32 back, so
            decoding and embeddings are unchanged; None: as they are.
    """
    name = 'pytorch'

    def __init__(self, model, autocast_dtype: Optional[torch.dtype] = None) -> None:
        self.model, self.autocast_dtype = model, autocast_dtype

    def __call__(self, inputs: Tensor) -> NetworkOutputs:
        if self.autocast_dtype is None:
            feats = self.model.extract_feat(inputs)
            return NetworkOutputs(self.model.head.forward(feats), feats)
        with torch.autocast(inputs.device.type, dtype=self.autocast_dtype):
            feats = self.model.extract_feat(inputs)
            out = self.model.head.forward(feats)
        return NetworkOutputs(_float(out), _float(feats))


def _float(x):
    """Tensors (also inside tuples, lists and dicts) as float32."""
    if isinstance(x, Tensor):
        return x.float() if x.is_floating_point() else x
    if isinstance(x, dict):
        return {k: _float(v) for k, v in x.items()}
    return type(x)(_float(v) for v in x) if isinstance(x, (tuple, list)) else x
