"""Training targets and packing for the SMPL / HybrIK model."""
from typing import Dict, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmalphapose.registry import KEYPOINT_CODECS, TRANSFORMS
from .formatting import PackPoseInputs


@TRANSFORMS.register_module()
class GenerateSMPLTarget(BaseTransform):
    """(u, v, d) labels with a ``HybrIKLabel`` codec.

    Uses ``transformed_keypoints`` (crop pixels, from :class:`TopdownAffine`),
    ``keypoints_visible`` and the depths of ``keypoints_3d`` relative to joint
    0 (``keypoints_3d_visible`` marks the joints with a 3D label; without
    ``keypoints_3d`` the depth weights are 0). Writes ``keypoint_labels``
    (1,K,3) and ``keypoint_weights`` (1,K,3); the SMPL labels of the dataset
    (``smpl_pose``, ``smpl_betas``, ``smpl_weight``, ``smpl_twist``,
    ``smpl_twist_weight``) are filled with zero-weight defaults when absent,
    so every sample of a batch carries them.

    Only transforms that keep the 3D labels valid may run before it:
    scaling / shifting the box is fine; flips and rotations of the crop are
    not applied to the 3D joints or the SMPL pose here.
    """

    def __init__(self, encoder: Union[dict, object]) -> None:
        self.encoder = KEYPOINT_CODECS.build(encoder) if isinstance(encoder, dict) else encoder

    def transform(self, results: Dict) -> Dict:
        kpts = results.get('transformed_keypoints', results.get('keypoints'))
        if kpts is None:
            raise KeyError('GenerateSMPLTarget: results has no "transformed_keypoints"')
        kpts = np.asarray(kpts, np.float32)
        n, k = kpts.shape[:2]
        vis = np.asarray(results.get('keypoints_visible', np.ones((n, k))), np.float32)
        depth = dvis = None
        if results.get('keypoints_3d') is not None:
            k3d = np.asarray(results['keypoints_3d'], np.float32).reshape(n, k, 3)
            depth = k3d[..., 2] - k3d[:, :1, 2]
            dvis = np.asarray(results.get('keypoints_3d_visible', np.ones((n, k))),
                              np.float32).reshape(n, k)
            dvis = dvis * (dvis[:, :1] > 0)  # depths are relative to the root
        results.update(self.encoder.encode(kpts[..., :2], vis, depth, dvis))
        defaults = dict(
            smpl_pose=np.zeros((n, 72), np.float32),
            smpl_betas=np.zeros((n, 10), np.float32),
            smpl_weight=np.zeros(n, np.float32),
            smpl_twist=np.tile(np.array([1., 0.], np.float32), (n, 23, 1)),
            smpl_twist_weight=np.zeros((n, 23), np.float32))
        for key, val in defaults.items():
            if results.get(key) is None:
                results[key] = val
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(encoder={type(self.encoder).__name__})'


@TRANSFORMS.register_module()
class PackSMPLInputs(PackPoseInputs):
    """:class:`PackPoseInputs` plus the 3D / SMPL fields: ``keypoints_3d``
    into ``gt_instances``; ``smpl_pose``, ``smpl_betas``, ``smpl_weight``,
    ``smpl_twist``, ``smpl_twist_weight`` into ``gt_instance_labels``."""

    instance_mapping_table = dict(
        PackPoseInputs.instance_mapping_table,
        keypoints_3d='keypoints_3d',
        keypoints_3d_visible='keypoints_3d_visible')
    label_mapping_table = dict(
        PackPoseInputs.label_mapping_table,
        smpl_pose='smpl_pose',
        smpl_betas='smpl_betas',
        smpl_weight='smpl_weight',
        smpl_twist='smpl_twist',
        smpl_twist_weight='smpl_twist_weight')
