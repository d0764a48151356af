"""Pipelined vs sequential inference on the bundled video, in one process.

Runs the same PoseInferencer (same detector, pose model, P-NMS, JSON and
overlay-video writing) twice per round: ``workers=0`` (read, detect, pose,
post-process and write one after another in one thread) and ``workers=1``
(reader thread + detection thread + pose thread + writing in the caller,
connected by bounded queues). Prints frames/s of both and the ratio
(goal: >= 1.3x on 2 cores), plus CPU seconds per frame and the average number
of busy cores, which show whether the speed-up comes from overlap (same CPU
work, more cores busy). Rounds alternate to share any background load; the
best round of each mode is reported.

    python benchmarks/pipeline.py [--video demo/resources/demo_basketball.mp4]
        [--rounds 2] [--frames 60] [--stage-threads 1]
"""
import argparse
import os
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
    p.add_argument('--frames', type=int, default=0,
                   help='use only the first N frames (0 = all)')
    p.add_argument('--det-batch', type=int, default=4)
    p.add_argument('--stage-threads', type=int, default=0,
                   help='torch/onnxruntime intra-op threads per stage when pipelined '
                        '(0 = leave the defaults)')
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
        inf = PoseInferencer(args.pose_config, args.pose_checkpoint, show_progress=False)
        print(inf.describe())
        print(f'video: {args.video}  cpu cores: {os.cpu_count()}  '
              f'torch threads: {default_threads}')
        inf.run(video, workers=0, out_dir=osp.join(tmp, 'warm'),
                det_batch=args.det_batch)  # warm-up (first-call allocations)
        best = {0: 0.0, 1: 0.0}
        frames = 0
        for r in range(args.rounds):
            for workers in (0, 1):
                threads = args.stage_threads if workers and args.stage_threads else \
                    default_threads
                torch.set_num_threads(threads)
                t0, c0 = time.perf_counter(), time.process_time()
                res = inf.run(video, workers=workers, det_batch=args.det_batch,
                              out_dir=osp.join(tmp, f'w{workers}_{r}'))
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                frames = res['frames']
                fps = frames / dt
                best[workers] = max(best[workers], fps)
                mode = 'pipelined ' if workers else 'sequential'
                # cores busy = CPU seconds of this process / wall seconds
                print(f'round {r}: {mode} {frames} frames in {dt:6.2f} s = {fps:6.2f} '
                      f'frames/s, {cpu / frames:5.2f} CPU-s/frame, {cpu / dt:4.2f} cores busy')
        torch.set_num_threads(default_threads)
    print(f'sequential (workers=0): {best[0]:.2f} frames/s')
    print(f'pipelined  (workers=1): {best[1]:.2f} frames/s')
    print(f'speed-up pipelined / sequential: {best[1] / max(best[0], 1e-9):.2f}x '
          f'(goal >= 1.3x on 2 cores)')


if __name__ == '__main__':
    main()
