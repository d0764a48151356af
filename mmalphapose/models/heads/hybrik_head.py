"""HybrIK head: 3D integral heatmaps + shape / twist / camera regression."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmalphapose.registry import MODELS
from mmalphapose.utils.array_conversion import to_numpy
from mmalphapose.utils.typing import Features, OptConfigType, SampleList
from ..body_models import (HYBRIK_FLIP_PAIRS, NUM_HYBRIK_JOINTS, axis_angle_to_matrix, flip_indices,
                           uvd_to_camera)
from ..utils import flip_heatmaps_back
from .base_head import BaseTopdownHead

#: key prefixes of HybrIK's / AlphaPose's ``Simple3DPoseBaseSMPLCam`` head
#: (``tools/model_converters/hybrik2mmalphapose.py`` renames them to ``head.*``)
HYBRIK_HEAD_PREFIXES = ('deconv_layers.', 'final_layer.', 'fc1.', 'fc2.', 'decshape.', 'decphi.',
                        'deccam.')
#: its buffers (mean shape, initial camera)
HYBRIK_HEAD_BUFFERS = ('init_shape', 'init_cam')


def is_unconverted_hybrik(state: Dict[str, Tensor]) -> bool:
    """Whether a state dict is in HybrIK's own layout (``preact.*`` backbone
    and ``decphi.*`` twist layer, optionally ``module.``-prefixed), i.e. a
    released HybrIK / AlphaPose-SMPL checkpoint not yet converted."""
    names = [k[len('module.'):] if k.startswith('module.') else k for k in map(str, state)]
    return any(n.startswith('preact.') for n in names) and \
        any(n.startswith('decphi.') for n in names)


@MODELS.register_module()
class HybrIKHead(BaseTopdownHead):
    """HybrIK (Li et al., CVPR 2021) as in AlphaPose's
    ``Simple3DPoseBaseSMPLCam``, on the last backbone feature (N, C, h, w).

    Heatmap path: 3 x [ConvTranspose2d(k4, s2, no bias) + BN + ReLU] ->
    Conv1x1 -> (N, K, D, H, W) logits, one softmax over each joint's volume,
    3D integral -> ``uvd`` (N, K, 3) in [-0.5, 0.5] (``c / size - 0.5``);
    the scores are the softmax maxima. Regression path: global average pool
    -> FC 1024 -> Dropout 0.5 -> FC 1024 -> Dropout 0.5 -> ``decshape`` (10,
    added to ``init_shape``), ``decphi`` (23 x (cos, sin)), ``deccam`` (3, added
    to ``init_cam`` = (0.9, 0, 0)). Camera lifting: :func:`uvd_to_camera`.

    With ``smpl_layer`` the head owns an :class:`SMPLLayer`, runs HybrIK's IK
    in ``loss`` (for the theta loss) and ``predict`` (pose, mesh joints).

    Args:
        in_channels: backbone channels (512 for ResNet-34).
        num_joints: 29 (SMPL 24 + 5 leaves).
        deconv_out_channels: (256, 256, 256).
        num_betas / num_twists: 10 / 23.
        init_shape: the mean shape added to ``decshape`` (HybrIK loads the
            Human3.6M mean from ``h36m_mean_beta.npy``; default zeros; a
            converted checkpoint brings its own).
        init_cam: (0.9, 0, 0).
        smpl_layer: ``dict(type='SMPLLayer', model_path=...)`` or None.
        loss: a ``HybrIKLoss`` config.
        decoder: a ``HybrIKLabel`` config (crop/heatmap/depth sizes, depth
            factor, focal length).

    ``test_cfg``: ``flip_test`` (:meth:`flip_test_outputs`, AlphaPose's SMPL
    flip test), ``return_vertices`` (with an SMPL
    layer: keep the mesh, default False).
    """

    def __init__(self,
                 in_channels: int = 512,
                 num_joints: int = NUM_HYBRIK_JOINTS,
                 deconv_out_channels: Sequence[int] = (256, 256, 256),
                 num_betas: int = 10,
                 num_twists: int = 23,
                 init_shape: Optional[Sequence[float]] = None,
                 init_cam: Sequence[float] = (0.9, 0., 0.),
                 smpl_layer: Optional[dict] = None,
                 loss: dict = dict(type='HybrIKLoss'),
                 decoder: dict = dict(type='HybrIKLabel'),
                 in_index: int = -1,
                 init_cfg=None) -> None:
        if decoder is None:
            raise ValueError('HybrIKHead needs a HybrIKLabel decoder')
        from mmalphapose.registry import KEYPOINT_CODECS
        codec = KEYPOINT_CODECS.build(decoder)
        super().__init__(
            deconv_out_channels[-1],
            num_joints * codec.depth_size,
            final_kernel_size=1,
            in_index=in_index,
            decoder=None,
            init_cfg=init_cfg)
        self.decoder = codec
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.num_twists = num_twists
        layers: List[nn.Module] = []
        c = in_channels
        for out in deconv_out_channels:
            deconv = nn.ConvTranspose2d(c, out, 4, stride=2, padding=1, bias=False)
            nn.init.normal_(deconv.weight, std=0.001)
            layers += [deconv, nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            c = out
        self.deconv_layers = nn.Sequential(*layers)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(in_channels, 1024)
        self.drop1 = nn.Dropout(p=0.5)
        self.fc2 = nn.Linear(1024, 1024)
        self.drop2 = nn.Dropout(p=0.5)
        self.decshape = nn.Linear(1024, num_betas)
        self.decphi = nn.Linear(1024, num_twists * 2)
        self.deccam = nn.Linear(1024, 3)
        shape0 = torch.zeros(num_betas) if init_shape is None else \
            torch.as_tensor(np.asarray(init_shape, np.float32)).reshape(num_betas)
        self.register_buffer('init_shape', shape0.float())
        self.register_buffer('init_cam', torch.as_tensor(init_cam, dtype=torch.float32))
        self.smpl = MODELS.build(smpl_layer) if smpl_layer is not None else None
        self.loss_module = MODELS.build(loss)
        self._flip_idx = flip_indices(num_joints)
        twist_pairs = [(a - 1, b - 1) for a, b in HYBRIK_FLIP_PAIRS if b <= num_twists]
        self._twist_flip_idx = list(range(num_twists))
        for a, b in twist_pairs:
            self._twist_flip_idx[a], self._twist_flip_idx[b] = b, a

    # ------------------------------------------------------------ forward
    def integral_3d(self, logits: Tensor):
        """(N, K*D, H, W) logits -> uvd (N, K, 3) in [-0.5, 0.5] and the
        softmax maxima (N, K)."""
        return self.integral_from_prob(self.volume_softmax(logits))

    def volume_softmax(self, logits: Tensor) -> Tensor:
        """(N, K*D, H, W) logits -> (N, K, D, H, W), one softmax over each
        joint's volume."""
        n = logits.shape[0]
        k, d = self.num_joints, self.decoder.depth_size
        h, w = logits.shape[-2:]
        return logits.reshape(n, k, -1).softmax(-1).reshape(n, k, d, h, w)

    @staticmethod
    def integral_from_prob(prob: Tensor):
        """(N, K, D, H, W) probabilities -> uvd (N, K, 3) (``c / size - 0.5``)
        and their maxima (N, K)."""
        n, k, d, h, w = prob.shape
        scores = prob.reshape(n, k, -1).max(-1).values
        coords = []
        for axes, size in (((2, 3), w), ((2, 4), h), ((3, 4), d)):
            marg = prob.sum(axes)  # (N,K,size)
            rng = torch.arange(size, dtype=marg.dtype, device=marg.device)
            coords.append((marg * rng).sum(-1) / size - 0.5)
        return torch.stack(coords, -1), scores

    def _regress(self, x: Tensor) -> Dict[str, Tensor]:
        g = self.avg_pool(x).flatten(1)
        g = self.drop2(self.fc2(self.drop1(self.fc1(g))))
        delta = self.decshape(g)
        return dict(
            delta_shape=delta,
            betas=delta + self.init_shape,
            phis=self.decphi(g).reshape(-1, self.num_twists, 2),
            cam=self.deccam(g) + self.init_cam)

    def _features(self, feats: Features) -> Tensor:
        x = self._select(feats)
        if x.shape[1] != self.in_channels:
            raise ValueError(f'HybrIKHead: expected {self.in_channels} input channels, got '
                             f'{x.shape[1]}')
        return x

    def forward(self, feats: Features) -> Dict[str, Tensor]:
        """Features -> dict of ``logits`` (N,K*D,H,W) (the 3D heatmap
        volumes), ``uvd`` (N,K,3), ``scores`` (N,K), ``betas`` (N,10),
        ``delta_shape``, ``phis`` (N,23,2), ``cam`` (N,3), ``joints_3d``
        (N,K,3) root-relative metres and ``cam_root`` (N,3)."""
        x = self._features(feats)
        logits = self.final_layer(self.deconv_layers(x))
        uvd, scores = self.integral_3d(logits)
        out = dict(logits=logits, uvd=uvd, scores=scores, **self._regress(x))
        return self._lift(out)

    def flip_test_outputs(self, out: Dict[str, Tensor],
                          out_flip: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """:meth:`forward` outputs of the crops and of their mirrored copies
        -> those of AlphaPose's / HybrIK's flip test
        (``Simple3DPoseBaseSMPLCam.forward(flip_test=True)``): the mirrored
        crop's logit volumes are mirrored back in heatmap space
        (:func:`flip_heatmaps_back`: left/right joints swapped, W reversed,
        shifted right by one column, column 0 kept), each softmax-normalised
        and averaged with the original before the integral (scores: maxima of
        the average); shape, twists (pairs swapped, sin negated) and camera
        (tx negated) are averaged; ``delta_shape`` is the first pass's."""
        logits, logits_f = out['logits'], out_flip['logits']
        n, k, d = logits.shape[0], self.num_joints, self.decoder.depth_size
        h, w = logits.shape[-2:]
        back = flip_heatmaps_back(logits_f.reshape(n, k, d, h, w), self._flip_idx, shift=True)
        prob = (self.volume_softmax(logits) + self.volume_softmax(back.reshape(n, k * d, h, w))) / 2
        uvd, scores = self.integral_from_prob(prob)
        phis_f = out_flip['phis'][:, self._twist_flip_idx].clone()
        phis_f[..., 1] = -phis_f[..., 1]
        cam_f = out_flip['cam'].clone()
        cam_f[:, 1] = -cam_f[:, 1]
        return self._lift(
            dict(
                uvd=uvd,
                scores=scores,
                delta_shape=out['delta_shape'],
                betas=(out['betas'] + out_flip['betas']) / 2,
                phis=(out['phis'] + phis_f) / 2,
                cam=(out['cam'] + cam_f) / 2))

    def _lift(self, out: Dict[str, Tensor]) -> Dict[str, Tensor]:
        dec = self.decoder
        out['joints_3d'], out['cam_root'] = uvd_to_camera(out['uvd'], out['cam'], dec.focal_length,
                                                          float(dec.input_size[0]),
                                                          dec.depth_factor)
        return out

    # ------------------------------------------------------------ training
    def _label(self, samples, name: str, device) -> Optional[Tensor]:
        if not all(name in s.gt_instance_labels for s in samples):
            return None
        return self._gather(samples, 'gt_instance_labels', name, device)

    def loss(self,
             feats: Features,
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> dict:
        out = self.forward(feats)
        dev = out['uvd'].device
        target = dict(
            uvd=self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_labels', dev),
            uvd_weight=self._gather(batch_data_samples, 'gt_instance_labels', 'keypoint_weights',
                                    dev),
            betas=self._label(batch_data_samples, 'smpl_betas', dev),
            twist=self._label(batch_data_samples, 'smpl_twist', dev),
            twist_weight=self._label(batch_data_samples, 'smpl_twist_weight', dev),
            smpl_weight=self._label(batch_data_samples, 'smpl_weight', dev))
        if target['uvd_weight'].dim() == 2:
            target['uvd_weight'] = target['uvd_weight'][..., None].expand_as(target['uvd'])
        pose = self._label(batch_data_samples, 'smpl_pose', dev)
        if pose is not None and self.smpl is not None:
            target['rot_mats'] = axis_angle_to_matrix(pose.reshape(-1, 24, 3))
            out['rot_mats'] = self.smpl.hybrik(
                out['joints_3d'], out['betas'], out['phis'], return_verts=False,
                mode='train').rot_mats.float()
        return self.loss_module(out, target)

    # ------------------------------------------------------------ inference
    def decode_outputs(self,
                       out,
                       out_flip,
                       batch_data_samples,
                       test_cfg: dict,
                       flip_indices=None) -> InstanceData:
        """One InstanceData of the N crops (the flip pairs are the SMPL
        joints' own; ``flip_indices`` is not read) with ``keypoints`` (N,K,2) crop
        pixels, ``keypoint_scores`` (N,K), ``keypoints_3d`` (N,K,3)
        root-relative metres, ``smpl_betas`` (N,10), ``smpl_twist`` (N,23,2),
        ``cam`` (N,3), ``cam_root`` (N,3); with an SMPL layer also
        ``smpl_pose`` (N,24,3,3), ``smpl_joints`` (N,29,3) (root-relative)
        and, with ``test_cfg['return_vertices']``, ``vertices`` (N,V,3)."""
        if out_flip is not None:
            out = self.flip_test_outputs(out, out_flip)
        kpts, _ = self.decoder.decode(out['uvd'])
        fields = dict(
            keypoints=kpts,
            keypoint_scores=out['scores'],
            keypoints_3d=out['joints_3d'],
            smpl_betas=out['betas'],
            smpl_twist=out['phis'],
            cam=out['cam'],
            cam_root=out['cam_root'])
        if self.smpl is not None:
            smpl = self.smpl.hybrik(
                out['joints_3d'],
                out['betas'],
                out['phis'],
                return_verts=bool(test_cfg.get('return_vertices', False)))
            fields.update(smpl_pose=smpl.rot_mats, smpl_joints=smpl.joints29)
            if smpl.vertices is not None:
                fields['vertices'] = smpl.vertices
        return InstanceData(**{k: to_numpy(v, np.float32) for k, v in fields.items()})
