"""Run a tracker over one sequence and print MOT metrics.

Inputs:
  * a MOTChallenge ``det.txt`` / results txt (``frame,id,x,y,w,h,score,...``;
    the id column is ignored), or
  * an AlphaPose results JSON (fact sheet §9.1: a list of
    ``{image_id, keypoints [x,y,c]*K, score, box [x,y,w,h], ...}``; frames
    are ordered by the number in ``image_id``).

Examples::

    python tools/test_tracking.py tests/data/mot15/train/results/TUD-Campus.txt \
        --gt tests/data/mot15/train/TUD-Campus/gt/gt.txt --tracker iou
    python tools/test_tracking.py alphapose-results.json --tracker pose-aware \
        --metainfo configs/_base_/datasets/coco.py --out tracked.txt
"""
import argparse
import json
import os.path as osp
import re
import sys
from typing import Dict, List, Tuple

import numpy as np
from mmengine.structures import InstanceData

TRACKER_TYPES = {
    'pose-aware': 'PoseAwareTracker',
    'poseflow': 'PoseFlowTracker',
    'iou': 'IoUTracker'
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('input', help='MOT txt detections or AlphaPose JSON')
    p.add_argument('--gt', help='MOTChallenge gt.txt to evaluate against')
    p.add_argument('--tracker', default='pose-aware', choices=sorted(TRACKER_TYPES))
    p.add_argument('--metainfo', default=None, help='dataset config for OKS sigmas (pose-aware)')
    p.add_argument(
        '--min-score', type=float, default=-np.inf, help='drop detections below this score')
    p.add_argument(
        '--iou-thr', type=float, default=0.5, help='IoU of a true positive in the evaluation')
    p.add_argument('--out', help='write the tracks as a MOT txt here')
    return p.parse_args(argv)


def _frame_number(image_id) -> int:
    if isinstance(image_id, (int, np.integer)):
        return int(image_id)
    nums = re.findall(r'\d+', osp.basename(str(image_id)))
    if not nums:
        raise ValueError(f'cannot read a frame number from image_id '
                         f'{image_id!r}')
    return int(nums[-1])


def load_frames(path: str, min_score: float) -> List[Tuple[int, InstanceData]]:
    """(frame id, InstanceData) for every frame of the input file."""
    if not osp.isfile(path):
        raise FileNotFoundError(path)
    frames: Dict[int, List] = {}
    if path.endswith('.json'):
        with open(path) as f:
            entries = json.load(f)
        if not isinstance(entries, list):
            raise ValueError(f'{path}: expected the AlphaPose list format')
        for i, e in enumerate(entries):
            for key in ('image_id', 'keypoints'):
                if key not in e:
                    raise KeyError(f'{path}: entry {i} has no "{key}"')
            kp = np.asarray(e['keypoints'], np.float64).reshape(-1, 3)
            if 'box' in e:
                x, y, w, h = e['box']
                box = [x, y, x + w, y + h]
            else:
                box = [*kp[:, :2].min(0), *kp[:, :2].max(0)]
            frames.setdefault(_frame_number(e['image_id']), []).append(
                (box, float(e.get('score', 1.0)), kp))
    else:
        from mmalphapose.evaluation.metrics.mot_metric import load_mot_txt
        for r in load_mot_txt(path):
            x, y, w, h = r[2:6]
            score = float(r[6]) if r[6] >= 0 else 1.0  # -1: not given
            frames.setdefault(int(r[0]), []).append(([x, y, x + w, y + h], score, None))
    out = []
    for fid in sorted(frames):
        items = [it for it in frames[fid] if it[1] >= min_score]
        inst = InstanceData()
        inst.bboxes = np.asarray([it[0] for it in items], np.float32).reshape(-1, 4)
        inst.bbox_scores = np.asarray([it[1] for it in items], np.float32)
        if items and items[0][2] is not None:
            kp = np.stack([it[2] for it in items])
            inst.keypoints = kp[..., :2].astype(np.float32)
            inst.keypoint_scores = kp[..., 2].astype(np.float32)
        out.append((fid, inst))
    return out


def main(argv=None) -> Dict:
    args = parse_args(argv)
    import mmalphapose.tracking  # noqa: F401 (registers the trackers)
    from mmalphapose.registry import TRACKERS
    cfg = dict(type=TRACKER_TYPES[args.tracker])
    if args.tracker == 'pose-aware' and args.metainfo:
        cfg['metainfo'] = args.metainfo
    tracker = TRACKERS.build(cfg)
    rows = []
    for fid, inst in load_frames(args.input, args.min_score):
        res = tracker.update(inst, fid)
        ids = np.asarray(res.track_ids)
        b = np.asarray(res.bboxes, np.float64)
        for i in np.flatnonzero(ids >= 0):
            rows.append([fid, ids[i], b[i, 0], b[i, 1], b[i, 2] - b[i, 0], b[i, 3] - b[i, 1]])
    rows = np.asarray(rows, np.float64).reshape(-1, 6)
    print(f'{args.tracker}: {len(np.unique(rows[:, 1]))} tracks, '
          f'{len(rows)} boxes')
    if args.out:
        with open(args.out, 'w') as f:
            for r in rows:
                f.write(f'{int(r[0])},{int(r[1])},{r[2]:.2f},{r[3]:.2f},'
                        f'{r[4]:.2f},{r[5]:.2f},1,-1,-1,-1\n')
    metrics: Dict = {}
    if args.gt:
        from mmalphapose.evaluation.metrics.mot_metric import evaluate_mot, load_mot_txt
        metrics = evaluate_mot(load_mot_txt(args.gt, min_confidence=1), rows, iou_thr=args.iou_thr)
        for k in ('mota', 'motp', 'idf1', 'num_switches', 'num_false_positives', 'num_misses',
                  'num_objects'):
            v = metrics[k]
            print(f'{k:>20s}: {v:.4f}' if isinstance(v, float) else f'{k:>20s}: {v}')
    return metrics


if __name__ == '__main__':
    sys.exit(0 if main() is not None else 1)
