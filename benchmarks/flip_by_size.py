"""What the flip test gains per person size, and what flipping only the
people shorter than H would save (issue 33).

One run of the pose model (onnxruntime backend, float32) with and without the
flip test on the GT boxes of ``coco_mini_train`` (the people with keypoints,
as ``wholebody_eval.body_ap``), then, offline, per threshold H: each person's
prediction is the flipped one when the box height is below H, the
un-flipped one otherwise, and the COCO-17 body AP of that mix (H = 0: flip
off for all; H = inf: the flip test for all, the default). Beside it, for the
demo's clips (the demo's detector and box threshold, as
``demo_speed.py``): the share of detected people shorter than H (those
flipped), so the network passes saved are ``(1 - share) / 2`` of the
flip-on run.

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
        nargs='+',
        type=float,
        default=[48, 64, 96, 128, 160, 192, 256, 320],
        help='box heights H (image pixels): flip only people shorter than H')
    p.add_argument('--clips', nargs='*', default=['basketball', 'armwrestling'])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--wholebody', action='store_true', help='also the COCO-WholeBody sample')
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
        self.max_height = np.inf
        self.heights: List[float] = []

    def __call__(self, img: np.ndarray, boxes: np.ndarray):
        key = hashlib.sha1(img.tobytes() + np.asarray(boxes, np.float32).tobytes()).digest()
        if key not in self.cache:
            self.cache[key] = self.on(img, boxes) + self.off(img, boxes)
            self.heights += (boxes[:, 3] - boxes[:, 1]).tolist()
        k, s, k0, s0 = self.cache[key]
        flip = (boxes[:, 3] - boxes[:, 1]) < self.max_height
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
        b = np.concatenate([np.asarray(x, np.float32).reshape(-1, 4) for x in boxes])
        out[name] = dict(heights=b[:, 3] - b[:, 1], frames=len(frames))
    return out


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
    heights = [0.0] + sorted(args.heights) + [float('inf')]
    res: Dict[str, dict] = {}
    cwb = osp.join(args.data_root, 'coco_wholebody', 'test_coco_wholebody.json')
    for h in heights:
        two.max_height = h
        r = dict(body_ap=mini_train_body_ap(two, args.data_root))
        if h == heights[0]:
            mini_heights = np.asarray(two.heights)
        r['share_flipped_coco_mini_train'] = round(float((mini_heights < h).mean()), 3)
        if wholebody:
            ap = part_ap(two, cwb, osp.join(args.data_root, 'coco'),
                         'configs/_base_/datasets/coco_wholebody.py', None, HALPE136_TO_COCO133)
            r['coco_wholebody_gt_boxes'] = ap
        res[str(h)] = r
        print(f'H {h}: {json.dumps(r)}', flush=True)
    clips = clip_heights(args.clips) if args.clips else {}
    for name, c in clips.items():
        for h in heights:
            res[str(h)][f'share_flipped_{name}'] = round(float((c['heights'] < h).mean()), 3)
    print(f'\n{args.model}, onnxruntime float32, {args.threads} threads; '
          f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load average {load0:.1f} -> '
          f'{os.getloadavg()[0]:.1f}, {time.time() - t0:.0f} s')
    for name, c in clips.items():
        print(f'{name}: {len(c["heights"]) / c["frames"]:.1f} people a frame over '
              f'{c["frames"]} frames, median box height {np.median(c["heights"]):.0f} px')
    print(f'coco_mini_train: {len(mini_heights)} people, median box height '
          f'{np.median(mini_heights):.0f} px')
    cols = ['coco_mini_train'] + list(clips)
    print('| flip people shorter than | body AP | change | ' +
          ' | '.join(f'flipped, {c}' for c in cols) +
          (' | whole-body AP (COCO-WB) | face AP | hand AP (l/r) |' if wholebody else ' |'))
    print('| --- ' * (3 + len(cols) + (3 if wholebody else 0)) + '|')
    base = res[str(float('inf'))]['body_ap']
    for h in heights:
        r = res[str(h)]
        label = {0.0: 'nobody (flip off)', np.inf: 'everybody (flip on)'}.get(h, f'{h:g} px')
        row = f'| {label} | {r["body_ap"]:.3f} | {r["body_ap"] - base:+.3f} | ' + ' | '.join(
            f'{100 * r[f"share_flipped_{c}"]:.0f} %' for c in cols)
        if wholebody:
            w = r['coco_wholebody_gt_boxes']
            row += (f' | {w["wholebody"]:.3f} | {w.get("face", float("nan")):.3f} | '
                    f'{w.get("left_hand", float("nan")):.3f} / '
                    f'{w.get("right_hand", float("nan")):.3f}')
        print(row + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    main()
