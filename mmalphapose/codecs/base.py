"""Common base of the keypoint codecs (no nn.Module, numpy in / numpy out)."""
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from mmalphapose.utils.array_conversion import to_numpy


def _as_numpy(x: Any) -> np.ndarray:
    """Tensor or array-like -> float32 numpy array (detached, on CPU)."""
    return to_numpy(x, np.float32)


class BaseKeypointCodec(metaclass=ABCMeta):
    """Base class: fixes ``input_size`` / ``heatmap_size`` (both ``(w, h)``).

    Subclasses implement the abstract :meth:`encode` and :meth:`decode`
    (as MMPose's ``BaseKeypointCodec``); :meth:`batch_decode`
    decodes a batch of network outputs sample by sample.

    MMPose's codec interface, so MMPose's ``GenerateTarget`` and
    ``PackPoseInputs`` can use our codecs: ``encode(keypoints,
    keypoints_visible=None, **aux)`` returns a dict whose keys the mapping
    tables route into the data sample (``label_mapping_table`` ->
    ``gt_instance_labels``, ``field_mapping_table`` -> ``gt_fields``,
    ``instance_mapping_table`` -> ``gt_instances``); ``auxiliary_encode_keys``
    names the extra ``results`` keys ``GenerateTarget`` passes to ``encode``;
    ``support_batch_decoding`` is False, so MMPose's heads call :meth:`decode`
    per sample (our :meth:`batch_decode` returns a list of per-sample tuples,
    not MMPose's tuple of lists).
    """

    auxiliary_encode_keys: Set[str] = set()
    field_mapping_table: Dict[str, str] = dict()
    instance_mapping_table: Dict[str, str] = dict()
    label_mapping_table: Dict[str, str] = dict()

    def __init__(self, input_size: Sequence[int], heatmap_size: Sequence[int]) -> None:
        if len(input_size) != 2 or len(heatmap_size) != 2:
            raise ValueError('input_size and heatmap_size must be (w, h), got '
                             f'{input_size} and {heatmap_size}')
        self.input_size = tuple(int(v) for v in input_size)
        self.heatmap_size = tuple(int(v) for v in heatmap_size)
        # input pixels per heatmap pixel, (sx, sy)
        self.stride = np.array(self.input_size, np.float32) / np.array(
            self.heatmap_size, np.float32)

    @staticmethod
    def _check_keypoints(keypoints: np.ndarray,
                         keypoints_visible: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        keypoints = _as_numpy(keypoints)
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2:
            raise ValueError('keypoints must have shape (N, K, 2), got '
                             f'{keypoints.shape}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], np.float32)
        keypoints_visible = _as_numpy(keypoints_visible)
        if keypoints_visible.ndim == 3:  # (N, K, 1)
            keypoints_visible = keypoints_visible[..., 0]
        if keypoints_visible.shape != keypoints.shape[:2]:
            raise ValueError('keypoints_visible must have shape (N, K) = '
                             f'{keypoints.shape[:2]}, got '
                             f'{keypoints_visible.shape}')
        # NaN keypoints count as invisible
        bad = ~np.isfinite(keypoints).all(-1)
        keypoints = np.where(bad[..., None], 0, keypoints)
        keypoints_visible = np.where(bad, 0, keypoints_visible)
        return keypoints, keypoints_visible

    @staticmethod
    def _as_batch(heatmaps: Any) -> np.ndarray:
        hm = _as_numpy(heatmaps)
        if hm.ndim == 3:
            hm = hm[None]
        if hm.ndim != 4:
            raise ValueError('expected heatmaps of shape (K, H, W) or '
                             f'(N, K, H, W), got {hm.shape}')
        return hm

    @property
    def support_batch_decoding(self) -> bool:
        """False: MMPose's heads decode our outputs one sample at a time."""
        return False

    @abstractmethod
    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None) -> Dict:
        """Keypoints (N,K,2) in input pixels (+ visibility (N,K)) -> the
        training targets, a dict routed by the mapping tables."""

    @abstractmethod
    def decode(self, encoded: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Network outputs of N samples -> keypoints (N,K,2) in input pixels
        and scores (N,K)."""

    def batch_decode(self, batch: Any) -> List[Tuple[np.ndarray, np.ndarray]]:
        """Decode (B, K, H, W) outputs -> list of B ``(keypoints (1,K,2),
        scores (1,K))``."""
        batch = self._as_batch(batch)
        keypoints, scores = self.decode(batch)
        return [(keypoints[i:i + 1], scores[i:i + 1]) for i in range(len(keypoints))]
