"""SMPL body model as a torch module (MODELS: ``SMPLLayer``)."""
from typing import NamedTuple, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from mmalphapose.registry import MODELS
from .hybrik_ik import hybrik_inverse_kinematics
from .lbs import forward_kinematics, pose_blend, shape_blend, skin
from .model_file import load_smpl_model_file, resolve_smpl_model_path
from .rotations import axis_angle_to_matrix
from .skeleton import HYBRIK_PARENTS, NUM_SMPL_JOINTS, SMPL_LEAF_VERTEX_IDS, SMPL_PARENTS


class SMPLOutput(NamedTuple):
    """Outputs of :class:`SMPLLayer` (B people)."""

    vertices: Optional[Tensor]  #: (B, V, 3) posed mesh, or None
    joints: Tensor  #: (B, 24, 3) posed SMPL joints
    joints29: Tensor  #: (B, 29, 3) the 24 joints + the 5 leaf vertices
    rot_mats: Tensor  #: (B, 24, 3, 3) relative rotations


@MODELS.register_module()
class SMPLLayer(nn.Module):
    """SMPL (Loper et al. 2015): shape and pose blend shapes, joint
    regression, the 24-joint kinematic tree and linear blend skinning; plus
    HybrIK's 29-joint set (24 joints + 5 leaf vertices) and its inverse
    kinematics (:meth:`hybrik`).

    The model file is read once (see :mod:`.model_file` for the search order
    and the safe loader); its arrays become non-persistent buffers, so they
    are never written into checkpoints.

    Args:
        model_path: ``.pkl`` / ``.npz`` in the official layout (or a folder
            holding ``SMPL_NEUTRAL.pkl``); ``None``: ``$MMALPHAPOSE_SMPL_MODEL``,
            then ``checkpoints/smpl/``.
        num_betas: shape coefficients used (<= the file's).
        leaf_vertex_ids: the 5 vertices used as HybrIK's leaf joints
            (head top, left/right middle finger, left/right big toe); the
            default is HybrIK's choice on the 6890-vertex SMPL mesh.
        dtype: float dtype of the buffers.
        ik_spine3: how :meth:`hybrik` solves spine3: ``'twist'`` (HybrIK:
            swing towards the neck plus its predicted twist) or ``'svd'``
            (AlphaPose's inference copy: SVD fit of its three children); see
            :func:`hybrik_inverse_kinematics`.
    """

    def __init__(self,
                 model_path: Optional[str] = None,
                 num_betas: int = 10,
                 leaf_vertex_ids: Sequence[int] = SMPL_LEAF_VERTEX_IDS,
                 dtype: torch.dtype = torch.float32,
                 ik_spine3: str = 'twist') -> None:
        super().__init__()
        if ik_spine3 not in ('twist', 'svd'):
            raise ValueError(f"SMPLLayer: ik_spine3 must be 'twist' or 'svd', got {ik_spine3!r}")
        self.ik_spine3 = ik_spine3
        path = resolve_smpl_model_path(model_path)
        data = load_smpl_model_file(path)
        parents = tuple(int(p) for p in data['kintree_table'][0])
        if len(parents) != NUM_SMPL_JOINTS or parents[1:] != SMPL_PARENTS[1:]:
            raise ValueError(f'SMPL model file "{path}": kintree_table is not the 24-joint '
                             f'SMPL tree (got parents {list(parents)})')
        num_vertices = data['v_template'].shape[0]
        leaf = [int(i) for i in leaf_vertex_ids]
        if len(leaf) != 5 or min(leaf) < 0 or max(leaf) >= num_vertices:
            raise ValueError(f'SMPL model file "{path}": leaf_vertex_ids {leaf} must be 5 '
                             f'vertex indices below {num_vertices}')
        if num_betas > data['shapedirs'].shape[-1]:
            raise ValueError(f'SMPL model file "{path}" has {data["shapedirs"].shape[-1]} '
                             f'shape components, num_betas={num_betas} asked')
        self.model_path = path
        self.num_betas = num_betas
        self.num_vertices = num_vertices
        self.parents = SMPL_PARENTS
        self.parents29 = HYBRIK_PARENTS
        self.leaf_vertex_ids = tuple(leaf)
        self.faces = data['f']  # (F, 3) int64 numpy, for drawing / export

        def buf(name: str, arr: np.ndarray) -> None:
            self.register_buffer(name, torch.as_tensor(arr, dtype=dtype), persistent=False)

        buf('v_template', data['v_template'])
        buf('shapedirs', data['shapedirs'][..., :num_betas])
        buf('posedirs', data['posedirs'])
        buf('j_regressor', data['J_regressor'])
        buf('lbs_weights', data['weights'])
        self.register_buffer('leaf_index', torch.as_tensor(leaf), persistent=False)

    # ------------------------------------------------------------------
    def extra_repr(self) -> str:
        return (f'model_path={self.model_path!r}, num_vertices={self.num_vertices}, '
                f'num_betas={self.num_betas}')

    def _betas(self, betas: Tensor) -> Tensor:
        if betas.dim() != 2:
            raise ValueError(f'betas must be (B, {self.num_betas}), got {tuple(betas.shape)}')
        return betas[:, :self.num_betas].to(self.v_template.dtype)

    def shaped(self, betas: Tensor):
        """Shaped rest-pose vertices (B, V, 3) and rest joints (B, 29, 3)
        (24 regressed joints + the 5 leaf vertices)."""
        v_shaped = shape_blend(self._betas(betas), self.v_template, self.shapedirs)
        joints = torch.einsum('jv,bvc->bjc', self.j_regressor, v_shaped)
        return v_shaped, torch.cat([joints, v_shaped[:, self.leaf_index]], 1)

    def pose_to_rotmats(self, pose: Tensor) -> Tensor:
        """(B, 72) / (B, 24, 3) axis-angle or (B, 24, 3, 3) -> (B, 24, 3, 3)."""
        pose = pose.to(self.v_template.dtype)
        if pose.dim() == 4 and pose.shape[1:] == (NUM_SMPL_JOINTS, 3, 3):
            return pose
        if pose.dim() == 2 and pose.shape[1] == 3 * NUM_SMPL_JOINTS:
            pose = pose.reshape(-1, NUM_SMPL_JOINTS, 3)
        if pose.dim() == 3 and pose.shape[1:] == (NUM_SMPL_JOINTS, 3):
            return axis_angle_to_matrix(pose)
        raise ValueError('pose must be axis-angle (B, 72) / (B, 24, 3) or rotation '
                         f'matrices (B, 24, 3, 3), got {tuple(pose.shape)}')

    def forward(self,
                betas: Tensor,
                pose: Tensor,
                transl: Optional[Tensor] = None,
                return_verts: bool = True) -> SMPLOutput:
        """Posed SMPL body.

        Args:
            betas: (B, num_betas) shape.
            pose: (B, 72), (B, 24, 3) axis-angle or (B, 24, 3, 3) rotations
                (joint 0: global orientation).
            transl: (B, 3) translation added to everything.
            return_verts: when False, only joint 24-28 vertices are skinned.

        Returns:
            :class:`SMPLOutput` in the model's frame (the root joint stays at
            its rest position) plus ``transl``.
        """
        rot = self.pose_to_rotmats(pose)
        v_shaped, rest = self.shaped(betas)
        joints, _, transforms = forward_kinematics(rot, rest[:, :NUM_SMPL_JOINTS], self.parents)
        v_posed = v_shaped + pose_blend(rot, self.posedirs)
        if return_verts:
            verts = skin(v_posed, transforms, self.lbs_weights)
            leaves = verts[:, self.leaf_index]
        else:
            verts = None
            leaves = skin(v_posed[:, self.leaf_index], transforms,
                          self.lbs_weights[self.leaf_index])
        joints29 = torch.cat([joints, leaves], 1)
        if transl is not None:
            t = transl.to(joints.dtype)[:, None]
            joints, joints29 = joints + t, joints29 + t
            verts = verts + t if verts is not None else None
        return SMPLOutput(verts, joints, joints29, rot)

    def hybrik(self,
               joints29: Tensor,
               betas: Tensor,
               phis: Tensor,
               transl: Optional[Tensor] = None,
               return_verts: bool = True,
               mode: str = 'test') -> SMPLOutput:
        """HybrIK: rotations from 29 joint positions (metres), shape and
        twist angles, then the SMPL body they give.

        Args:
            joints29: (B, 29, 3) joint positions (only bone vectors matter).
            betas: (B, num_betas).
            phis: (B, 23, 2) twist (cos, sin) of joints 1..23.
            transl: (B, 3) added to the outputs.
            mode: ``'test'`` (HybrIK at inference: aim at the predicted
                positions, 15 mm fallback) or ``'train'`` (HybrIK in training:
                bone directions of the detached joints); see
                :func:`hybrik_inverse_kinematics`.

        Returns:
            :class:`SMPLOutput` with the root joint at the origin (+ ``transl``).
            (HybrIK centres the vertices on the root its Human3.6M regressor
            gives; here everything is centred on the SMPL pelvis joint.)
        """
        joints29 = joints29.to(self.v_template.dtype)
        _, rest = self.shaped(betas)
        rot = hybrik_inverse_kinematics(
            joints29, phis.to(joints29.dtype), rest, self.parents29, mode=mode,
            spine3=self.ik_spine3)
        out = self.forward(betas, rot, return_verts=return_verts)
        root = out.joints[:, :1]
        if transl is not None:
            root = root - transl.to(root.dtype)[:, None]
        verts = out.vertices - root if out.vertices is not None else None
        return SMPLOutput(verts, out.joints - root, out.joints29 - root, rot)
