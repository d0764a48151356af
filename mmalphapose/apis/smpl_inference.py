"""SMPL / HybrIK inference: 3D joints, SMPL pose and shape, camera, the 29
joints projected into the image and the optional mesh, for all people of
one or several frames at once; the demo's ``--smpl`` mode on top of it.

The path of a person box::

    TopdownPredictor (the model's test-pipeline crop, forward, flip test)
      -> HybrIK head fields (keypoints_3d, smpl_betas, smpl_twist, cam, cam_root)
      -> lift_smpl: HybrIK IK through the user's SMPLLayer, camera-frame
         joints / mesh, projection into the image
      -> InstanceData with the SMPLResult fields (one vocabulary everywhere)

:class:`SMPLStage` is the pose stage of the inferencer in SMPL mode (no pose
NMS, as AlphaPose's SMPL writer; the tracker gets the 29 projected joints),
:class:`SMPLVisualizer` draws the mesh or skeleton and :class:`SMPLResultWriter`
writes the JSON records of ``docs/output_formats.md`` (section "SMPL /
HybrIK records"), the JSON writer of the inferencer's ``FrameWriter``.
"""
import os
import os.path as osp
from dataclasses import dataclass, fields
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmalphapose.models.body_models import (HYBRIK_PARENTS, SMPLLayer, matrix_to_axis_angle,
                                            project_to_crop)
from mmalphapose.utils import to_numpy
from mmalphapose.visualization import PoseVisualizer
from mmalphapose.visualization.pose_visualizer import TRACK_COLORS
from .inference import TopdownPredictor
from .stages import PoseStage, Tracker, TrackStage
from .writers import atomic_write_json, json_numbers

#: the pose config of the SMPL mode when none is given
SMPL_POSE_CONFIG = 'mmalphapose::body_3d_smpl/hybrik_resnet34_h36m-256x256.py'


@dataclass
class SMPLResult:
    """Per-person outputs for N people (arrays, first axis N). The same names
    are the fields of the pipeline's ``InstanceData`` in SMPL mode."""

    bboxes: np.ndarray  #: (N, 4) xyxy input boxes
    bbox_scores: np.ndarray  #: (N,)
    keypoints: np.ndarray  #: (N, 29, 2) SMPL joints projected into the image (pixels)
    keypoint_scores: np.ndarray  #: (N, 29) heatmap maxima
    joints_3d: np.ndarray  #: (N, 29, 3) SMPL joints, camera frame, metres
    pose: np.ndarray  #: (N, 24, 3, 3) relative rotations (joint 0: global)
    pose_axis_angle: np.ndarray  #: (N, 72)
    betas: np.ndarray  #: (N, 10)
    twist: np.ndarray  #: (N, 23, 2) predicted (cos, sin) twists
    cam: np.ndarray  #: (N, 3) (s, tx, ty) of the crop camera
    cam_root: np.ndarray  #: (N, 3) root joint in the camera frame, metres
    crop_boxes: np.ndarray  #: (N, 4) xyxy crop regions (padded boxes)
    vertices: Optional[np.ndarray] = None  #: (N, V, 3) camera frame, metres
    vertices_2d: Optional[np.ndarray] = None  #: (N, V, 2) image pixels
    faces: Optional[np.ndarray] = None  #: (F, 3) mesh triangles

    def __len__(self) -> int:
        return len(self.bboxes)

    @classmethod
    def empty(cls) -> 'SMPLResult':
        """No people."""
        z = np.zeros
        return cls(
            z((0, 4), np.float32), z(0, np.float32), z((0, 29, 2), np.float32),
            z((0, 29), np.float32), z((0, 29, 3), np.float32), z((0, 24, 3, 3), np.float32),
            z((0, 72), np.float32), z((0, 10), np.float32), z((0, 23, 2), np.float32),
            z((0, 3), np.float32), z((0, 3), np.float32), z((0, 4), np.float32))

    @classmethod
    def from_instances(cls,
                       inst: Optional[InstanceData],
                       faces: Optional[np.ndarray] = None) -> 'SMPLResult':
        """The result held by an ``InstanceData`` of :func:`lift_smpl` (after
        the tracker too); an instance set without SMPL fields is empty."""
        if inst is None or len(inst) == 0 or 'joints_3d' not in inst:
            return cls.empty()
        vals = {}
        for f in fields(cls):
            if f.name == 'faces':
                continue
            v = inst.get(f.name)
            vals[f.name] = None if v is None else to_numpy(v)
        optional = ('vertices', 'vertices_2d')
        missing = [k for k, v in vals.items() if v is None and k not in optional]
        if missing:
            raise ValueError(f'SMPL instances lack the fields {missing}')
        return cls(faces=None if faces is None else np.asarray(faces), **vals)

    def to_instances(self) -> InstanceData:
        """The same people as an ``InstanceData`` (faces are not per person
        and stay out)."""
        inst = InstanceData()
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name != 'faces' and v is not None:
                inst.set_field(v, f.name)
        return inst


def build_smpl_layer(smpl_model: Union[str, bool, None] = None,
                     pose_config: Optional[str] = None,
                     device: str = 'cpu') -> SMPLLayer:
    """The user's SMPL body model for inference.

    Args:
        smpl_model: the SMPL file (or a folder holding it); ``True`` / ``None``
            / ``''``: the config's ``model.head.smpl_layer.model_path``, else
            ``$MMALPHAPOSE_SMPL_MODEL``, else ``checkpoints/smpl/``.
        pose_config: the HybrIK config; the other arguments of its
            ``model.head.smpl_layer`` (``num_betas``, ``leaf_vertex_ids``) are
            used, so the layer matches the model.
        device: torch device of the layer.

    Raises:
        FileNotFoundError: no SMPL file (one line: where it was looked for).
        ValueError: the file is not an SMPL model.
    """
    kwargs: dict = {}
    path = smpl_model if isinstance(smpl_model, str) and smpl_model else None
    if pose_config:
        cfg = Config.fromfile(pose_config)
        layer_cfg = dict(((cfg.get('model') or {}).get('head') or {}).get('smpl_layer') or {})
        path = path or layer_cfg.get('model_path')
        kwargs = {k: v for k, v in layer_cfg.items() if k not in ('type', 'model_path')}
    try:
        layer = SMPLLayer(path, **kwargs)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f'{exc}; in the demo: --smpl-model FILE') from None
    return layer.to(device).eval()


def lift_smpl(people: InstanceData,
              smpl_layer: SMPLLayer,
              codec,
              return_vertices: bool = False) -> InstanceData:
    """HybrIK head outputs of N people -> the :class:`SMPLResult` fields.

    Args:
        people: from :class:`TopdownPredictor` on a HybrIK model:
            ``keypoints_3d`` (N,29,3) root-relative metres, ``smpl_betas``
            (N,10), ``smpl_twist`` (N,23,2), ``cam``, ``cam_root`` (N,3),
            ``keypoint_scores``, ``bboxes``, ``bbox_scores`` and the crops
            ``input_centers`` / ``input_scales`` (N,2).
        smpl_layer: the user's :class:`SMPLLayer`.
        codec: the head's ``HybrIKLabel`` (``input_size``, ``focal_length``).
        return_vertices: also the mesh (camera frame and projected).

    Returns:
        InstanceData with the fields of :class:`SMPLResult` (the IK joints,
        projected, replace the network's 2D keypoints), N people; every
        person is solved independently, all at once.
    """
    n = len(people) if 'keypoints_3d' in people else 0
    if n == 0:
        out = SMPLResult.empty().to_instances()
        if return_vertices:
            v = smpl_layer.num_vertices
            out.vertices = np.zeros((0, v, 3), np.float32)
            out.vertices_2d = np.zeros((0, v, 2), np.float32)
        return out
    dev = smpl_layer.v_template.device

    def tensor(key: str) -> torch.Tensor:
        return torch.as_tensor(np.asarray(people.get(key), np.float32), device=dev)

    with torch.no_grad():
        smpl = smpl_layer.hybrik(
            tensor('keypoints_3d'),
            tensor('smpl_betas'),
            tensor('smpl_twist'),
            transl=tensor('cam_root'),
            return_verts=return_vertices)
    centers = np.asarray(people.input_centers, np.float32).reshape(n, 1, 2)
    scales = np.asarray(people.input_scales, np.float32).reshape(n, 1, 2)
    crop_size = float(codec.input_size[0])

    def to_image(points: torch.Tensor) -> np.ndarray:
        # normalised crop coordinates in [-0.5, 0.5] -> image pixels
        uv = project_to_crop(points.float(), codec.focal_length, crop_size).cpu().numpy()
        return (uv * scales + centers).astype(np.float32)

    joints = smpl.joints29.float()
    rot = smpl.rot_mats.float()
    out = InstanceData(
        bboxes=np.asarray(people.bboxes, np.float32).reshape(n, 4),
        bbox_scores=np.asarray(people.bbox_scores, np.float32).reshape(n),
        keypoints=to_image(joints),
        keypoint_scores=np.asarray(people.keypoint_scores, np.float32).reshape(n, -1),
        joints_3d=joints.cpu().numpy(),
        pose=rot.cpu().numpy(),
        pose_axis_angle=matrix_to_axis_angle(rot).reshape(n, 72).cpu().numpy(),
        betas=np.asarray(people.smpl_betas, np.float32).reshape(n, -1),
        twist=np.asarray(people.smpl_twist, np.float32).reshape(n, -1, 2),
        cam=np.asarray(people.cam, np.float32).reshape(n, 3),
        cam_root=np.asarray(people.cam_root, np.float32).reshape(n, 3),
        crop_boxes=np.concatenate([centers - scales / 2, centers + scales / 2], -1).reshape(n, 4))
    if return_vertices:
        verts = smpl.vertices.float()
        out.vertices = verts.cpu().numpy()
        out.vertices_2d = to_image(verts)
    return out


class SMPLPredictor:
    """Boxes of several frames -> one ``InstanceData`` with the
    :class:`SMPLResult` fields (the predictor of :class:`SMPLStage`).

    Args:
        model: a HybrIK ``TopdownPoseEstimator`` from
            :func:`~mmalphapose.apis.init_model` (its test pipeline gives the
            crop; an SMPL layer of its own head is not used).
        smpl_layer: the user's :class:`SMPLLayer`.
        batch_size: people per forward pass (None: the backend's default).
        flip: flip test on/off (``None``: the config's ``test_cfg``).
        return_vertices: also the mesh.
    """

    def __init__(self,
                 model: torch.nn.Module,
                 smpl_layer: SMPLLayer,
                 batch_size: Optional[int] = None,
                 flip: Optional[bool] = None,
                 return_vertices: bool = False):
        self.predictor = TopdownPredictor(model, batch_size, flip)
        self.smpl_layer, self.codec = smpl_layer, model.head.decoder
        self.return_vertices = return_vertices

    def __call__(self,
                 images: Sequence[np.ndarray],
                 image_ids: np.ndarray,
                 bboxes: np.ndarray,
                 bbox_scores: Optional[np.ndarray] = None,
                 img_paths: Optional[Sequence[Optional[str]]] = None,
                 with_heatmaps: bool = False) -> InstanceData:
        """N boxes (xyxy) of F images -> N people (see :func:`lift_smpl`)."""
        if with_heatmaps:
            raise ValueError('--draw-heatmap does not apply to the SMPL mode')
        people = self.predictor(images, image_ids, bboxes, bbox_scores, img_paths=img_paths)
        return lift_smpl(people, self.smpl_layer, self.codec, self.return_vertices)


def inference_smpl(model: torch.nn.Module,
                   img: np.ndarray,
                   bboxes: np.ndarray,
                   smpl_layer: SMPLLayer,
                   bbox_scores: Optional[np.ndarray] = None,
                   return_vertices: bool = False,
                   flip: Optional[bool] = None) -> SMPLResult:
    """Run a HybrIK model on every box of one image, all people at once.

    Args:
        model: HybrIK model from ``init_model`` (config with a test pipeline,
            e.g. ``configs/body_3d_smpl/hybrik_resnet34_h36m-256x256.py``:
            its ``GetBBoxCenterScale`` + ``TopdownAffine`` are the crop).
        img: BGR uint8 image (H, W, 3).
        bboxes: (N, 4) xyxy person boxes.
        smpl_layer: an :class:`SMPLLayer` (the user's SMPL file).
        bbox_scores: (N,), default ones.
        return_vertices: also return the mesh (camera frame and projected).
        flip: override ``model.test_cfg['flip_test']`` (the model is not changed).

    Returns:
        :class:`SMPLResult` (empty arrays when N = 0).
    """
    if img is None or np.ndim(img) != 3:
        raise ValueError('inference_smpl: img must be an (H, W, 3) BGR array')
    bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    people = SMPLPredictor(
        model, smpl_layer, flip=flip,
        return_vertices=return_vertices)([img], np.zeros(len(bboxes), np.int64), bboxes,
                                         bbox_scores)
    return SMPLResult.from_instances(people, smpl_layer.faces if return_vertices else None)


class SMPLStage(PoseStage):
    """The pose stage of the SMPL mode: all boxes of up to
    ``frames_per_batch`` frames through :class:`SMPLPredictor` at once, then
    per frame the tracker (on the 29 projected joints); no pose NMS (as
    AlphaPose's SMPL writer). Propagated frames follow the previous poses as
    in :class:`PoseStage`.

    Args:
        model / smpl_layer / batch_size / flip / return_vertices: as
            :class:`SMPLPredictor`.
        tracker: a TRACKERS module built with the 29-joint metainfo, or None.
        frames_per_batch / follow_kpt_thr / follow: as :class:`PoseStage`.
    """

    def __init__(self,
                 model: torch.nn.Module,
                 smpl_layer: SMPLLayer,
                 tracker: Optional[Tracker] = None,
                 batch_size: Optional[int] = None,
                 flip: Optional[bool] = None,
                 return_vertices: bool = True,
                 frames_per_batch: int = 4,
                 follow_kpt_thr: float = 0.3,
                 follow: bool = True):
        super().__init__(
            SMPLPredictor(model, smpl_layer, batch_size, flip, return_vertices),
            [TrackStage(tracker)] if tracker is not None else [],
            frames_per_batch=frames_per_batch,
            follow_kpt_thr=follow_kpt_thr,
            follow=follow)


def draw_smpl(img: np.ndarray,
              result: SMPLResult,
              draw_mesh: bool = True,
              color=(0, 200, 255),
              joint_color=(0, 0, 255),
              thickness: int = 1,
              colors: Optional[np.ndarray] = None) -> np.ndarray:
    """Overlay: the projected mesh edges (when the result has vertices and
    faces and ``draw_mesh``), else the 29-joint skeleton; returns a copy of
    ``img``. ``colors`` (N, 3) BGR gives each person its own colour (e.g. by
    track id) instead of ``color``."""
    canvas = np.ascontiguousarray(img).copy()
    h, w = canvas.shape[:2]
    person_colors = [
        tuple(int(c) for c in (colors[i] if colors is not None else color))
        for i in range(len(result))
    ]
    if draw_mesh and result.vertices_2d is not None and result.faces is not None:
        faces = np.asarray(result.faces, np.int64)
        for v2d, col in zip(result.vertices_2d, person_colors):
            tri = v2d[faces]  # (F,3,2)
            ok = np.isfinite(tri).all((1, 2)) & (np.abs(np.nan_to_num(tri)) < 4 * max(h, w)).all(
                (1, 2))
            cv2.polylines(canvas, list(np.round(tri[ok]).astype(np.int32)), True, col, thickness,
                          cv2.LINE_AA)
        return canvas
    for kpts, col in zip(result.keypoints, person_colors):
        if not np.isfinite(kpts).all() or (np.abs(kpts) > 4 * max(h, w)).any():
            continue
        pts = np.round(kpts).astype(np.int32)
        for j, p in enumerate(HYBRIK_PARENTS):
            if p >= 0:
                cv2.line(canvas, tuple(map(int, pts[p])), tuple(map(int, pts[j])), col,
                         max(1, thickness + 1), cv2.LINE_AA)
        for q in pts:
            cv2.circle(canvas, tuple(map(int, q)), max(2, thickness + 1), joint_color, -1,
                       cv2.LINE_AA)
    return canvas


class SMPLVisualizer(PoseVisualizer):
    """Draws SMPL people (``InstanceData`` of :func:`lift_smpl`): the mesh
    when vertices and faces are known, else the skeleton, one colour per
    track id, plus the person boxes and ids.

    Args:
        faces: (F, 3) mesh triangles (``SMPLLayer.faces``), or None.
        draw_mesh: draw the mesh rather than the skeleton.
        **kwargs: :class:`PoseVisualizer` arguments (``dataset_meta``: the
            29-joint metainfo).
    """

    def __init__(self, faces: Optional[np.ndarray] = None, draw_mesh: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.faces, self.draw_mesh = faces, draw_mesh

    def draw_instances(self,
                       image: np.ndarray,
                       instances: InstanceData,
                       kpt_thr=None,
                       draw_bbox: Optional[bool] = None,
                       skeleton_style: Optional[str] = None) -> np.ndarray:
        """A copy of ``image`` with every person drawn (``kpt_thr`` and
        ``skeleton_style`` do not apply: all 29 joints or the mesh are drawn)."""
        res = SMPLResult.from_instances(instances, self.faces)
        ids = None
        if instances is not None and 'track_ids' in instances and len(res):
            ids = to_numpy(instances.track_ids).astype(np.int64).reshape(-1)
        colors = TRACK_COLORS[ids % len(TRACK_COLORS)] if ids is not None else None
        img = draw_smpl(
            image, res, self.draw_mesh, colors=colors, thickness=max(1, self.line_width // 2))
        if (self.draw_bbox if draw_bbox is None else draw_bbox) and len(res):
            self._draw_boxes(img, res.bboxes, ids)
        return img


def smpl_result_to_json(result: SMPLResult,
                        image_id: str,
                        frame_id: Optional[int] = None,
                        track_ids: Optional[Sequence[int]] = None,
                        include_vertices: bool = False) -> List[Dict]:
    """One JSON-ready dict per person (schema: docs/output_formats.md,
    section "SMPL / HybrIK records")."""

    def xywh(box: np.ndarray) -> list:
        box = np.asarray(box, np.float64)
        return json_numbers(np.concatenate([box[:2], box[2:] - box[:2]]), 3)

    out = []
    for i in range(len(result)):
        # pixels to 3 decimals; the scores (3D softmax maxima, small) to 6
        kp = np.concatenate(
            [np.round(result.keypoints[i], 3),
             np.round(result.keypoint_scores[i][:, None], 6)], 1)
        rec = dict(
            image_id=image_id,
            category_id=1,
            keypoints=json_numbers(kp.reshape(-1), 6),
            score=json_numbers(result.bbox_scores[i], 6),
            box=xywh(result.bboxes[i]),
            crop_box=xywh(result.crop_boxes[i]),
            pred_xyz_jts=json_numbers(result.joints_3d[i], 5),
            smpl_pose=json_numbers(result.pose_axis_angle[i], 6),
            smpl_betas=json_numbers(result.betas[i], 6),
            cam=json_numbers(result.cam[i], 6),
            cam_root=json_numbers(result.cam_root[i], 5))
        if frame_id is not None:
            rec['frame_id'] = int(frame_id)
        if track_ids is not None:
            rec['idx'] = int(track_ids[i])
        if include_vertices and result.vertices is not None:
            rec['vertices'] = json_numbers(result.vertices[i], 4)
        out.append(rec)
    return out


class SMPLResultWriter:
    """The SMPL records of one input, written as ``<stem>.json`` (a list over
    all frames; atomically, also on interrupt).

    Args:
        out_dir / stem: the file is ``out_dir/<stem>.json``.
        tracking: write the track ids as ``idx``.
        include_vertices: also the mesh of every person.
    """

    def __init__(self,
                 out_dir: str,
                 stem: str,
                 tracking: bool = False,
                 include_vertices: bool = False):
        self.tracking, self.include_vertices = tracking, include_vertices
        self.records: List[Dict] = []
        self.num_frames = 0
        self.json_path = osp.join(out_dir, f'{stem}.json')
        os.makedirs(out_dir, exist_ok=True)

    def add(self, name: str, frame_id: int, inst: InstanceData) -> None:
        """Add the people of one frame (``InstanceData`` of :func:`lift_smpl`)."""
        self.num_frames += 1
        res = SMPLResult.from_instances(inst)
        ids = None
        if self.tracking and len(res) and 'track_ids' in inst:
            ids = to_numpy(inst.track_ids).astype(np.int64).reshape(-1)
        self.records.extend(smpl_result_to_json(res, name, frame_id, ids, self.include_vertices))

    def close(self) -> str:
        """Write the JSON; returns its path."""
        atomic_write_json(self.json_path, self.records)
        return self.json_path


__all__ = [
    'SMPLResult', 'SMPL_POSE_CONFIG', 'build_smpl_layer', 'lift_smpl', 'SMPLPredictor',
    'inference_smpl', 'SMPLStage', 'draw_smpl', 'SMPLVisualizer', 'smpl_result_to_json',
    'SMPLResultWriter'
]
