"""Fit the Part-Guided Proposal Generator (PGPG) statistics.

Normalises every annotated GT pose by its box, clusters the poses into
atomic poses (masked k-means) and fits, per atomic pose, a Gaussian over the
offset of detector boxes relative to the GT box:
(dcx / w, dcy / h, log(w_det / w), log(h_det / h)).

Detector boxes come from a COCO detection-results JSON matched to the GT by
IoU, or, without one, from simulated detector noise (AlphaPose's addDPG
per-edge Gaussian jitter).

Example:
    python tools/analysis_tools/fit_pgpg.py tests/data/coco/test_coco.json \\
        --det tests/data/coco/test_coco_det_AP_H_56.json --k 3 \\
        --out configs/_base_/pgpg/coco_sample_k3.json
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from mmalphapose.datasets.transforms.pgpg import (DPG_EDGE_MEAN, DPG_EDGE_STD, OFFSET_NAMES,
                                                  box_offsets, masked_kmeans, normalize_pose_by_box)
from mmalphapose.structures import bbox_iou

_WB_KEYS = ('foot_kpts', 'face_kpts', 'lefthand_kpts', 'righthand_kpts')


def load_gt(ann_file: str) -> Tuple[Dict[int, List[Dict]], int]:
    """GT persons per image id: dict(box xyxy, keypoints (K,2), visible (K,)).

    COCO-WholeBody annotations are stacked body, foot, face, hands.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file "{ann_file}" not found')
    with open(ann_file) as f:
        data = json.load(f)
    if 'annotations' not in data:
        raise ValueError(f'"{ann_file}" has no "annotations" (not a COCO file?)')
    per_image: Dict[int, List[Dict]] = {}
    num_kpts = None
    for ann in data['annotations']:
        if ann.get('iscrowd', 0) or 'bbox' not in ann or 'keypoints' not in ann:
            continue
        flat = list(ann['keypoints'])
        if all(key in ann for key in _WB_KEYS):
            for key in _WB_KEYS:
                flat += list(ann[key])
        kp = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
        if num_kpts is None:
            num_kpts = kp.shape[0]
        elif kp.shape[0] != num_kpts:
            raise ValueError(f'"{ann_file}": annotation {ann.get("id")} has '
                             f'{kp.shape[0]} keypoints, expected {num_kpts}')
        x, y, w, h = ann['bbox']
        if w <= 1 or h <= 1:
            continue
        per_image.setdefault(ann['image_id'], []).append(
            dict(box=np.array([x, y, x + w, y + h]), keypoints=kp[:, :2], visible=kp[:, 2] > 0))
    if num_kpts is None:
        raise ValueError(f'"{ann_file}" has no usable keypoint annotations')
    return per_image, num_kpts


def load_dets(det_file: str, score_thr: float) -> Dict[int, np.ndarray]:
    """Person boxes (M,4) xyxy per image id from a COCO results JSON."""
    if not osp.isfile(det_file):
        raise FileNotFoundError(f'detection file "{det_file}" not found')
    with open(det_file) as f:
        dets = json.load(f)
    if not isinstance(dets, list):
        raise ValueError(f'"{det_file}" must be a list of COCO detection results')
    out: Dict[int, List] = {}
    for d in dets:
        if d.get('category_id', 1) != 1 or d.get('score', 1.0) < score_thr:
            continue
        x, y, w, h = d['bbox']
        out.setdefault(d['image_id'], []).append([x, y, x + w, y + h])
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def match_dets(gt_boxes: np.ndarray, det_boxes: np.ndarray, iou_thr: float,
               one_to_one: bool) -> Tuple[np.ndarray, np.ndarray]:
    """(gt index, det index) pairs: each det goes to its best-IoU GT (IoU >=
    thr); with ``one_to_one`` only the best det per GT (greedy by IoU)."""
    if len(gt_boxes) == 0 or len(det_boxes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    iou = bbox_iou(gt_boxes, det_boxes).astype(np.float64)  # (G,D)
    if not one_to_one:
        best = iou.argmax(axis=0)
        ok = iou[best, np.arange(iou.shape[1])] >= iou_thr
        return best[ok], np.flatnonzero(ok)
    gi, di = [], []
    iou = iou.copy()
    while iou.size and iou.max() >= iou_thr:
        g, d = np.unravel_index(np.argmax(iou), iou.shape)
        gi.append(g)
        di.append(d)
        iou[g, :] = -1
        iou[:, d] = -1
    return np.asarray(gi, np.int64), np.asarray(di, np.int64)


def simulate_dets(gt_boxes: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated detector boxes: AlphaPose addDPG per-edge Gaussian jitter."""
    b = np.repeat(gt_boxes, samples, axis=0)
    wh = b[:, 2:] - b[:, :2]
    noise = rng.normal(size=b.shape) * DPG_EDGE_STD + DPG_EDGE_MEAN
    out = b + noise * np.concatenate([wh, wh], axis=1)
    out[:, 2:] = np.maximum(out[:, 2:], out[:, :2] + 1)
    return out


def gaussian_stats(x: np.ndarray) -> Dict:
    """count, mean, std and covariance of offsets (M,4)."""
    cov = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((4, 4))
    return dict(
        count=int(len(x)),
        mean=x.mean(0).tolist(),
        std=x.std(0, ddof=1 if len(x) > 1 else 0).tolist(),
        cov=cov.tolist())


def fit_pgpg(ann_file: str,
             det_file: Optional[str] = None,
             k: int = 8,
             iou_thr: float = 0.5,
             det_score_thr: float = 0.0,
             one_to_one: bool = False,
             sim_samples: int = 20,
             min_visible: int = 3,
             min_samples: int = 5,
             seed: int = 0) -> Dict:
    """Fit atomic poses and per-atom box-offset Gaussians; returns the JSON
    dict that :class:`PartGuidedProposal` reads."""
    rng = np.random.default_rng(seed)
    gts, num_kpts = load_gt(ann_file)
    dets = load_dets(det_file, det_score_thr) if det_file else None

    poses, visible, gt_idx_of_offset, offsets = [], [], [], []
    for img_id, persons in sorted(gts.items()):
        boxes = np.stack([p['box'] for p in persons])
        if dets is None:
            det_boxes = simulate_dets(boxes, sim_samples, rng)
            g = np.repeat(np.arange(len(boxes)), sim_samples)
            d = np.arange(len(det_boxes))
        else:
            det_boxes = dets.get(img_id, np.zeros((0, 4)))
            g, d = match_dets(boxes, det_boxes, iou_thr, one_to_one)
        base = len(poses)
        for p in persons:
            poses.append(normalize_pose_by_box(p['keypoints'][None], p['box'])[0])
            visible.append(p['visible'])
        if len(g):
            offsets.append(box_offsets(boxes[g], det_boxes[d]))
            gt_idx_of_offset.append(base + g)
    if not offsets:
        raise ValueError('no detection matched any GT box (check --det / --iou-thr)')
    poses, visible = np.stack(poses), np.stack(visible)
    offsets = np.concatenate(offsets)
    owner = np.concatenate(gt_idx_of_offset)

    usable = visible.sum(axis=1) >= min_visible
    if not usable.any():
        raise ValueError(f'no GT pose has >= {min_visible} visible keypoints')
    centres, labels_used = masked_kmeans(poses[usable], visible[usable], k, seed=seed)
    labels = np.full(len(poses), -1)
    labels[usable] = labels_used

    global_stats = gaussian_stats(offsets)
    clusters = []
    for c in range(len(centres)):
        x = offsets[labels[owner] == c]
        stats = gaussian_stats(x) if len(x) >= min_samples else dict(
            global_stats, count=int(len(x)), fallback='global')
        stats['num_poses'] = int(np.sum(labels == c))
        clusters.append(stats)
    result = dict(
        type='PGPG',
        version=1,
        num_keypoints=int(num_kpts),
        num_clusters=int(len(centres)),
        offset_names=list(OFFSET_NAMES),
        pose_normalisation='(x - x1) / w, (y - y1) / h of the GT box',
        centres=np.round(centres, 6).tolist(),
        clusters=clusters,
        source=dict(
            ann_file=osp.basename(ann_file),
            det_file=osp.basename(det_file) if det_file else None,
            simulated=det_file is None,
            iou_thr=iou_thr,
            det_score_thr=det_score_thr,
            one_to_one=one_to_one,
            sim_samples=sim_samples if det_file is None else None,
            min_visible=min_visible,
            min_samples=min_samples,
            seed=seed,
            num_poses=int(len(poses)),
            num_offsets=int(len(offsets))))
    result['global'] = global_stats
    return result


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Fit PGPG atomic poses and box '
                                     'offset distributions.')
    parser.add_argument('ann_file', help='COCO-style keypoint annotation JSON')
    parser.add_argument(
        '--det',
        default=None,
        help='COCO detection results JSON; '
        'simulated detector noise when omitted')
    parser.add_argument('--k', type=int, default=8, help='number of atomic poses')
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--det-score-thr', type=float, default=0.0)
    parser.add_argument(
        '--one-to-one', action='store_true', help='only the best detection per GT box')
    parser.add_argument(
        '--sim-samples', type=int, default=20, help='simulated detections per GT box (no --det)')
    parser.add_argument(
        '--min-visible',
        type=int,
        default=3,
        help='visible keypoints needed to join the clustering')
    parser.add_argument(
        '--min-samples',
        type=int,
        default=5,
        help='offsets needed for per-cluster stats (else global)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True, help='output JSON')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    result = fit_pgpg(args.ann_file, args.det, args.k, args.iou_thr, args.det_score_thr,
                      args.one_to_one, args.sim_samples, args.min_visible, args.min_samples,
                      args.seed)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    src = result['source']
    print(f'{src["num_poses"]} GT poses, {src["num_offsets"]} offsets, '
          f'{result["num_clusters"]} atomic poses -> {args.out}')
    for i, c in enumerate(result['clusters']):
        print(f'  atom {i}: {c["num_poses"]} poses, {c["count"]} offsets, mean '
              f'{np.round(c["mean"], 3).tolist()} std {np.round(c["std"], 3).tolist()}' +
              (' (global stats)' if c.get('fallback') else ''))


if __name__ == '__main__':
    main()
