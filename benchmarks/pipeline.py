"""Pipelined vs sequential inference on the bundled video, in one process.

Runs the same stages (same detector, pose model weights, P-NMS, JSON and
overlay-video writing) three ways per round: ``workers=0`` with the libraries'
default intra-op threads (read, detect, pose, post-process and write one after
another in one thread); ``workers=0`` with ``--stage-threads`` threads per
library; and ``workers=1`` (reader thread + detection thread + pose thread +
writing in the caller, connected by bounded queues) with ``--stage-threads``.
Prints frames/s of each, the ratio pipelined / sequential (goal: >= 1.3x on 2
cores) against both sequential runs, the CPU seconds per frame and the average
number of busy cores: a real overlap gain shows as the same CPU work with more
cores busy (on a machine whose other load leaves only one core free, it
cannot). Rounds alternate to share any background load; the
best round of each mode is reported.

    python benchmarks/pipeline.py [--video demo/resources/demo_basketball.mp4]
        [--rounds 2] [--frames 60] [--stage-threads 1]
"""
import argparse
import os

# torch's OpenMP threads busy-wait between parallel regions by default; with a
# second compute library (onnxruntime) in the same process, and on a shared
# machine, that spinning steals the cores from the other work. Set before torch
# is imported (the demo does the same).
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import os.path as osp
import sys
import tempfile
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--video', default=osp.join(root, 'demo/resources/demo_basketball.mp4'))
    p.add_argument('--pose-config', default=None)
    p.add_argument('--pose-checkpoint', default=None)
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--frames', type=int, default=0, help='use only the first N frames (0 = all)')
    p.add_argument('--det-batch', type=int, default=4)
    p.add_argument(
        '--stage-threads',
        type=int,
        default=1,
        help='torch and onnxruntime intra-op threads per stage in the '
        'pipelined run (0 = library defaults, as the sequential run)')
    return p.parse_args()


def _cut(video: str, n: int, folder: str) -> str:
    import cv2
    cap = cv2.VideoCapture(video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 25
    size = (int(cap.get(3)), int(cap.get(4)))
    path = osp.join(folder, 'bench.mp4')
    out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
    for _ in range(n):
        ok, frame = cap.read()
        if not ok:
            break
        out.write(frame)
    out.release()
    return path


def main():
    args = parse_args()
    import torch

    from mmalphapose.apis import PoseInferencer
    warnings.simplefilter('ignore')
    default_threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as tmp:
        video = _cut(args.video, args.frames, tmp) if args.frames else args.video
        seq = PoseInferencer(args.pose_config, args.pose_checkpoint, show_progress=False)
        # the pipelined run gives each stage its own core(s): same models, but the
        # detector session is built with its own thread count
        det_opts = dict(num_threads=args.stage_threads) if args.stage_threads else None
        pipe = PoseInferencer(
            args.pose_config, args.pose_checkpoint, show_progress=False, det_options=det_opts)
        pipe.model.load_state_dict(seq.model.state_dict())  # identical weights
        print(seq.describe())
        print(f'video: {args.video}  cpu cores: {os.cpu_count()}  '
              f'torch threads: {default_threads}')
        for inf in (seq, pipe):  # warm-up (first-call allocations)
            inf.run(video, workers=0, out_dir=osp.join(tmp, 'warm'), det_batch=args.det_batch)
        st = args.stage_threads or default_threads
        modes = {  # name: (inferencer, workers, torch threads)
            'sequential': (seq, 0, default_threads),
            f'sequential, {st} thread(s)/lib': (pipe, 0, st),
            'pipelined': (pipe, 1, st),
        }
        best = {m: 0.0 for m in modes}
        for r in range(args.rounds):
            for mode, (inf, workers, threads) in modes.items():
                t0, c0 = time.perf_counter(), time.process_time()
                res = inf.run(
                    video,
                    workers=workers,
                    det_batch=args.det_batch,
                    torch_threads=threads,
                    out_dir=osp.join(tmp, f'{r}{mode}'))
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                frames = res['frames']
                fps = frames / dt
                best[mode] = max(best[mode], fps)
                # cores busy = CPU seconds of this process / wall seconds
                print(f'round {r}: {mode:28s} {frames} frames in {dt:6.2f} s = {fps:6.2f} '
                      f'frames/s, {cpu / frames:5.2f} CPU-s/frame, {cpu / dt:4.2f} cores busy')
    names = list(modes)
    for m in names:
        print(f'{m:28s}: {best[m]:.2f} frames/s (best round)')
    print(f'speed-up pipelined / sequential (default threads): '
          f'{best[names[2]] / max(best[names[0]], 1e-9):.2f}x (goal >= 1.3x on 2 cores)')
    print(f'speed-up pipelined / sequential (same threads as pipelined): '
          f'{best[names[2]] / max(best[names[1]], 1e-9):.2f}x')


if __name__ == '__main__':
    main()
