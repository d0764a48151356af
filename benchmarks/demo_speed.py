"""End-to-end demo speed beside the limits measured in the same run.

For each clip (the bundled 2-person basketball clip, the first frames of the
~5-person arm-wrestling clip and of a crowd clip of ../shared/data/videos when
present) and each pose backend (PyTorch, onnxruntime, OpenVINO where installed), with the demo's
default flags (``cli.parse_args``: flip test as the config says, default
--pose-batch, --workers 1, threads per stage as ``cli.stage_threads``):

* end-to-end frames/s of ``PoseInferencer.run`` (JSON + overlay video
  written; models built and warmed up before the clock starts);
* the limit of each stage measured alone on the same frames, with the same
  threads: detector (frames/s at --det-batch), pose stage (the predictor:
  crop, network, flip, decoding, on the first --sweep-crops boxes the
  detector found, at the best of --batches; frames/s = crops/s / people per
  frame),
  reading + writing the video (decode and mp4 encode);
* the slowest-stage limit, and achieved / limit; also the rate of the
  stages run one after another (1 / sum of the per-frame times), the
  bound when the stages compete for the same cores (pose on all cores).

Then the pose batch sweep (crops/s per batch size, flip as configured) per
backend, and, when ``mmpose`` is importable, the pose-stage ratio against
MMPose's ``inference_topdown`` on the same architecture (SimpleBaseline-R50
256x192, random weights, same boxes, flip on); skipped otherwise.

    python benchmarks/demo_speed.py [--clips basketball armwrestling crowd]
        [--frames 30] [--backends pytorch onnxruntime openvino] [--batches 1 2 4 8 16 32 64]
        [--pose-configs halpe26-student halpe136-student] [--repeats 3]

With ``--pose-configs`` every clip and backend runs once per pose model (names
of the model index or configs), and the end-to-end speed of the first model
over each other one is printed as a ratio (same run, same load). Two runs
of the same tree can differ by 20 % on a 2-core machine: ``--repeats N``
runs the end-to-end part N times, the models interleaved, and prints the
ratio of the mean frames/s with the range of the per-repeat ratios.

Speeds depend on the machine's other load: run it on an idle machine (the
ratios of one run share the load).
"""
import argparse
import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # as the demo (set before torch)
import os.path as osp  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Callable, Dict, List, Optional, Tuple  # noqa: E402

import numpy as np  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
VIDEOS = osp.join(osp.dirname(ROOT), 'shared', 'data', 'videos')
CLIPS = {
    'basketball': (osp.join(ROOT, 'demo', 'resources', 'demo_basketball.mp4'), None),
    'armwrestling': (osp.join(VIDEOS, 'mmaction2_demo_armwrestling.mp4'), 30),
    'crowd': (osp.join(VIDEOS, 'mmtracking_demo_crowd.mp4'), 20),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--clips', nargs='+', default=list(CLIPS), choices=list(CLIPS))
    p.add_argument(
        '--frames',
        type=int,
        default=None,
        help='frames per clip (default: all of basketball, 30 / 20 of the others)')
    p.add_argument(
        '--backends',
        nargs='+',
        default=None,
        help='pose backends (default: pytorch, onnxruntime and, where installed, openvino)')
    p.add_argument('--batches', nargs='+', type=int, default=[1, 2, 4, 8, 16, 32, 64])
    p.add_argument('--sweep-crops', type=int, default=64, help='boxes per batch-size measurement')
    p.add_argument('--demo-args', default='', help='extra demo flags, e.g. "--no-flip"')
    p.add_argument(
        '--pose-configs',
        nargs='+',
        default=[None],
        help='pose models to run each (default: the demo\'s default); the first is the '
        'reference of the printed speed ratios')
    p.add_argument(
        '--repeats',
        type=int,
        default=1,
        help='end-to-end runs of each pose model per clip and backend, interleaved (the '
        'stage limits and sweeps are measured once); with several models the ratio of the '
        'mean frames/s and the spread of the per-repeat ratios are printed')
    p.add_argument(
        '--threads-sweep',
        nargs='+',
        type=int,
        default=None,
        help='only the pose stage\'s crops/s per thread count (onnxruntime intra-op, torch '
        'threads) on the first clip, e.g. 1 2')
    p.add_argument(
        '--mmpose-only',
        action='store_true',
        help='only the pose-stage comparison with MMPose (on the first clip\'s boxes)')
    p.add_argument(
        '--plot',
        metavar='OUT.png',
        default=None,
        help='also draw frames/s per clip and backend beside each stage\'s limit')
    args = p.parse_args(argv)
    args.backends = args.backends or installed_backends()
    return args


def installed_backends() -> List[str]:
    """The pose backends to compare: PyTorch, onnxruntime, and OpenVINO
    where it is installed (bfloat16 where the CPU has it)."""
    import importlib.util
    return ['pytorch', 'onnxruntime'] + \
        (['openvino'] if importlib.util.find_spec('openvino') is not None else [])


def cut_clip(video: str, n: int, folder: str) -> Tuple[str, List[np.ndarray]]:
    """The first ``n`` frames of ``video`` as a new mp4, and those frames."""
    import cv2
    cap = cv2.VideoCapture(video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 25
    frames = []
    while len(frames) < n:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    path = osp.join(folder, osp.splitext(osp.basename(video))[0] + f'_{len(frames)}.mp4')
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    return path, frames


def io_limit(path: str, folder: str) -> float:
    """frames/s of decoding ``path`` and encoding it again (no models)."""
    import cv2
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 25
    out, n = None, 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if out is None:
            h, w = frame.shape[:2]
            out = cv2.VideoWriter(
                osp.join(folder, 'io.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
        out.write(frame)
        n += 1
    cap.release()
    if out is not None:
        out.release()
    return n / (time.perf_counter() - t0)


def detector_limit(detector, frames: List[np.ndarray], det_batch: int,
                   bbox_thr: float) -> Tuple[float, List[np.ndarray]]:
    """frames/s of the detector alone, and the boxes of each frame."""
    detector.detect(frames[:det_batch], score_thr=bbox_thr)  # warm-up
    t0 = time.perf_counter()
    boxes = []
    for s in range(0, len(frames), det_batch):
        boxes += [b for b, _ in detector.detect(frames[s:s + det_batch], score_thr=bbox_thr)]
    return len(frames) / (time.perf_counter() - t0), boxes


def pose_sweep(model,
               frames: List[np.ndarray],
               boxes: List[np.ndarray],
               batches: List[int],
               flip,
               max_crops: int = 64) -> Dict[int, float]:
    """crops/s of the pose stage's predictor alone over the first
    ``max_crops`` boxes of the clip, per batch size."""
    from mmalphapose.apis import TopdownPredictor
    ids = np.concatenate([np.full(len(b), i, np.int64) for i, b in enumerate(boxes)])
    allb = np.concatenate([np.asarray(b, np.float32).reshape(-1, 4) for b in boxes])
    ids, allb = ids[:max_crops], allb[:max_crops]
    out = {}
    for bs in batches:
        pred = TopdownPredictor(model, bs, flip)
        pred(frames, ids[:bs], allb[:bs])  # warm-up
        t0 = time.perf_counter()
        pred(frames, ids, allb)
        out[bs] = len(allb) / (time.perf_counter() - t0)
    return out


def thread_sweep(model,
                 frames: List[np.ndarray],
                 boxes: List[np.ndarray],
                 threads: List[int],
                 flip,
                 max_crops: int = 64,
                 rounds: int = 2) -> Dict[Tuple[str, int], float]:
    """crops/s of the pose stage alone per (backend, threads): onnxruntime
    sessions with ``intra_op_num_threads`` = t (inter-op 1: the session runs
    its graph sequentially, where onnxruntime uses no inter-op threads) at
    batch 4, and the PyTorch model with ``torch.set_num_threads(t)`` at batch
    16 (each backend's default batch); best of ``rounds`` interleaved rounds.
    ``model`` is the PyTorch model; torch's thread count is restored."""
    import torch

    from mmalphapose.apis.backends import build_pose_backend
    old = torch.get_num_threads()
    runs = {}
    for t in threads:
        runs[('onnxruntime', t)] = (build_pose_backend(model, 'onnxruntime', num_threads=t), 4)
        runs[('pytorch', t)] = (model, 16)
    best = {k: 0.0 for k in runs}
    try:
        for _ in range(rounds):
            for (backend, t), (m, bs) in runs.items():
                torch.set_num_threads(t)
                best[(backend, t)] = max(best[(backend, t)],
                                         pose_sweep(m, frames, boxes, [bs], flip, max_crops)[bs])
    finally:
        torch.set_num_threads(old)
    return best


def end_to_end(argv: List[str],
               clip: str,
               warm: str,
               out_dir: str,
               setup: Optional[Callable] = None) -> Tuple[dict, object]:
    """The summary of the demo's PoseInferencer.run (``frames``, ``people``,
    ``seconds``, ``fps``...; built and warmed up first; ``setup(inferencer)``
    runs before the warm-up, e.g. to swap its pose model)."""
    from mmalphapose.apis import cli
    args = cli.parse_args([clip, '--out-dir', out_dir] + argv)
    threads = cli.stage_threads(args)
    det_threads = cli.detector_threads(args, threads)
    inferencer = cli.build_inferencer(args, args.device, threads, show_progress=False)
    if setup is not None:
        setup(inferencer)
    opts = cli.run_options(args)
    inferencer.run(warm, out_dir=osp.join(out_dir, 'warm'), **opts)
    summary = inferencer.run(clip, out_dir=out_dir, **opts)
    return summary, (inferencer, args, f'{threads}+{det_threads}')


def mmpose_ratio(frames: List[np.ndarray], boxes: List[np.ndarray], rounds: int = 3) -> str:
    """Pose stage time of MMPose's ``inference_topdown`` / ours on the same
    architecture (SimpleBaseline-R50 256x192, random weights in both), the
    same boxes of one frame, flip test on, the same torch threads; ours with
    each pose backend. Best of ``rounds`` interleaved rounds.

    MMPose imports torchvision in one place only (``ToPILImage``); where
    torchvision is missing, the stand-in of ``tests/test_interop`` is used
    (``make test-interop`` builds ``.venv-interop`` with MMPose 1.3.2)."""
    import importlib.util
    if importlib.util.find_spec('mmpose') is None:
        return 'skipped (mmpose is not importable; run with .venv-interop/bin/python)'
    if importlib.util.find_spec('torchvision') is None:
        sys.path.insert(0, osp.join(ROOT, 'tests', 'test_interop', 'torchvision_stub'))
    import mmpose
    import torch
    from mmpose.apis import inference_topdown as mm_inference
    from mmpose.apis import init_model as mm_init

    from mmalphapose.apis import inference_topdown, init_model
    cfg_dir = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs')
    mm_cfg = osp.join(cfg_dir, 'body_2d_keypoint', 'topdown_heatmap', 'coco',
                      'td-hm_res50_8xb64-210e_coco-256x192.py')
    our_cfg = osp.join(ROOT, 'configs', 'body_2d_keypoint', 'heatmap', 'coco',
                       'heatmap_simplebaseline-res50_8xb32-200e_coco-256x192.py')
    theirs = mm_init(mm_cfg, device='cpu')
    theirs.test_cfg['flip_test'] = True
    runs = {'MMPose': lambda im, bb: mm_inference(theirs, im, bb)}
    for backend in installed_backends():
        model = init_model(our_cfg, backend=backend, cfg_options={'model.test_cfg.flip_test': True})
        runs[backend] = (lambda m: lambda im, bb: inference_topdown(m, im, bb))(model)
    i = int(np.argmax([len(b) for b in boxes]))
    img, bb = frames[i], np.asarray(boxes[i], np.float32)[:, :4]
    best = {k: float('inf') for k in runs}
    with torch.no_grad():
        for fn in runs.values():
            fn(img, bb)  # warm-up
        for _ in range(rounds):
            for key, fn in runs.items():
                t0 = time.perf_counter()
                fn(img, bb)
                best[key] = min(best[key], time.perf_counter() - t0)
    mm = best.pop('MMPose')
    parts = [f'ours {k} {v:.2f} s ({mm / v:.2f}x)' for k, v in best.items()]
    return (f'{len(bb)} boxes, SimpleBaseline-R50 256x192, flip, {torch.get_num_threads()} '
            f'threads: MMPose {mm:.2f} s; ' + ', '.join(parts) + ' (MMPose time / ours)')


def mmpose_line(name: str, detector, bbox_thr: float, tmp: str) -> str:
    """:func:`mmpose_ratio` on the detector's boxes of the first 8 frames of
    clip ``name``, as a printed line."""
    _, frames = cut_clip(CLIPS[name][0], 8, tmp)
    boxes = detector_limit(detector, frames, 4, bbox_thr)[1]
    return f'{name}: pose stage vs MMPose: {mmpose_ratio(frames, boxes)}'


def measure(demo_argv: List[str], name: str, clip: str, warm: str, frames: List[np.ndarray],
            io: float, args: argparse.Namespace,
            out_dir: str) -> Tuple[list, dict, object, argparse.Namespace]:
    """One table row (clip, frames, people/frame, backend, pose model, ran on,
    threads, end-to-end, detector, pose, best batch, demo batch, I/O, limit,
    achieved/limit, serial bound, achieved/serial, end-to-end people/s, pose
    alone people/s), the pose sweep, the inferencer and its demo arguments."""
    summary, (inf, dargs, threads) = end_to_end(demo_argv, clip, warm, out_dir)
    fps = summary['fps']
    det_fps, boxes = detector_limit(inf.detector, frames, dargs.det_batch, dargs.bbox_thr)
    people = sum(len(b) for b in boxes)
    sweep = pose_sweep(inf.model, frames, boxes, args.batches, dargs.flip, args.sweep_crops)
    best = max(sweep, key=sweep.get)
    pose_fps = sweep[best] * len(frames) / max(people, 1)
    limit = min(det_fps, pose_fps, io)
    serial = 1.0 / (1.0 / det_fps + 1.0 / pose_fps + 1.0 / io)
    # the demo's batch: --pose-batch, else the pose backend's default
    demo_batch = dargs.pose_batch or getattr(inf.model, 'default_pose_batch', None)
    backend = demo_argv[demo_argv.index('--backend') + 1]
    model = osp.basename(str(dargs.pose_config or inf.model.cfg.get('filename', 'default')))
    return [
        name,
        len(frames), people / len(frames), backend, model,
        getattr(inf.model, 'pose_backend', backend), threads, fps, det_fps, pose_fps, best,
        demo_batch, io, limit, fps / limit, serial, fps / serial,
        summary['people'] / max(summary['seconds'], 1e-9), sweep[best]
    ], sweep, inf, dargs


def plot_rows(rows: list, out: str) -> str:
    """Draw the table rows of :func:`measure` (end to end beside the detector,
    pose and read+write limits) with ``mmalphapose.visualization.plots.plot_speed``."""
    from mmalphapose.visualization.plots import plot_speed
    several_models = len({r[4] for r in rows}) > 1
    return plot_speed([
        dict(clip=r[0], backend=r[3], model=r[4] if several_models else None, end_to_end=r[7],
             detector=r[8], pose=r[9], io=r[12]) for r in rows
    ], out)


def ratio_lines(rows: list) -> str:
    """End-to-end speed of the first pose model over each other one, per
    clip and backend (empty with one model)."""
    out = []
    for r in rows:
        ref = next(x for x in rows if x[0] == r[0] and x[3] == r[3])
        if r is not ref:
            out.append(f'{r[0]} {r[3]}: {ref[4]} {ref[7]:.2f} / {r[4]} {r[7]:.2f} frames/s = '
                       f'{ref[7] / r[7]:.2f}x')
    return ('\nend-to-end speed ratios (same run)\n' + '\n'.join(out)) if out else ''


def repeat_lines(runs: Dict[Tuple[str, str, str], List[float]]) -> str:
    """Per clip and backend, each pose model's end-to-end frames/s of the
    interleaved repeats and their mean; with several models the first one's
    mean over each other one's (the ratio of the means) and the range of the
    per-repeat ratios. ``runs``: (clip, backend, model) -> frames/s, in the
    order run (the first model of a clip and backend is the reference)."""
    out, refs = [], {}
    for (clip, backend, model), fps in runs.items():
        ref = refs.setdefault((clip, backend), fps)
        line = (f'{clip} {backend} {model}: ' + ', '.join(f'{v:.2f}' for v in fps) +
                f' frames/s, mean {np.mean(fps):.2f}')
        if ref is not fps:
            per = [a / b for a, b in zip(ref, fps)]
            line += (f'; first model / this: {np.mean(ref) / np.mean(fps):.2f}x (means), '
                     f'{min(per):.2f}x-{max(per):.2f}x (repeats)')
        out.append(line)
    return '\nend-to-end frames/s over interleaved repeats\n' + '\n'.join(out)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    rows, sweeps = [], {}
    runs: Dict[Tuple[str, str, str], List[float]] = {}  # end-to-end frames/s per repeat
    labels: Dict[Tuple[str, Optional[str]], str] = {}
    extra = args.demo_args.split()
    if args.threads_sweep:
        from mmalphapose.apis import cli, init_model
        dargs = cli.parse_args([CLIPS[args.clips[0]][0]] + extra)
        inf = cli.build_inferencer(dargs, dargs.device, None, show_progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            _, frames = cut_clip(CLIPS[args.clips[0]][0], args.frames or 8, tmp)
        boxes = detector_limit(inf.detector, frames, 4, dargs.bbox_thr)[1]
        model = init_model(inf.pose_config, inf.pose_checkpoint, backend='pytorch')
        res = thread_sweep(model, frames, boxes, args.threads_sweep, dargs.flip,
                           args.sweep_crops)
        print(f'{args.clips[0]}, {os.cpu_count()} cores, pose stage alone, crops/s (flip as '
              'configured)')
        for (backend, t), v in res.items():
            print(f'  {backend:11s} {t} threads: {v:.1f}')
        return 0
    if args.mmpose_only:
        from mmalphapose.apis import cli
        dargs = cli.parse_args([CLIPS[args.clips[0]][0]] + extra)
        threads = cli.stage_threads(dargs)
        torch.set_num_threads(threads)
        inf = cli.build_inferencer(dargs, dargs.device, threads, show_progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            print(mmpose_line(args.clips[0], inf.detector, dargs.bbox_thr, tmp))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.clips:
            video, n = CLIPS[name]
            if not osp.isfile(video):
                print(f'{name}: {video} not found, skipped')
                continue
            n = args.frames or n or 10**6
            clip, frames = cut_clip(video, n, tmp)
            warm, _ = cut_clip(video, 2, tmp)
            io = io_limit(clip, tmp)
            for backend in args.backends:
                for rep in range(max(1, args.repeats)):
                    for model in args.pose_configs:
                        demo_argv = extra + ['--backend', backend] + \
                            (['--pose-config', model] if model else [])
                        out_dir = osp.join(tmp, name, backend, str(model))
                        if rep:
                            fps = end_to_end(demo_argv, clip, warm, out_dir)[0]['fps']
                            label = labels[(backend, model)]
                            runs[(name, backend, label)].append(fps)
                            print(f'{name} {backend} {label}: {fps:.2f} frames/s (repeat '
                                  f'{rep + 1})', flush=True)
                            continue
                        row, sweep, inf, dargs = measure(demo_argv, name, clip, warm, frames,
                                                         io, args, out_dir)
                        labels[(backend, model)] = row[4]
                        runs[(name, backend, row[4])] = [row[7]]
                        sweeps[(name, backend, row[4])] = sweep
                        rows.append(row)
                        print(
                            f'{name} {backend} {row[4]}: {row[7]:.2f} frames/s, {row[17]:.1f} '
                            f'people/s (limit {row[13]:.2f} frames/s)',
                            flush=True)
        print(f'\ntorch {torch.__version__}, {os.cpu_count()} cores, threads per stage as the '
              'demo sets them; frames/s')
        head = ('clip', 'frames', 'people/frame', 'backend', 'pose model', 'ran on',
                'threads pose+det', 'end-to-end', 'detector alone', 'pose alone', 'best batch',
                'demo batch', 'read+write alone', 'slowest-stage limit', 'achieved/limit',
                'stages one after another', 'achieved/that', 'people/s end-to-end',
                'people/s pose alone')
        print('| ' + ' | '.join(head) + ' |')
        print('|' + ' --- |' * len(head))
        for r in rows:
            cells = [r[0], str(r[1]), f'{r[2]:.1f}', r[3], r[4], r[5], str(r[6])] + \
                [f'{v:.2f}' for v in r[7:10]] + [str(r[10]), str(r[11])] + \
                [f'{v:.2f}' for v in r[12:14]] + \
                [f'{r[14]:.0%}', f'{r[15]:.2f}', f'{r[16]:.0%}', f'{r[17]:.1f}', f'{r[18]:.1f}']
            print('| ' + ' | '.join(cells) + ' |')
        print('\npose alone, crops/s per batch size (every box of the clip, flip as configured)')
        for (name, backend, model), sweep in sweeps.items():
            print(f'  {name:12s} {backend:11s} {model:18s} ' + '  '.join(f'b{b}: {v:.1f}'
                                                                         for b, v in sweep.items()))
        print(ratio_lines(rows))
        if args.repeats > 1 and runs:
            print(repeat_lines(runs))
        if args.plot and rows:
            print(f'chart: {plot_rows(rows, args.plot)}')
        if rows:
            print('\n' + mmpose_line(rows[0][0], inf.detector, dargs.bbox_thr, tmp))
    return 0


if __name__ == '__main__':
    sys.exit(main())
