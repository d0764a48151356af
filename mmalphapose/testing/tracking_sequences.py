"""Tracking test sequences built from real annotated poses.

Real COCO val2017 and PoseTrack18 person annotations (the ``coco/`` and
``posetrack18/`` folders of a data root, e.g. the repository's ``tests/data``;
``data_root`` of :func:`load_real_poses` / :func:`make_sequence`) are moved
along smooth random trajectories. Pairs of people walk in opposite
directions on shared lanes, so they cross and the one behind is hidden for a
few frames; everyone also gets one short scheduled occlusion, the detector
drops boxes at random and fires occasional false positives, and keypoints
and boxes are jittered. Simulated re-id embeddings are identity vectors plus
noise, contaminated by the occluder when two people overlap.
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np
from mmengine.structures import InstanceData

# annotation files under the data root
POSE_FILES = (('coco', 'test_coco.json'), ('posetrack18', 'annotations',
                                           'test_posetrack18_val.json'))


def load_real_poses(data_root: str, min_visible: int = 8) -> List[Dict[str, np.ndarray]]:
    """Annotated 17-keypoint poses, normalised by their box height.

    Args:
        data_root: folder holding the files of :data:`POSE_FILES`.
        min_visible: keep persons with at least this many labelled keypoints.

    Returns:
        list[dict]: ``kpts`` (17, 2) relative to the box centre / box height,
        ``vis`` (17,) bool, ``aspect`` box w / h.
    """
    poses = []
    for parts in POSE_FILES:
        path = osp.join(data_root, *parts)
        if not osp.isfile(path):
            raise FileNotFoundError(f'load_real_poses: annotation file "{path}" not found')
        with open(path) as f:
            anns = json.load(f)['annotations']
        for a in anns:
            kp = np.asarray(a['keypoints'], np.float64).reshape(-1, 3)
            vis = kp[:, 2] > 0
            if vis.sum() < min_visible:
                continue
            x, y, w, h = a['bbox']
            centre = np.array([x + w / 2, y + h / 2])
            poses.append(dict(kpts=(kp[:, :2] - centre) / h, vis=vis, aspect=w / h))
    return poses


def _smooth_noise(rng, n: int, scale: float, period: float) -> np.ndarray:
    """Sum of two random sinusoids: a smooth 1-D wander of length n."""
    t = np.arange(n)
    out = np.zeros(n)
    for _ in range(2):
        out += np.sin(2 * np.pi * t / (period * rng.uniform(0.7, 1.3)) + rng.uniform(0, 2 * np.pi))
    return 0.5 * scale * out


def make_sequence(data_root: str,
                  seed: int = 0,
                  num_frames: int = 120,
                  num_persons: int = 8,
                  width: int = 1280,
                  height: int = 720,
                  dropout: float = 0.05,
                  fp_rate: float = 0.05,
                  embed_dim: int = 64,
                  embed_noise: float = 0.6) -> Dict:
    """Build one sequence from the poses of :func:`load_real_poses` ``(data_root)``.

    Returns:
        dict: ``frames`` list of InstanceData (bboxes, bbox_scores,
        keypoints, keypoint_scores, embeddings, gt_ids: -1 for false
        positives), ``gt`` (R, 6) MOT rows ``frame, id, x, y, w, h`` (every
        person that is inside the image and not hidden, including ones
        the detector missed), ``num_hidden`` frames of hidden persons.
    """
    rng = np.random.default_rng(seed)
    poses = load_real_poses(data_root)
    pick = rng.choice(len(poses), num_persons, replace=len(poses) < num_persons)
    T, P = num_frames, num_persons
    n_lanes = (P + 1) // 2
    lanes = np.linspace(0.3, 0.75, n_lanes) * height
    centres = np.zeros((T, P, 2))
    heights = np.zeros((T, P))
    for p in range(P):
        lane = lanes[p // 2] + rng.uniform(-15, 15)
        go_right = p % 2 == 0
        x0, x1 = (0.1, 0.9) if go_right else (0.9, 0.1)
        # cross somewhere in the middle third at different times
        s = np.linspace(0, 1, T) + _smooth_noise(rng, T, 0.03, 60)
        centres[:, p, 0] = (x0 + (x1 - x0) * s) * width + rng.uniform(-60, 60)
        centres[:, p, 1] = lane + _smooth_noise(rng, T, 20, 50)
        heights[:, p] = rng.uniform(160, 230) * (1 + _smooth_noise(rng, T, 0.08, 80))
    depth = rng.permutation(P)  # larger = closer to the camera
    ident = rng.normal(size=(P, embed_dim))
    ident /= np.linalg.norm(ident, axis=1, keepdims=True)

    # boxes (T, P, 4) xyxy
    aspect = np.array([poses[i]['aspect'] for i in pick])
    w = heights * aspect[None]
    boxes = np.stack([
        centres[..., 0] - w / 2, centres[..., 1] - heights / 2, centres[..., 0] + w / 2,
        centres[..., 1] + heights / 2
    ], -1)
    # hidden: covered > 60 % by a closer person, or a scheduled occlusion
    lt = np.maximum(boxes[:, :, None, :2], boxes[:, None, :, :2])
    rb = np.minimum(boxes[:, :, None, 2:], boxes[:, None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), -1)  # (T, P, P)
    area = np.prod(boxes[..., 2:] - boxes[..., :2], -1)
    cover = inter / area[:, :, None]
    closer = depth[None, :] > depth[:, None]  # [p, q]: q in front of p
    cover = np.where(closer[None], cover, 0.0)
    hidden = cover.max(-1) > 0.6
    for p in range(P):
        start = rng.integers(10, T - 20)
        hidden[start:start + rng.integers(3, 9), p] = True
    inside = ((centres[..., 0] > 0) & (centres[..., 0] < width) & (centres[..., 1] > 0) &
              (centres[..., 1] < height))
    present = inside & ~hidden
    detected = present & (rng.random((T, P)) > dropout)

    frames, gt_rows = [], []
    for t in range(T):
        ids = np.flatnonzero(detected[t])
        kp_list, ks_list, bb_list, emb_list = [], [], [], []
        for p in ids:
            pose = poses[pick[p]]
            gait = _gait(t, p, heights[t, p])
            kp = (
                pose['kpts'] * heights[t, p] + centres[t, p] + gait +
                rng.normal(0, 0.012 * heights[t, p], (17, 2)))
            ks = np.where(pose['vis'], rng.uniform(0.5, 1.0, 17), rng.uniform(0.0, 0.2, 17))
            box_wh = np.r_[w[t, p], heights[t, p], w[t, p], heights[t, p]]
            jit = rng.normal(0, 0.02, 4) * box_wh
            occluder = np.argmax(cover[t, p])
            e = ident[p] + embed_noise * rng.normal(size=embed_dim) / np.sqrt(embed_dim)
            if cover[t, p, occluder] > 0.2:
                e = e + cover[t, p, occluder] * ident[occluder]
            kp_list.append(kp)
            ks_list.append(ks)
            bb_list.append(boxes[t, p] + jit)
            emb_list.append(e / np.linalg.norm(e))
        gt_ids = list(ids + 1)
        if rng.random() < fp_rate:  # a false positive somewhere
            pose = poses[rng.integers(len(poses))]
            h = rng.uniform(100, 200)
            c = rng.uniform([0, 0], [width, height])
            kp = pose['kpts'] * h + c
            bb_list.append(np.r_[c - [h * pose['aspect'] / 2, h / 2],
                                 c + [h * pose['aspect'] / 2, h / 2]])
            kp_list.append(kp)
            ks_list.append(rng.uniform(0.1, 0.6, 17))
            e = rng.normal(size=embed_dim)
            emb_list.append(e / np.linalg.norm(e))
            gt_ids.append(-1)
        n = len(bb_list)
        inst = InstanceData()
        inst.bboxes = np.asarray(bb_list, np.float32).reshape(n, 4)
        inst.bbox_scores = rng.uniform(0.5, 1.0, n).astype(np.float32)
        inst.keypoints = np.asarray(kp_list, np.float32).reshape(n, 17, 2)
        inst.keypoint_scores = np.asarray(ks_list, np.float32).reshape(n, 17)
        inst.embeddings = np.asarray(emb_list, np.float32).reshape(n, embed_dim)
        inst.gt_ids = np.asarray(gt_ids, np.int64)
        frames.append(inst)
        for p in np.flatnonzero(present[t]):
            b = boxes[t, p]
            gt_rows.append([t, p + 1, b[0], b[1], b[2] - b[0], b[3] - b[1]])
    return dict(
        frames=frames, gt=np.asarray(gt_rows, np.float64), num_hidden=int((inside & hidden).sum()))


def _gait(t: int, p: int, h: float) -> np.ndarray:
    """Small periodic limb motion (arms and legs swing in anti-phase)."""
    phase = 2 * np.pi * t / 24.0 + p
    off = np.zeros((17, 2))
    swing = 0.04 * h * np.sin(phase)
    off[[7, 9, 14, 16], 0] = swing  # left arm, right leg
    off[[8, 10, 13, 15], 0] = -swing
    return off


def run_tracker(tracker, frames: List[InstanceData], use_embeddings: bool = True) -> np.ndarray:
    """Run ``tracker`` (``reset()``, ``update(instances, frame_id)``) over the
    frames of :func:`make_sequence` -> (R, 6) MOT rows ``frame, id, x, y, w, h``
    of the tracked boxes; ``use_embeddings=False`` drops the embeddings."""
    tracker.reset()
    rows = []
    for t, inst in enumerate(frames):
        inst = inst.clone()
        if not use_embeddings:
            del inst.embeddings
        out = tracker.update(inst, t)
        ids = np.asarray(out.track_ids)
        b = np.asarray(out.bboxes)
        for i in np.flatnonzero(ids >= 0):
            rows.append([t, ids[i], b[i, 0], b[i, 1], b[i, 2] - b[i, 0], b[i, 3] - b[i, 1]])
    return np.asarray(rows, np.float64).reshape(-1, 6)
