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
from typing import Any, NamedTuple, Tuple

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
    """
    name = 'pytorch'

    def __init__(self, model) -> None:
        self.model = model

    def __call__(self, inputs: Tensor) -> NetworkOutputs:
        feats = self.model.extract_feat(inputs)
        return NetworkOutputs(self.model.head.forward(feats), feats)
