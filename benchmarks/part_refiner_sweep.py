"""Where the whole-body part refiner gains and what it costs (issue 31): the
measurements behind ``WholeBodyPartRefiner``'s gates (docs/wholebody.md).

* ``faces``: the HELEN test photos downscaled so the annotated face is N px
  (``--sizes``; ``photo`` = as they are); the student pipeline's people
  (``halpe136-student-refiner``: detector -> pose -> P-NMS), then each
  refiner setting of ``--variants`` applied to those people: median NME /
  misses per size and setting beside the student's, and the refiner's
  milliseconds per photo (one pipeline run serves every setting);
* ``hands``: hands21 downscaled so the GT hand box is N px: PCK@0.2 of the
  refiner's hand stage on the GT box (orientation unknown: upright, and with
  the quarter-turn search);
* ``parts``: on frames of the speed clips, the people before / after P-NMS,
  the face and hand box sizes of the kept people (from their body keypoints),
  and, for every hand box, the hand net's presence at the forearm angle and
  at the three other quarter turns;
* ``network``: the pose networks' CPU time per person at 256x192 and at
  384x288 (DWPose's whole-body input), torch, batch 4.

    python benchmarks/part_refiner_sweep.py ../shared/data faces --max-photos 40 \\
        --sizes photo 50 40 32 24 16 12 \\
        --variants '{"default": {}, "no_refine_pass": {"face_refine": 0}}'
    python benchmarks/part_refiner_sweep.py ../shared/data hands --sizes 0 64 48 32 24 16
    python benchmarks/part_refiner_sweep.py ../shared/data parts --frames 10
    python benchmarks/part_refiner_sweep.py ../shared/data network
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # as the demo (set before torch)
import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import wholebody_eval as W  # noqa: E402

STUDENT = 'halpe136-student-refiner'


def _refiner(**kwargs):
    from mmalphapose.registry import MODELS
    return MODELS.build(dict(type='WholeBodyPartRefiner', **kwargs))


def faces(args) -> List[dict]:
    """Median NME / misses of the student and of each refiner setting per face size."""
    pipe = W.build_pipeline(STUDENT, args)
    variants = json.loads(args.variants)
    refs = {
        k: _refiner(hand_model=None, num_threads=args.threads, **v)
        for k, v in variants.items()
    }
    helen = osp.join(args.data_root, 'faces68', 'helen_test.json')
    out = []
    for size in args.sizes:
        px = None if size == 'photo' else float(size)
        nmes: Dict[str, list] = {k: [] for k in ['student', *refs]}
        spent = dict.fromkeys(refs, 0.0)
        for img, g, box in W.helen_photos(helen, px, args.max_photos):
            inst = pipe(img)
            nmes['student'].append(W.face_nme_of_people(inst.keypoints, g, box)
                                   if len(inst) else np.inf)
            for k, ref in refs.items():
                t0 = time.perf_counter()
                refined = ref(img, inst.clone()) if len(inst) else inst
                spent[k] += time.perf_counter() - t0
                nmes[k].append(W.face_nme_of_people(refined.keypoints, g, box)
                               if len(refined) else np.inf)
        n = len(nmes['student'])
        row = dict(size=size, photos=n)
        for k, v in nmes.items():
            s = W.nme_summary(v)
            row[k] = dict(median_nme=s['median_nme'], miss_rate=s['miss_rate'])
            if k in spent:
                row[k]['ms_per_photo'] = round(1000 * spent[k] / max(n, 1), 1)
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def hands(args) -> List[dict]:
    """hands21 PCK@0.2 of the hand stage per hand size, with / without the search."""
    ref = _refiner(face_model=None, num_threads=args.threads)
    out = []
    for size in args.sizes:
        px = 0.0 if size == 'photo' else float(size)
        row = dict(size=px)
        for name, retry in (('search', ref.hand_retry_thr), ('upright', 0.0)):

            def stage(img, box, px=px, retry=retry):
                f = 1.0 if px <= 0 else min(1.0, px / float(max(box[2:] - box[:2])))
                if f < 1.0:
                    img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
                k, _ = ref.hand.predict(img, (box * f)[None], np.array([-np.pi / 2], np.float32),
                                        retry)
                return k[0] / f

            row[name] = W.hand_pck(stage, osp.join(args.data_root, 'hands21'))['pck']
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def parts(args) -> List[dict]:
    """Poses before / after P-NMS and the kept people's part sizes and hand
    presences on the first ``--frames`` frames (every ``--step``-th) of each clip."""
    from mmalphapose.structures.bbox.part_boxes import face_boxes_from_body, hand_boxes_from_body
    pipe = W.build_pipeline(STUDENT, args)
    ref = _refiner(face_model=None, num_threads=args.threads)
    before = []

    class _Count:  # first step: the poses P-NMS gets

        def __call__(self, frame, inst):
            before.append(len(inst))
            return inst

        def reset(self):
            pass

    pipe.pose.pose.steps.insert(0, _Count())
    out = []
    for clip in args.clips:
        cap = cv2.VideoCapture(W.SPEED_CLIPS[clip][0])
        before.clear()
        kept, face_px, hand_rows = 0, [], []
        i = 0
        while len(before) < args.frames:
            ok, img = cap.read()
            if not ok:
                break
            i += 1
            if (i - 1) % args.step:
                continue
            inst = pipe(img)
            kept += len(inst)
            if not len(inst):
                continue
            k, s = np.asarray(inst.keypoints), np.asarray(inst.keypoint_scores)
            fb, fv, _ = face_boxes_from_body(k[:, :17], s[:, :17], ref.part_thr)
            face_px += (fb[fv, 2] - fb[fv, 0]).tolist()
            hb, hv, ha = hand_boxes_from_body(k[:, :17], s[:, :17], ref.part_thr)
            for p, side in np.argwhere(hv):
                pres = [
                    float(ref.hand.predict(img, hb[p, side][None],
                                           ha[p, side][None] + q * np.pi / 2)[1][0, 0])
                    for q in range(4)
                ]
                hand_rows.append((float(hb[p, side, 2] - hb[p, side, 0]), pres))
        cap.release()
        bins = [0, 16, 24, 32, 64, np.inf]
        hand_bins = []
        for lo, hi in zip(bins[:-1], bins[1:]):
            sel = [p for side, p in hand_rows if lo <= side < hi]
            hand_bins.append(
                dict(px=f'{lo:g}-{hi:g}', hands=len(sel),
                     accepted_upright=sum(p[0] >= ref.min_hand_presence for p in sel),
                     accepted_with_search=sum(max(p) >= ref.min_hand_presence for p in sel)))
        row = dict(clip=clip, frames=len(before), poses_before_nms=int(sum(before)),
                   people_kept=kept,
                   face_px_p10_p50_p90=np.percentile(face_px, [10, 50, 90]).round(1).tolist()
                   if face_px else None,
                   hands=hand_bins)
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def network(args) -> List[dict]:
    """CPU time per person of the Halpe-26 and Halpe-136 students' networks
    at 256x192 and 384x288 (median of ``--repeats``, batch 4)."""
    import torch
    from mmalphapose.apis import init_model
    out = []
    for name, cfg, ckpt in (('halpe26-student', W.REFERENCE_CFG, W.REFERENCE_CKPT),
                            ('halpe136-student', W.STUDENT_CFG, W.STUDENT_CKPT)):
        model = init_model(cfg, ckpt).eval()
        for h, w in ((256, 192), (384, 288)):
            x = torch.rand(4, 3, h, w)
            times = []
            with torch.no_grad():
                model.head(model.backbone(x))  # warm-up
                for _ in range(args.repeats):
                    t0 = time.process_time()
                    model.head(model.backbone(x))
                    times.append(time.process_time() - t0)
            out.append(dict(model=name, input=f'{h}x{w}',
                            cpu_ms_per_person=round(1000 * float(np.median(times)) / 4, 1)))
            print(json.dumps(out[-1]), flush=True)
    ref = out[0]['cpu_ms_per_person']
    for r in out:
        r['vs_halpe26_256x192'] = round(r['cpu_ms_per_person'] / ref, 2)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('data_root', help='e.g. ../shared/data (faces68/, hands21/)')
    p.add_argument('measure', choices=['faces', 'hands', 'parts', 'network'])
    p.add_argument('--sizes', nargs='+', default=None,
                   help='faces: photo and/or face px (default photo 50 40 32 24 16 12); '
                   'hands: hand px, 0 = as they are (default 0 64 48 32 24 16)')
    p.add_argument('--variants', default='{"default": {}}',
                   help='faces: JSON name -> WholeBodyPartRefiner arguments')
    p.add_argument('--max-photos', type=int, default=40)
    p.add_argument('--clips', nargs='+', default=['basketball', 'armwrestling'],
                   choices=list(W.SPEED_CLIPS))
    p.add_argument('--frames', type=int, default=10, help='parts: frames per clip')
    p.add_argument('--step', type=int, default=3, help='parts: every step-th frame')
    p.add_argument('--repeats', type=int, default=5, help='network: timed forwards')
    p.add_argument('--threads', type=int, default=1, help='torch / onnxruntime threads')
    p.add_argument('--bbox-thr', type=float, default=0.2)
    p.add_argument('--refiner-cfg', default='{}')
    p.add_argument('--out', help='write the results as JSON here')
    args = p.parse_args()
    if args.sizes is None:
        args.sizes = ['photo', '50', '40', '32', '24', '16', '12'] \
            if args.measure == 'faces' else ['0', '64', '48', '32', '24', '16']
    import torch
    torch.set_num_threads(args.threads)
    res = dict(faces=faces, hands=hands, parts=parts, network=network)[args.measure](args)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)


if __name__ == '__main__':
    main()
