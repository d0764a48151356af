"""Identity switches and IDF1 of the trackers on real sequences (issue 18).

1. The bundled basketball clip (``demo/resources/demo_basketball.mp4``, frames
   0-74) against the hand-checked id table
   ``tests/data/tracking/demo_basketball_ids.txt`` (two players; how it was
   made: ``tests/data/README.md``). The default pose model and detector run
   once with no tracker; every tracker then runs on those same frames
   (IoU, PoseFlow, pose-aware without and with the embedding). The
   pose-aware tracker is also run inside the full pipeline with
   ``--det-frequency 5`` (the tracker decides the boxes between detector
   runs, so that run needs the model again).
2. MOT15 TUD-Campus (boxes only: a real tracker's boxes as detections, the
   MOT15 GT; ``tests/data/mot15``).
3. The tracker's cost per frame at 20 people (real poses of the clip,
   tiled), printed, never asserted.

Usage::

    python benchmarks/tracking_eval.py [--frames 75] [--skip-det-frequency]

Numbers measured while other jobs share the CPU are noisy (the cost per
frame most of all).
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.structures import InstanceData

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
VIDEO = osp.join(ROOT, 'demo', 'resources', 'demo_basketball.mp4')
ID_TABLE = osp.join(ROOT, 'tests', 'data', 'tracking', 'demo_basketball_ids.txt')
MOT15 = osp.join(ROOT, 'tests', 'data', 'mot15', 'train')
TRACKERS = {
    'iou': dict(type='IoUTracker'),
    'poseflow': dict(type='PoseFlowTracker'),
    'pose-aware (no embedding)': dict(type='PoseAwareTracker'),
    'pose-aware': dict(type='PoseAwareTracker'),
}


def load_id_table(path: str = ID_TABLE) -> np.ndarray:
    """(R, 6) rows ``frame, id, x, y, w, h`` of a hand-assigned id table."""
    from mmalphapose.evaluation.metrics.mot_metric import load_mot_txt
    return load_mot_txt(path)[:, :6]


def pose_frames(num_frames: int = 75,
                det_frequency: int = 1,
                track: str = 'pose-aware') -> List[Tuple[int, InstanceData]]:
    """(frame index, pred_instances) of the clip through the default models
    (``track`` and ``det_frequency`` as the demo's flags). A tracker is on by
    default: only then does the pose stage add the identity embeddings that the
    trackers replayed on these frames read (``track='none'`` skips them)."""
    from mmalphapose.apis import PoseInferencer
    inferencer = PoseInferencer(track=track, show_progress=False)
    out = []
    for res in inferencer(
            VIDEO, return_datasamples=True, save_json=False, det_frequency=det_frequency):
        pred = res['predictions']
        sample = pred[0] if isinstance(pred, list) else pred
        out.append((int(res['frame_id']), sample.pred_instances))
        if len(out) >= num_frames:
            break
    return out


def run_tracker(cfg: dict,
                frames: List[Tuple[int, InstanceData]],
                embeddings: bool = True,
                img_of=None) -> List[Tuple[int, InstanceData]]:
    """Track cached frames (embeddings dropped when ``embeddings`` is False)."""
    from mmalphapose.registry import TRACKERS as REG
    tracker = REG.build(dict(cfg))
    out = []
    for fid, inst in frames:
        if not embeddings and 'embeddings' in inst:
            inst = inst.clone()
            del inst.embeddings
        img = img_of(fid) if img_of is not None else None
        out.append((fid, tracker.update(inst, fid, img=img)))
    return out


def tracked_rows(frames: List[Tuple[int, InstanceData]]) -> np.ndarray:
    """(R, 6) ``frame, id, x, y, w, h`` of the tracked instances."""
    from mmalphapose.utils import to_numpy
    rows = []
    for fid, inst in frames:
        if len(inst) == 0 or 'track_ids' not in inst:
            continue
        ids = to_numpy(inst.track_ids).reshape(-1)
        b = to_numpy(inst.bboxes).astype(np.float64).reshape(-1, 4)
        keep = ids >= 0
        rows.append(np.c_[np.full(keep.sum(), fid), ids[keep], b[keep, :2],
                          b[keep, 2:] - b[keep, :2]])
    return np.concatenate(rows) if rows else np.zeros((0, 6))


def id_switches(table: np.ndarray, rows: np.ndarray, iou_thr: float = 0.5) -> Dict[int, dict]:
    """Per labelled person: the track ids it got (in order), the number of
    changes of that id between the frames where it was found, and the
    frames where no tracked box covered it (IoU >= ``iou_thr``)."""
    from mmalphapose.evaluation.metrics.mot_metric import iou_xywh
    out = {}
    for pid in np.unique(table[:, 1]).astype(int):
        mine = table[table[:, 1] == pid]
        seq, missed = [], []
        for r in mine:
            hyp = rows[rows[:, 0] == r[0]]
            iou = iou_xywh(r[None, 2:6], hyp[:, 2:6])[0] if len(hyp) else np.zeros(0)
            if len(iou) and iou.max() >= iou_thr:
                seq.append(int(hyp[iou.argmax(), 1]))
            else:
                missed.append(int(r[0]))
        switches = sum(a != b for a, b in zip(seq[:-1], seq[1:]))
        out[int(pid)] = dict(ids=sorted(set(seq), key=seq.index), switches=switches, missed=missed)
    return out


def score(table: np.ndarray, rows: np.ndarray) -> dict:
    """IDF1 / switches (py-motmetrics rules) and per-person switches."""
    from mmalphapose.evaluation.metrics.mot_metric import evaluate_mot
    m = evaluate_mot(table, rows, iou_thr=0.5)
    per = id_switches(table, rows)
    return dict(
        idf1=m['idf1'],
        mot_switches=m['num_switches'],
        per_person=per,
        switches=sum(p['switches'] for p in per.values()),
        ids_in_json=sorted(np.unique(rows[:, 1]).astype(int).tolist()))


def _print(name: str, s: dict) -> None:
    per = ', '.join(f'player {k}: ids {v["ids"]} ({v["switches"]} switches, '
                    f'{len(v["missed"])} frames uncovered)' for k, v in s['per_person'].items())
    print(f'  {name:28s} switches {s["switches"]}  IDF1 {s["idf1"]:.3f}  '
          f'ids used {s["ids_in_json"]}  | {per}')


def basketball(num_frames: int, det_frequency: bool) -> Dict[str, dict]:
    import cv2
    table = load_id_table()
    table = table[table[:, 0] < num_frames]
    t0 = time.time()
    frames = pose_frames(num_frames)
    print(f'basketball clip, {len(frames)} frames (models ran once, {time.time() - t0:.0f} s); '
          f'vs {ID_TABLE}:')
    cap = cv2.VideoCapture(VIDEO)
    imgs = []
    while len(imgs) < num_frames:
        ok, img = cap.read()
        if not ok:
            break
        imgs.append(img)
    results = {}
    for name, cfg in TRACKERS.items():
        out = run_tracker(
            cfg,
            frames,
            embeddings=name == 'pose-aware' or 'embedding' not in name,
            img_of=imgs.__getitem__)
        results[name] = score(table, tracked_rows(out))
        _print(name, results[name])
    if det_frequency:
        t0 = time.time()
        out = pose_frames(num_frames, det_frequency=5, track='pose-aware')
        results['pose-aware --det-frequency 5'] = s = score(table, tracked_rows(out))
        _print('pose-aware --det-frequency 5', s)
        print(f'  (full pipeline run, {time.time() - t0:.0f} s)')
    return results


def tud_campus() -> Dict[str, dict]:
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import test_tracking
    seq = osp.join(MOT15, 'results', 'TUD-Campus.txt')
    gt = osp.join(MOT15, 'TUD-Campus', 'gt', 'gt.txt')
    print('MOT15 TUD-Campus (boxes only):')
    out = {}
    for name in ('iou', 'poseflow', 'pose-aware'):
        m = test_tracking.main([seq, '--gt', gt, '--tracker', name, '--quiet'])
        out[name] = m
        print(f'  {name:12s} IDF1 {m["idf1"]:.3f}  MOTA {m["mota"]:.3f}  '
              f'switches {m["num_switches"]}')
    return out


def crowd_frames(people: int = 20, frames: int = 60, seed: int = 0) -> List[InstanceData]:
    """``people`` real COCO poses (tests/data) on a grid of a 1920x1080
    frame, all visible in every frame, walking at random velocities, with
    320-dim embeddings (a vector per person plus noise)."""
    from mmalphapose.testing import load_real_poses
    rng = np.random.default_rng(seed)
    poses = load_real_poses(osp.join(ROOT, 'tests', 'data'))
    pick = [poses[i % len(poses)] for i in range(people)]
    cols = int(np.ceil(np.sqrt(people * 16 / 9)))
    start = np.array([[(i % cols + 0.5) * 1920 / cols,
                       (i // cols + 0.5) * 1080 / np.ceil(people / cols)] for i in range(people)])
    vel = rng.normal(0, 2, (people, 2))
    height = rng.uniform(150, 220, people)
    ident = rng.normal(size=(people, 320))
    out = []
    for t in range(frames):
        c = start + t * vel
        kp = np.stack([p['kpts'] for p in pick]) * height[:, None, None] + c[:, None]
        half = np.stack([height * [p['aspect'] for p in pick], height], 1) / 2
        out.append(
            InstanceData(
                bboxes=np.concatenate([c - half, c + half], 1),
                bbox_scores=np.full(people, 0.9),
                keypoints=kp,
                keypoint_scores=np.stack([np.where(p['vis'], 0.9, 0.1) for p in pick]),
                embeddings=ident + 0.3 * rng.normal(size=ident.shape)))
    return out


def tracker_cost(people: int = 20, frames: int = 60) -> Dict[str, float]:
    """Median ms per ``update`` with ``people`` people in every frame
    (:func:`crowd_frames`), and the id switches there (expected 0)."""
    from mmalphapose.registry import TRACKERS as REG
    seq = crowd_frames(people, frames)
    out = {}
    for name in ('iou', 'pose-aware'):
        tracker = REG.build(dict(TRACKERS[name]))
        times, ids = [], []
        for fid, inst in enumerate(seq):
            t = time.perf_counter()
            res = tracker.update(inst, fid)
            times.append(time.perf_counter() - t)
            ids.append(np.asarray(res.track_ids))
        out[name] = 1000 * float(np.median(times[5:]))
        stable = all((i == ids[0]).all() for i in ids)
        print(f'  {name:12s} {out[name]:.2f} ms per frame at {people} people (median of '
              f'{frames - 5} frames; ids stable: {stable})')
    return out


def main(argv: Optional[List[str]] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--frames', type=int, default=75)
    p.add_argument('--skip-det-frequency', action='store_true')
    p.add_argument('--skip-video', action='store_true')
    args = p.parse_args(argv)
    from mmalphapose.utils import register_all_modules
    register_all_modules()
    res = {}
    if not args.skip_video:
        res['basketball'] = basketball(args.frames, not args.skip_det_frequency)
    res['tud_campus'] = tud_campus()
    print('tracker cost:')
    res['cost'] = tracker_cost()
    return res


if __name__ == '__main__':
    main()
