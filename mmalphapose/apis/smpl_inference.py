"""SMPL / HybrIK inference for person boxes of one image: 3D joints, SMPL
pose and shape, camera, projected 2D joints, optional mesh; an OpenCV overlay
and the JSON records of ``docs/output_formats.md`` (section "SMPL / HybrIK")."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData

from mmalphapose.datasets.transforms import (GetBBoxCenterScale, TopdownAffine,
                                             image_to_tensor)
from mmalphapose.models.body_models import (HYBRIK_PARENTS, SMPLLayer,
                                            matrix_to_axis_angle,
                                            project_to_crop)
from mmalphapose.structures import PoseDataSample


@dataclass
class SMPLResult:
    """Per-person outputs for N people (arrays, first axis N)."""

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


def _crop(img: np.ndarray, bboxes: np.ndarray, input_size, padding: float):
    """Crops (N,3,h,w) uint8 and their centres / scales, with the test
    pipeline's own transforms."""
    get_cs, affine = GetBBoxCenterScale(padding=padding), TopdownAffine(input_size)
    crops, centers, scales = [], [], []
    for box in bboxes:
        res = affine(get_cs(dict(img=img, bbox=box[None])))
        crops.append(image_to_tensor(res['img']))
        centers.append(res['input_center'])
        scales.append(res['input_scale'])
    return torch.stack(crops), np.stack(centers), np.stack(scales)


def inference_smpl(model: torch.nn.Module, img: np.ndarray, bboxes: np.ndarray,
                   smpl_layer: SMPLLayer, bbox_scores: Optional[np.ndarray] = None,
                   return_vertices: bool = False, padding: float = 1.25,
                   flip: Optional[bool] = None) -> SMPLResult:
    """Run a HybrIK ``TopdownPoseEstimator`` on every box, all people at once.

    Args:
        model: built model with a ``HybrIKHead`` (its own SMPL layer, if any,
            is not used: ``smpl_layer`` is).
        img: BGR uint8 image (H, W, 3).
        bboxes: (N, 4) xyxy person boxes.
        smpl_layer: an :class:`SMPLLayer` (the user's SMPL file).
        bbox_scores: (N,), default ones.
        return_vertices: also return the mesh (camera frame and projected).
        padding: box padding before cropping (AlphaPose: 1.25).
        flip: override ``model.test_cfg['flip_test']``.

    Returns:
        :class:`SMPLResult` (empty arrays when N = 0).
    """
    if img is None or img.ndim != 3:
        raise ValueError('inference_smpl: img must be an (H, W, 3) BGR array')
    bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    n = len(bboxes)
    scores = np.ones(n, np.float32) if bbox_scores is None else \
        np.asarray(bbox_scores, np.float32).reshape(n)
    codec = model.head.decoder
    input_size = codec.input_size
    if n == 0:
        return _empty(smpl_layer)
    crops, centers, scales = _crop(img, bboxes, input_size, padding)
    samples = []
    for i in range(n):
        s = PoseDataSample(metainfo=dict(img_shape=img.shape[:2], ori_shape=img.shape[:2],
                                         input_size=input_size, input_center=centers[i],
                                         input_scale=scales[i]))
        s.gt_instances = InstanceData(bboxes=bboxes[i:i + 1], bbox_scores=scores[i:i + 1])
        samples.append(s)
    test_cfg = model.test_cfg
    old = test_cfg.get('flip_test', False)
    if flip is not None:
        test_cfg['flip_test'] = bool(flip)
    try:
        with torch.no_grad():
            out = model.test_step(dict(inputs=list(crops), data_samples=samples))
    finally:
        test_cfg['flip_test'] = old
    pred = {k: np.concatenate([o.pred_instances.get(k) for o in out])
            for k in ('keypoint_scores', 'keypoints_3d', 'smpl_betas', 'smpl_twist', 'cam',
                      'cam_root')}
    dev = smpl_layer.v_template.device
    t = {k: torch.as_tensor(v, device=dev) for k, v in pred.items()}
    with torch.no_grad():
        smpl = smpl_layer.hybrik(t['keypoints_3d'], t['smpl_betas'], t['smpl_twist'],
                                 transl=t['cam_root'], return_verts=return_vertices)
    joints = smpl.joints29.float()
    size = float(input_size[0])

    def to_image(points: torch.Tensor) -> np.ndarray:
        uv = project_to_crop(points, codec.focal_length, size).cpu().numpy()
        crop_px = (uv + 0.5) * np.array(input_size, np.float32)
        sc = scales[:, None]
        return (crop_px / np.array(input_size, np.float32) * sc + centers[:, None] -
                0.5 * sc).astype(np.float32)

    rot = smpl.rot_mats.float()
    res = SMPLResult(
        bboxes=bboxes, bbox_scores=scores, keypoints=to_image(joints),
        keypoint_scores=pred['keypoint_scores'].astype(np.float32),
        joints_3d=joints.cpu().numpy(), pose=rot.cpu().numpy(),
        pose_axis_angle=matrix_to_axis_angle(rot).reshape(n, 72).cpu().numpy(),
        betas=pred['smpl_betas'].astype(np.float32), twist=pred['smpl_twist'].astype(np.float32),
        cam=pred['cam'].astype(np.float32), cam_root=pred['cam_root'].astype(np.float32),
        crop_boxes=np.concatenate([centers - scales / 2, centers + scales / 2], 1
                                  ).astype(np.float32))
    if return_vertices:
        verts = smpl.vertices.float()
        res.vertices = verts.cpu().numpy()
        res.vertices_2d = to_image(verts)
        res.faces = np.asarray(smpl_layer.faces)
    return res


def _empty(smpl_layer: SMPLLayer) -> SMPLResult:
    z = np.zeros
    return SMPLResult(z((0, 4), np.float32), z(0, np.float32), z((0, 29, 2), np.float32),
                      z((0, 29), np.float32), z((0, 29, 3), np.float32),
                      z((0, 24, 3, 3), np.float32), z((0, 72), np.float32),
                      z((0, 10), np.float32), z((0, 23, 2), np.float32),
                      z((0, 3), np.float32), z((0, 3), np.float32), z((0, 4), np.float32))


def draw_smpl(img: np.ndarray, result: SMPLResult, draw_mesh: bool = True,
              color=(0, 200, 255), joint_color=(0, 0, 255), thickness: int = 1) -> np.ndarray:
    """Overlay: the projected mesh edges (when the result has vertices and
    ``draw_mesh``), else the 29-joint skeleton; returns a copy of ``img``."""
    canvas = img.copy()
    h, w = canvas.shape[:2]
    if draw_mesh and result.vertices_2d is not None and result.faces is not None:
        faces = np.asarray(result.faces, np.int64)
        for v2d in result.vertices_2d:
            tris = np.round(v2d[faces]).astype(np.int32)  # (F,3,2)
            ok = np.isfinite(v2d[faces]).all((1, 2)) & (np.abs(tris) < 4 * max(h, w)).all((1, 2))
            cv2.polylines(canvas, list(tris[ok]), True, color, thickness, cv2.LINE_AA)
        return canvas
    for kpts in result.keypoints:
        pts = np.round(kpts).astype(np.int32)
        for j, p in enumerate(HYBRIK_PARENTS):
            if p >= 0:
                cv2.line(canvas, tuple(map(int, pts[p])), tuple(map(int, pts[j])), color,
                         max(1, thickness + 1), cv2.LINE_AA)
        for q in pts:
            cv2.circle(canvas, tuple(map(int, q)), max(2, thickness + 1), joint_color, -1,
                       cv2.LINE_AA)
    return canvas


def smpl_result_to_json(result: SMPLResult, image_id: str, frame_id: Optional[int] = None,
                        track_ids: Optional[Sequence[int]] = None,
                        include_vertices: bool = False) -> List[Dict]:
    """One JSON-ready dict per person (schema: docs/output_formats.md,
    section "SMPL / HybrIK")."""
    out = []
    for i in range(len(result)):
        x1, y1, x2, y2 = (float(v) for v in result.bboxes[i])
        c1, d1, c2, d2 = (float(v) for v in result.crop_boxes[i])
        kp = np.concatenate([result.keypoints[i], result.keypoint_scores[i][:, None]], 1)
        rec = dict(image_id=image_id, category_id=1,
                   keypoints=[round(float(v), 3) for v in kp.reshape(-1)],
                   score=float(result.bbox_scores[i]),
                   box=[x1, y1, x2 - x1, y2 - y1], crop_box=[c1, d1, c2 - c1, d2 - d1],
                   pred_xyz_jts=np.round(result.joints_3d[i], 5).tolist(),
                   smpl_pose=np.round(result.pose_axis_angle[i], 6).tolist(),
                   smpl_betas=np.round(result.betas[i], 6).tolist(),
                   cam=np.round(result.cam[i], 6).tolist(),
                   cam_root=np.round(result.cam_root[i], 5).tolist())
        if frame_id is not None:
            rec['frame_id'] = int(frame_id)
        if track_ids is not None:
            rec['idx'] = int(track_ids[i])
        if include_vertices and result.vertices is not None:
            rec['vertices'] = np.round(result.vertices[i], 4).tolist()
        out.append(rec)
    return out


__all__ = ['SMPLResult', 'inference_smpl', 'draw_smpl', 'smpl_result_to_json']
