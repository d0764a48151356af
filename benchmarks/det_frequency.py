"""What ``--det-frequency N`` buys on video, and what it costs.

With ``--det-frequency N`` the detector runs on every N-th frame; in between
the pose model sees only the boxes of the people written at the frames before
(``apis/stages.py: PoseFollower``): on a crowded clip those are the few
people P-NMS keeps, not the 20+ boxes the detector proposes (on the
arm-wrestling clip P-NMS keeps about one box in four). For each clip of
``benchmarks/demo_speed.py`` and each N, the demo runs end to end with its
default flags (built and warmed up first; the runs of the N interleaved, in
``--repeats`` rounds) and prints:

* frames/s and people/s (people written / seconds; the mean over the
  repeats), and the speed ratio against the first N (1);
* how the written people agree with those of the first N, frame by frame
  (no ground truth here; the first N's people stand in for it): the people
  of both matched greedily by OKS over the 17 COCO keypoints (the trackers'
  ``pose_oks`` with COCO's sigmas, over the keypoints scoring >= 0.3 in the
  reference, or all 17 where fewer than two do; the extent of those
  keypoints as the area); ``recall`` =
  reference people matched with OKS >= 0.5, ``precision`` = written people
  matched, and the median OKS of the matches.

Example::

    python benchmarks/det_frequency.py --clips armwrestling basketball --frequencies 1 2 3 5
"""
import argparse
import json
import os
import os.path as osp
import tempfile
from typing import Dict, List, Tuple

import numpy as np

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import demo_speed  # noqa: E402  (a sibling script: its clips, clip cutting and end-to-end run)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument(
        '--clips',
        nargs='+',
        default=['armwrestling', 'basketball'],
        choices=list(demo_speed.CLIPS))
    p.add_argument(
        '--frames', type=int, default=None, help='frames per clip (default: as demo_speed.py)')
    p.add_argument(
        '--frequencies',
        nargs='+',
        type=int,
        default=[1, 2, 3, 5],
        help='the --det-frequency values; the first is the reference')
    p.add_argument('--repeats', type=int, default=1, help='interleaved rounds')
    p.add_argument('--demo-args', default='', help='extra demo flags for every run')
    return p.parse_args(argv)


def read_people(json_file: str) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """The demo's AlphaPose JSON -> per frame name: keypoints (P,17,2) and
    their scores (P,17) (the first 17 keypoints: COCO-17 in every bundled
    layout)."""
    with open(json_file) as f:
        records = json.load(f)
    frames: Dict[str, List[np.ndarray]] = {}
    for rec in records:
        kp = np.asarray(rec['keypoints'], np.float64).reshape(-1, 3)[:17]
        frames.setdefault(str(rec['image_id']), []).append(kp)
    return {k: (np.stack(v)[..., :2], np.stack(v)[..., 2]) for k, v in frames.items()}


def frame_oks(ref_kpts: np.ndarray,
              ref_scores: np.ndarray,
              kpts: np.ndarray,
              kpt_thr: float = 0.3) -> np.ndarray:
    """(R, P) OKS of P written poses against R reference poses (R,17,2) over
    the reference keypoints scoring >= ``kpt_thr``; the area is the
    reference's confident keypoint extent (w * h, at least 1 x 1 px); a
    reference with fewer than two confident keypoints is compared over all
    17."""
    from mmalphapose.structures.pose_metainfo import PoseMetainfo
    from mmalphapose.tracking.matching import pose_oks
    ok = ref_scores >= kpt_thr  # (R,17)
    ok[ok.sum(1) < 2] = True  # a reference with fewer confident keypoints: all of them
    lo = np.where(ok[..., None], ref_kpts, np.inf).min(1)
    hi = np.where(ok[..., None], ref_kpts, -np.inf).max(1)
    area = np.prod(np.maximum(hi - lo, 1.0), axis=1)  # (R,)
    sigmas = PoseMetainfo.for_num_keypoints(17)['sigmas']  # COCO-17's
    return pose_oks(ref_kpts, ok, kpts, np.ones(kpts.shape[:2], bool),
                    np.repeat(area[:, None], len(kpts), 1), sigmas)


def agreement(ref: Dict[str, Tuple[np.ndarray, np.ndarray]],
              run: Dict[str, Tuple[np.ndarray, np.ndarray]],
              oks_thr: float = 0.5) -> dict:
    """Greedy OKS matching of ``run``'s people to ``ref``'s, frame by frame:
    recall (reference people matched with OKS >= ``oks_thr``), precision
    (written people matched), median OKS of the matches and the counts."""
    matched, oks_all, n_ref, n_run = 0, [], 0, 0
    for name in set(ref) | set(run):
        rk, rs = ref.get(name, (np.zeros((0, 17, 2)), np.zeros((0, 17))))
        k, _ = run.get(name, (np.zeros((0, 17, 2)), np.zeros((0, 17))))
        n_ref, n_run = n_ref + len(rk), n_run + len(k)
        if not len(rk) or not len(k):
            continue
        oks = frame_oks(rk, rs, k)
        while oks.size and oks.max() >= oks_thr:
            i, j = np.unravel_index(int(oks.argmax()), oks.shape)
            oks_all.append(float(oks[i, j]))
            matched += 1
            oks[i, :], oks[:, j] = -1.0, -1.0
    return dict(
        recall=matched / max(n_ref, 1),
        precision=matched / max(n_run, 1),
        median_oks=float(np.median(oks_all)) if oks_all else 0.0,
        people=n_run,
        reference_people=n_ref)


def main(argv=None) -> None:
    args = parse_args(argv)
    freqs = list(dict.fromkeys(args.frequencies))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.clips:
            video, default_n = demo_speed.CLIPS[name]
            n = args.frames or default_n or 10**9
            clip, _ = demo_speed.cut_clip(video, n, tmp)
            warm, _ = demo_speed.cut_clip(video, 2, tmp)
            fps: Dict[int, List[float]] = {f: [] for f in freqs}
            pps: Dict[int, List[float]] = {f: [] for f in freqs}
            people: Dict[int, dict] = {}
            for _ in range(max(1, args.repeats)):
                for f in freqs:
                    out = osp.join(tmp, f'{name}_{f}')
                    argv_f = args.demo_args.split() + ['--det-frequency', str(f)]
                    summary, _ = demo_speed.end_to_end(argv_f, clip, warm, out)
                    fps[f].append(summary['frames'] / summary['seconds'])
                    pps[f].append(summary['people'] / summary['seconds'])
                    stem = osp.splitext(osp.basename(clip))[0]
                    people[f] = read_people(osp.join(out, stem + '.json'))
            for f in freqs:
                agree = agreement(people[freqs[0]], people[f])
                rows.append((name, f, float(np.mean(fps[f])), float(np.mean(pps[f])),
                             float(np.mean(fps[f]) / np.mean(fps[freqs[0]])), agree))
    print(f'\n--det-frequency, end to end with the demo\'s default flags (mean of '
          f'{max(1, args.repeats)} interleaved runs); agreement with --det-frequency '
          f'{freqs[0]}\'s people:')
    print('| clip | N | frames/s | people/s | speed vs N=%d | people | recall | precision '
          '| median OKS |' % freqs[0])
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for name, f, fr, pp, ratio, a in rows:
        print(f'| {name} | {f} | {fr:.2f} | {pp:.1f} | {ratio:.2f}x | {a["people"]} | '
              f'{a["recall"]:.3f} | {a["precision"]:.3f} | {a["median_oks"]:.3f} |')


if __name__ == '__main__':
    main()
