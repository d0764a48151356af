"""Speed of the vectorised ParametricPoseNMS vs the loop-per-pose reference.

Usage: python benchmarks/pose_nms.py [--people 5 20 50 200] [--keypoints 17]

Each frame holds N people, each detected 1-3 times (jittered duplicates),
as a detector + pose network would produce. Both implementations run on the
same frames in the same process; the script prints the per-frame times and
the speed ratio (reference / ours) and checks that the kept sets agree.
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np
from mmengine.structures import InstanceData

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmalphapose.post_processing import ParametricPoseNMS  # noqa: E402
from mmalphapose.post_processing.utils import resolve_wholebody_groups  # noqa: E402
from mmalphapose.testing.reference_pose_nms import reference_pose_nms  # noqa: E402


def make_frame(rng: np.random.Generator, people: int, k: int, size=(1920, 1080)) -> InstanceData:
    """A frame of ``size`` (w, h) with ``people`` persons, 1-3 detections each."""
    kpts, scores, boxes, box_scores = [], [], [], []
    for _ in range(people):
        w, h = rng.uniform(40, 250), rng.uniform(80, 400)
        x0, y0 = rng.uniform(0, size[0] - w), rng.uniform(0, size[1] - h)
        base = np.stack([x0 + rng.uniform(0, w, k), y0 + rng.uniform(0, h, k)], -1)
        base_s = rng.uniform(0.05, 1, k)
        for _ in range(rng.integers(1, 4)):
            kpts.append(base + rng.normal(0, 2.0, base.shape))
            scores.append(np.clip(base_s + rng.normal(0, 0.1, k), 0, 1))
            boxes.append(np.array([x0, y0, x0 + w, y0 + h]) + rng.normal(0, 3, 4))
            box_scores.append(rng.uniform(0.1, 1))
    return InstanceData(
        keypoints=np.array(kpts),
        keypoint_scores=np.array(scores),
        bboxes=np.array(boxes),
        bbox_scores=np.array(box_scores))


def timed(fn, repeats: int) -> float:
    best = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--people', type=int, nargs='+', default=[5, 20, 50, 200])
    parser.add_argument(
        '--keypoints', type=int, default=17, help='17/26 (body P-NMS) or 133/136 (whole-body)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--frame-size',
        type=int,
        nargs=2,
        default=[1920, 1080],
        metavar=('W', 'H'),
        help='smaller frames = more crowded')
    args = parser.parse_args()

    nms = ParametricPoseNMS()
    k = args.keypoints
    groups = resolve_wholebody_groups(k) if nms._is_wholebody(k) else None
    print(f'P-NMS, K={k}, {args.frame_size[0]}x{args.frame_size[1]} frames, '
          f'best of {args.repeats} runs per frame')
    print(f'{"people":>6} {"poses":>6} {"reference ms":>13} {"ours ms":>9} {"ratio":>8}')
    for people in args.people:
        frame = make_frame(np.random.default_rng(args.seed + people), people, k, args.frame_size)
        args_ref = (frame.keypoints, frame.keypoint_scores, frame.bboxes, frame.bbox_scores)
        ref_out = reference_pose_nms(*args_ref, groups=groups)
        _, ours_idx = nms.nms(frame)
        if ours_idx.tolist() != [r['index'] for r in ref_out]:
            raise RuntimeError(f'kept sets differ at {people} people')
        t_ref = timed(lambda: reference_pose_nms(*args_ref, groups=groups),
                      max(1, args.repeats if people < 100 else 1))
        t_ours = timed(lambda: nms.nms(frame), args.repeats)
        print(f'{people:>6} {len(frame):>6} {t_ref * 1e3:>13.2f} {t_ours * 1e3:>9.2f} '
              f'{t_ref / t_ours:>7.1f}x')


if __name__ == '__main__':
    main()
