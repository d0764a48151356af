"""Run a tracker over one sequence and print MOT metrics.

Inputs:
  * a MOTChallenge ``det.txt`` / results txt (``frame,id,x,y,w,h,score,...``;
    the id column is ignored), or
  * an AlphaPose results JSON (alphapose/utils/pPose_nms.py:659: a list of
    ``{image_id, keypoints [x,y,c]*K, score, box [x,y,w,h], ...}``; frames
    are ordered by the number in ``image_id``).

With a PoseTrack18 GT (``--gt`` a PoseTrack JSON or a folder of them), the
input is an AlphaPose results JSON (``image_id`` = the frame's file name;
its ``idx`` track ids are used unless ``--tracker`` is given) or a
PoseTrack-format prediction JSON (``images`` + ``annotations`` with
``track_id``); the tool prints per-joint AP and MOTA/MOTP/precision/recall
(:class:`~mmalphapose.evaluation.metrics.PoseTrack18Metric`'s rules).

Examples::

    python tools/test_tracking.py tests/data/mot15/train/results/TUD-Campus.txt \
        --gt tests/data/mot15/train/TUD-Campus/gt/gt.txt --tracker iou
    python tools/test_tracking.py alphapose-results.json --tracker pose-aware \
        --metainfo configs/_base_/datasets/coco.py --out tracked.txt
    python tools/test_tracking.py alphapose-results.json \
        --gt data/posetrack18/annotations/val/
"""
import argparse
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
    p.add_argument('--gt', help='MOTChallenge gt.txt, or PoseTrack18 GT JSON / folder')
    p.add_argument(
        '--tracker',
        default=None,
        choices=sorted(TRACKER_TYPES),
        help='default: pose-aware (PoseTrack GT: the input\'s own ids when it has them)')
    p.add_argument(
        '--pred-layout',
        default='auto',
        choices=['auto', 'coco', 'halpe26', 'posetrack'],
        help='keypoint layout of the input (PoseTrack GT; auto: by count, 17 = COCO)')
    p.add_argument('--metainfo', default=None, help='dataset config for OKS sigmas (pose-aware)')
    p.add_argument(
        '--min-score', type=float, default=-np.inf, help='drop detections below this score')
    p.add_argument(
        '--iou-thr', type=float, default=0.5, help='IoU of a true positive in the evaluation')
    p.add_argument('--out', help='write the tracks as a MOT txt here')
    p.add_argument(
        '--plot',
        metavar='OUT.png',
        help='draw each track\'s lifetime over the frames (MOT input; with a MOT --gt the '
        'identity switches are marked)')
    p.add_argument('--quiet', action='store_true', help='print nothing')
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
    from mmalphapose.utils.array_conversion import as_keypoint_triplets
    from mmalphapose.utils.io import load_json
    if not osp.isfile(path):
        raise FileNotFoundError(f'input "{path}" not found')
    frames: Dict[int, List] = {}
    num_kpts = None
    if path.endswith('.json'):
        entries = load_json(path, 'pose results')
        if not isinstance(entries, list):
            raise ValueError(f'{path}: expected the AlphaPose list format')
        for i, e in enumerate(entries):
            for key in ('image_id', 'keypoints'):
                if not isinstance(e, dict) or key not in e:
                    raise ValueError(f'{path}: entry {i} has no "{key}"')
            kp = as_keypoint_triplets(e['keypoints'], f'{path}: entry {i}')
            if num_kpts is None:
                num_kpts = len(kp)
            elif len(kp) != num_kpts:
                raise ValueError(f'{path}: entry {i} has {len(kp)} keypoints, entry 0 has '
                                 f'{num_kpts}')
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


def is_posetrack_gt(path: str) -> bool:
    """A folder or a JSON file (PoseTrack18 GT) rather than a MOT txt."""
    return osp.isdir(path) or path.endswith('.json')


def build_tracker(name: str, metainfo=None):
    import mmalphapose.tracking  # noqa: F401 (registers the trackers)
    from mmalphapose.registry import TRACKERS
    cfg = dict(type=TRACKER_TYPES[name])
    if metainfo:
        cfg['metainfo'] = metainfo
    return TRACKERS.build(cfg)


def _posetrack_keypoints(ann: dict, path: str) -> list:
    """``[x, y, score] * K`` of a PoseTrack-format prediction: its per-joint
    ``scores`` replace the visibility flags, as poseval reads them."""
    kp = ann.get('keypoints')
    scores = ann.get('scores')
    if scores is None or kp is None:
        return kp
    from mmalphapose.utils.array_conversion import as_keypoint_triplets
    kp = as_keypoint_triplets(kp, f'{path}: annotation {ann.get("id", "?")}')
    if not isinstance(scores, (list, tuple)) or len(scores) != len(kp):
        raise ValueError(f'{path}: annotation {ann.get("id", "?")} has {len(kp)} keypoints but '
                         f'{len(scores)} "scores"')
    kp[:, 2] = np.asarray(scores, np.float64)
    return kp.ravel().tolist()


def load_pose_results(path: str) -> List[dict]:
    """Entries ``{image_id (file name or id), keypoints (K, 3), idx}`` of an
    AlphaPose results JSON or a PoseTrack-format prediction JSON (whose
    per-joint ``scores``, when given, are the keypoint scores)."""
    from mmalphapose.utils.array_conversion import as_keypoint_triplets
    from mmalphapose.utils.io import load_json
    data = load_json(path, 'pose results')
    if isinstance(data, dict) and 'annotations' in data:  # PoseTrack format
        names = {im['id']: im.get('file_name', im['id']) for im in data.get('images', [])}
        data = [
            dict(
                image_id=names.get(a['image_id'], a['image_id']),
                keypoints=_posetrack_keypoints(a, path),
                idx=a.get('track_id', -1),
                score=a.get('score', 1.0)) for a in data['annotations']
        ]
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected an AlphaPose list or PoseTrack "annotations"')
    num = None
    for i, e in enumerate(data):
        for key in ('image_id', 'keypoints'):
            if not isinstance(e, dict) or key not in e:
                raise ValueError(f'{path}: entry {i} has no "{key}"')
        kp = as_keypoint_triplets(e['keypoints'], f'{path}: entry {i}', num)
        num = len(kp)
        e['keypoints'] = kp
    return data


def main_posetrack(args) -> Dict:
    """Per-joint AP and keypoint MOTA of ``args.input`` against PoseTrack GT."""
    from mmalphapose.evaluation.functional.keypoint_convert import KeypointConverter
    from mmalphapose.evaluation.metrics.posetrack18_metric import (POSETRACK_NAMES, TO_POSETRACK,
                                                                   evaluate_posetrack,
                                                                   load_posetrack_gt)
    videos = load_posetrack_gt(args.gt)
    entries = load_pose_results(args.input)
    # GT frame of each entry: by file name (its end), or by image id
    by_name, by_base = {}, {}
    for vid, frames in videos.items():
        for fr in frames:
            by_name[fr['file_name']] = (vid, fr)
            by_base[osp.join(
                osp.basename(osp.dirname(fr['file_name'])),
                osp.basename(fr['file_name']))] = (vid, fr)
    by_id = {fr['image_id']: (vid, fr) for vid, frames in videos.items() for fr in frames}
    grouped: Dict = {}
    for e in entries:
        key = e['image_id']
        hit = by_id.get(key) or by_name.get(key)
        if hit is None and isinstance(key, str):
            hit = by_base.get(osp.join(osp.basename(osp.dirname(key)), osp.basename(key)))
        if hit is None:
            continue
        grouped.setdefault(hit[0], {}).setdefault(hit[1]['image_id'], (hit[1], []))[1].append(e)
    has_ids = entries and all('idx' in e for e in entries)
    tracker = None
    if args.tracker or not has_ids:
        tracker = build_tracker(args.tracker or 'pose-aware', args.metainfo)
    preds = {}
    for vid, frames in grouped.items():
        if tracker is not None:
            tracker.reset()
        for img_id, (fr, items) in sorted(grouped[vid].items(), key=lambda kv: kv[1][0]['frame']):
            kp = np.stack([np.asarray(e['keypoints'], np.float64).reshape(-1, 3) for e in items])
            ids = np.asarray([int(np.ravel([e.get('idx', -1)])[0]) for e in items], np.int64)
            if tracker is not None:
                inst = InstanceData(keypoints=kp[..., :2], keypoint_scores=kp[..., 2])
                inst.bbox_scores = np.asarray([float(e.get('score', 1.0)) for e in items])
                ids = np.asarray(tracker.update(inst, fr['frame']).track_ids).reshape(-1)
            layout = args.pred_layout
            if layout == 'auto':
                layout = {17: 'coco', 26: 'halpe26'}.get(kp.shape[1], 'unknown')
            if layout != 'posetrack':
                if layout not in ('coco', 'halpe26'):
                    raise ValueError(f'{args.input}: {kp.shape[1]} keypoints; pass --pred-layout')
                conv = KeypointConverter(17, TO_POSETRACK[17 if layout == 'coco' else 26])
                pts, sc = conv(kp[..., :2], kp[..., 2])
            else:
                pts, sc = kp[..., :2], kp[..., 2]
            preds[img_id] = dict(ids=ids, keypoints=pts, scores=sc)
    metrics = evaluate_posetrack(videos, preds)
    if not args.quiet:
        print(f'{len(preds)} frames with predictions, {len(videos)} videos')
        for name in POSETRACK_NAMES:
            if f'AP/{name}' in metrics:
                print(f'{name:>16s}: AP {metrics[f"AP/{name}"]:.4f}  '
                      f'MOTA {metrics.get(f"MOTA/{name}", float("nan")):.4f}')
        for k in ('AP', 'MOTA', 'MOTP', 'Precision', 'Recall', 'num_switches'):
            print(f'{k:>16s}: {metrics[k]:.4f}' if isinstance(metrics[k], float
                                                              ) else f'{k:>16s}: {metrics[k]}')
    return metrics


def main(argv=None) -> Dict:
    args = parse_args(argv)
    if args.gt and is_posetrack_gt(args.gt):
        return main_posetrack(args)
    tracker = build_tracker(args.tracker or 'pose-aware',
                            args.metainfo if args.tracker in (None, 'pose-aware') else None)
    rows = []
    for fid, inst in load_frames(args.input, args.min_score):
        res = tracker.update(inst, fid)
        ids = np.asarray(res.track_ids)
        b = np.asarray(res.bboxes, np.float64)
        for i in np.flatnonzero(ids >= 0):
            rows.append([fid, ids[i], b[i, 0], b[i, 1], b[i, 2] - b[i, 0], b[i, 3] - b[i, 1]])
    rows = np.asarray(rows, np.float64).reshape(-1, 6)
    if not args.quiet:
        print(f'{args.tracker or "pose-aware"}: {len(np.unique(rows[:, 1]))} tracks, '
              f'{len(rows)} boxes')
    if args.out:
        with open(args.out, 'w') as f:
            for r in rows:
                f.write(f'{int(r[0])},{int(r[1])},{r[2]:.2f},{r[3]:.2f},'
                        f'{r[4]:.2f},{r[5]:.2f},1,-1,-1,-1\n')
    metrics: Dict = {}
    if args.plot:
        from mmalphapose.visualization.plots import id_switch_events, plot_track_lifetimes
        switches = []
        if args.gt:
            from mmalphapose.evaluation.metrics.mot_metric import load_mot_txt
            switches = id_switch_events(load_mot_txt(args.gt, min_confidence=1), rows,
                                        args.iou_thr)
        plot_track_lifetimes(rows, args.plot, switches)
        if not args.quiet:
            print(f'track lifetimes: {args.plot}')
    if args.gt:
        from mmalphapose.evaluation.metrics.mot_metric import evaluate_mot, load_mot_txt
        metrics = evaluate_mot(load_mot_txt(args.gt, min_confidence=1), rows, iou_thr=args.iou_thr)
        for k in ('mota', 'motp', 'idf1', 'num_switches', 'num_false_positives', 'num_misses',
                  'num_objects'):
            if args.quiet:
                break
            v = metrics[k]
            print(f'{k:>20s}: {v:.4f}' if isinstance(v, float) else f'{k:>20s}: {v}')
    return metrics


if __name__ == '__main__':
    from mmalphapose.utils.errors import run_cli
    sys.exit(run_cli(main))
