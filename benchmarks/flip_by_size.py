"""What the flip test gains per person size, and what flipping only the
people shorter than H, or only those at least H tall, would save (issue 33).

One run of the pose model (onnxruntime backend, float32) with and without the
flip test on the GT boxes of ``coco_mini_train`` (the people with keypoints,
as ``wholebody_eval.body_ap``), then, offline, per threshold H and rule
(``below``: flip the people whose box is shorter than H; ``at least``: flip
those at least H tall): each person's prediction is the flipped one when
the rule says so, the un-flipped one otherwise, and the COCO-17 body AP of
that mix. Beside it, for the demo's clips (the demo's detector and box
threshold, as ``demo_speed.py``): the share of detected people flipped, so
the network passes saved are ``(1 - share) / 2`` of the flip-on run.

With ``--wholebody`` (a 136-keypoint model) the same mix is also scored on
the COCO-WholeBody sample (GT boxes; whole-body, face and hand AP).

Example::

    python benchmarks/flip_by_size.py ../shared/data --heights 64 96 128 160 192 256
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('data_root', help='folder with coco_mini_train/ (e.g. ../shared/data)')
    p.add_argument('--model', default='halpe136-student')
    p.add_argument(
        '--heights',
        nargs='*',
        type=float,
        default=[48, 64, 80, 96, 128, 160, 192, 256],
        help='box heights H (image pixels) of the two rules')
    p.add_argument('--clips', nargs='*', default=['basketball', 'armwrestling'])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--wholebody', action='store_true', help='also the COCO-WholeBody sample')
    p.add_argument(
        '--speed-height',
        type=float,
        default=None,
        help='also time the pose stage on the clips\' boxes with flip_min_height H')
    p.add_argument('--speed-crops', type=int, default=96, help='boxes per clip for the timing')
    p.add_argument('--speed-rounds', type=int, default=2, help='interleaved timing rounds')
    p.add_argument('--out', help='write the results as JSON here')
    return p.parse_args(argv)


class TwoPass:
    """``predict(img, boxes)`` of ``wholebody_eval`` that runs the model with
    and without the flip test once per image and then answers from that,
    mixed by box height: ``mix(H)`` sets the threshold."""

    def __init__(self, model, num_keypoints=None) -> None:
        from int8_cost import with_flip
        from wholebody_eval import model_predictor
        self.on = model_predictor(with_flip(model, True), num_keypoints)
        self.off = model_predictor(with_flip(model, False), num_keypoints)
        self.cache: Dict[bytes, Tuple] = {}
        self.flip_rule = lambda heights: np.ones(len(heights), bool)
        self.heights: List[float] = []

    def __call__(self, img: np.ndarray, boxes: np.ndarray):
        key = hashlib.sha1(img.tobytes() + np.asarray(boxes, np.float32).tobytes()).digest()
        if key not in self.cache:
            self.cache[key] = self.on(img, boxes) + self.off(img, boxes)
            self.heights += (boxes[:, 3] - boxes[:, 1]).tolist()
        k, s, k0, s0 = self.cache[key]
        flip = self.flip_rule(boxes[:, 3] - boxes[:, 1])
        return np.where(flip[:, None, None], k, k0), np.where(flip[:, None], s, s0)


def clip_heights(names: List[str]) -> Dict[str, np.ndarray]:
    """Box heights (image pixels) of every person the demo's detector finds
    (its default box threshold) on the frames ``demo_speed.py`` runs."""
    from demo_speed import CLIPS, cut_clip, detector_limit

    from mmalphapose.apis import cli
    out = {}
    for name in names:
        video, n = CLIPS[name]
        dargs = cli.parse_args([video])
        inf = cli.build_inferencer(dargs, dargs.device, None, show_progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            _, frames = cut_clip(video, n or 10**6, tmp)
        boxes = detector_limit(inf.detector, frames, dargs.det_batch, dargs.bbox_thr)[1]
        per_frame = [np.asarray(x, np.float32).reshape(-1, 4) for x in boxes]
        b = np.concatenate(per_frame)
        ids = np.concatenate([np.full(len(x), i) for i, x in enumerate(per_frame)])
        out[name] = dict(heights=b[:, 3] - b[:, 1], frames=len(frames), images=frames,
                         boxes=b, ids=ids)
    return out


def pose_stage_speed(model, clip: dict, min_height: float, crops: int,
                     rounds: int = 2) -> Dict[str, float]:
    """crops/s of the pose stage (``TopdownPredictor``: crop, network,
    flip, decoding) on the first ``crops`` boxes of a clip, flip test for
    all against ``test_cfg.flip_min_height = min_height``; best of
    ``rounds`` interleaved rounds."""
    from int8_cost import with_flip

    from mmalphapose.apis import TopdownPredictor
    some = with_flip(model, True)
    some.test_cfg['flip_min_height'] = min_height
    preds = {'flip all': TopdownPredictor(with_flip(model, True)),
             f'flip >= {min_height:g} px': TopdownPredictor(some)}
    boxes, ids = clip['boxes'][:crops], clip['ids'][:crops]
    best = dict.fromkeys(preds, 0.0)
    for p in preds.values():
        p(clip['images'], ids[:4], boxes[:4])  # warm-up
    for _ in range(rounds):
        for k, p in preds.items():
            t0 = time.perf_counter()
            p(clip['images'], ids, boxes)
            best[k] = max(best[k], len(boxes) / (time.perf_counter() - t0))
    return best


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from wholebody_eval import HALPE136_TO_COCO133, mini_train_body_ap, part_ap

    from mmalphapose.apis import init_model
    t0 = time.time()
    load0 = os.getloadavg()[0]
    model = init_model(args.model, backend='onnxruntime')
    wholebody = args.wholebody and model.dataset_meta['num_keypoints'] == 136
    two = TwoPass(model, 136 if wholebody else None)
    rules = {
        'below': lambda hs, h: hs < h,
        'at least': lambda hs, h: hs >= h,
    }
    cases = [('all', 0.0)] + [(rule, h) for rule in rules for h in sorted(args.heights)] + \
        [('none', 0.0)]
    res: Dict[str, dict] = {}
    cwb = osp.join(args.data_root, 'coco_wholebody', 'test_coco_wholebody.json')
    mini_heights = None
    for rule, h in cases:
        if rule in rules:
            two.flip_rule = lambda hs, f=rules[rule], h=h: f(hs, h)
        else:
            two.flip_rule = lambda hs, on=(rule == 'all'): np.full(len(hs), on)
        r = dict(body_ap=mini_train_body_ap(two, args.data_root))
        if mini_heights is None:
            mini_heights = np.asarray(two.heights)
        r['share_flipped_coco_mini_train'] = round(float(two.flip_rule(mini_heights).mean()), 3)
        if wholebody:
            r['coco_wholebody_gt_boxes'] = part_ap(
                two, cwb, osp.join(args.data_root, 'coco'),
                'configs/_base_/datasets/coco_wholebody.py', None, HALPE136_TO_COCO133)
        print(f'{rule} {h:g}: {json.dumps(r)}', flush=True)
        r['rule'] = two.flip_rule
        res[f'{rule} {h:g}'] = r
    clips = clip_heights(args.clips) if args.clips else {}
    for r in list(res.values()):
        for name, c in clips.items():
            r[f'share_flipped_{name}'] = round(float(r['rule'](c['heights']).mean()), 3)
        del r['rule']
    print(f'\n{args.model}, onnxruntime float32, {args.threads} threads; '
          f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load average {load0:.1f} -> '
          f'{os.getloadavg()[0]:.1f}, {time.time() - t0:.0f} s')
    for name, c in clips.items():
        print(f'{name}: {len(c["heights"]) / c["frames"]:.1f} people a frame over '
              f'{c["frames"]} frames, median box height {np.median(c["heights"]):.0f} px')
    speeds: Dict[str, dict] = {}
    if args.speed_height:
        for name, c in clips.items():
            sp = pose_stage_speed(model, c, args.speed_height, args.speed_crops,
                                  args.speed_rounds)
            speeds[name] = sp
            share = float((c['heights'][:args.speed_crops] >= args.speed_height).mean())
            print(f'{name}, pose stage on its first {min(args.speed_crops, len(c["boxes"]))} '
                  f'boxes ({100 * share:.0f} % at least {args.speed_height:g} px), crops/s: ' +
                  ', '.join(f'{k} {v:.1f}' for k, v in sp.items()) +
                  f' ({list(sp.values())[1] / list(sp.values())[0]:.2f}x)', flush=True)
    print(f'coco_mini_train: {len(mini_heights)} people, median box height '
          f'{np.median(mini_heights):.0f} px')
    cols = ['coco_mini_train'] + list(clips)
    print('| flip test for | body AP | change | ' +
          ' | '.join(f'flipped, {c}' for c in cols) +
          (' | whole-body AP (COCO-WB) | face AP | hand AP (l/r) |' if wholebody else ' |'))
    print('| --- ' * (3 + len(cols) + (3 if wholebody else 0)) + '|')
    base = res['all 0']['body_ap']
    for key, r in res.items():
        rule, h = key.rsplit(' ', 1)
        label = dict(all='everybody (default)', none='nobody (flip off)').get(
            rule, f'boxes {"shorter than" if rule == "below" else "at least"} {h} px')
        row = f'| {label} | {r["body_ap"]:.3f} | {r["body_ap"] - base:+.3f} | ' + ' | '.join(
            f'{100 * r[f"share_flipped_{c}"]:.0f} %' for c in cols)
        if wholebody:
            w = r['coco_wholebody_gt_boxes']
            row += (f' | {w["wholebody"]:.3f} | {w.get("face", float("nan")):.3f} | '
                    f'{w.get("left_hand", float("nan")):.3f} / '
                    f'{w.get("right_hand", float("nan")):.3f}')
        print(row + ' |', flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(res, pose_stage_speed=speeds), f, indent=1)
    return res


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    main()
