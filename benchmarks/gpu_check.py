"""The GPU path, measured in one short run (``benchmarks/gpu_check.sh``).

On ``--device`` (``cuda`` on a GPU machine; ``cpu`` for the dry run) and
in this order, printing each result as it comes (and writing them all to
``--out`` as JSON):

1. environment: torch / onnxruntime versions, the card, onnxruntime's
   providers;
2. the demo end to end (``PoseInferencer.run`` with the demo's default flags,
   JSON and overlay video written, built and warmed up first; the clips of
   ``benchmarks/demo_speed.py``) per pose backend: ``pytorch`` (fp16
   autocast on CUDA, ``backends.autocast_dtype``), ``onnxruntime`` (CUDA
   provider on CUDA), ``tensorrt`` (onnxruntime's TensorRT provider; only
   where it is installed): frames/s and people/s;
3. the outputs' agreement with the CPU: the pose stage of each backend on
   ``--device`` against the PyTorch float32 model on the CPU, on the same
   frames and the CPU detector's boxes (keypoint px differences: median,
   95th percentile and max over the keypoints scoring >= 0.3 on the CPU),
   and the detector on ``--device`` against the CPU detector (same box
   count per frame, max box corner difference);
4. training: iterations/s of a FastPose-R50 config (``--train-config``)
   with mixed precision (``tools/train.py --amp``'s optimiser wrapper: fp16
   ``AmpOptimWrapper`` on CUDA, bf16 on the CPU), mmengine's Runner,
   ``--train-iters`` iterations on the bundled COCO samples
   (``tests/data/coco``, repeated), the first ``--train-warmup`` not timed.

Example (sized to finish within 5 minutes on a GPU machine, not yet run on one;
the dry run with small numbers)::

    bash benchmarks/gpu_check.sh --device cuda --out gpu_check.json
    python benchmarks/gpu_check.py --device cpu --frames 2 --clips basketball \\
        --train-iters 3 --train-warmup 1 --train-batch 2 --train-config \\
        configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py

(the dry run trains the tiny SE-ResNet-18 config: the R50 config's bf16 steps
are emulated on most CPUs and take minutes).
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np
from mmengine.hooks import Hook

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

TRAIN_CONFIG = ('configs/body_2d_keypoint/heatmap/coco/'
                'heatmap_fastpose-se-res50_8xb32-200e_coco-256x192.py')
BACKENDS = ('pytorch', 'onnxruntime', 'tensorrt')
BBOX_THR = 0.2  # the demo's default --bbox-thr


def parse_args(argv=None) -> argparse.Namespace:
    from demo_speed import CLIPS
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda', help='cuda[:i] or cpu (the dry run)')
    p.add_argument('--clips', nargs='+', default=list(CLIPS), choices=list(CLIPS))
    p.add_argument(
        '--frames',
        type=int,
        default=None,
        help='frames per clip (default: all 75 of basketball, 30 / 20 of the others)')
    p.add_argument('--backends', nargs='+', default=list(BACKENDS), choices=BACKENDS)
    p.add_argument('--pose-config', default=None, help='default: the demo\'s default model')
    p.add_argument('--demo-args', default='', help='extra demo flags, e.g. "--pose-batch 64"')
    p.add_argument('--agree-frames', type=int, default=8, help='frames of the agreement check')
    p.add_argument('--train-config', default=TRAIN_CONFIG)
    p.add_argument('--train-iters', type=int, default=30)
    p.add_argument('--train-warmup', type=int, default=5)
    p.add_argument('--train-batch', type=int, default=32)
    p.add_argument('--no-train', action='store_true')
    p.add_argument('--out', help='write the results as JSON here')
    return p.parse_args(argv)


def environment(device: str) -> Dict[str, object]:
    """Versions, the device's name and onnxruntime's providers."""
    import onnxruntime as ort
    import torch
    name = 'cpu'
    if device.startswith('cuda'):
        if not torch.cuda.is_available():
            raise RuntimeError(f'--device {device}: torch sees no CUDA device')
        name = torch.cuda.get_device_name(torch.device(device))
    return dict(
        torch=torch.__version__,
        cuda=torch.version.cuda,
        onnxruntime=ort.__version__,
        providers=ort.get_available_providers(),
        device=device,
        device_name=name,
        cpu_count=os.cpu_count())


def backend_argv(backend: str) -> List[str]:
    """The demo's ``--backend`` for a gpu_check backend name (TensorRT is the
    onnxruntime backend with its ``tensorrt`` option, set by
    :func:`tensorrt_setup`)."""
    return ['--backend', 'pytorch' if backend == 'pytorch' else 'onnxruntime']


def tensorrt_setup(device: str):
    """A demo_speed ``setup``: the inferencer's pose model rebuilt as the
    onnxruntime backend with the TensorRT provider first."""

    def setup(inferencer) -> None:
        from mmalphapose.apis import init_model
        from mmalphapose.apis.backends import build_pose_backend
        base = init_model(
            inferencer.pose_config, inferencer.pose_checkpoint, device=device, backend='pytorch')
        rt = build_pose_backend(base, 'onnxruntime', device, tensorrt=True)
        # the inferencer keeps its models on itself or (apis redesign) on .models,
        # and its stages built from them in ._built: swap the model in both
        for owner in (inferencer, getattr(inferencer, 'models', None)):
            if owner is not None and hasattr(owner, 'model'):
                owner.model = rt
        getattr(inferencer, '_built', {}).clear()

    return setup


def demo_runs(args, tmp: str) -> Dict[str, dict]:
    """Per clip and backend: frames/s, people/s and the inferencer (for the
    agreement check)."""
    import onnxruntime as ort
    from demo_speed import CLIPS, cut_clip, end_to_end
    out: Dict[str, dict] = {}
    extra = args.demo_args.split() + ['--device', args.device] + \
        (['--pose-config', args.pose_config] if args.pose_config else [])
    for name in args.clips:
        video, n = CLIPS[name]
        if not osp.isfile(video):
            print(f'{name}: {video} not found, skipped', flush=True)
            continue
        clip, _ = cut_clip(video, args.frames or n or 10**6, tmp)
        warm, _ = cut_clip(video, 2, tmp)
        for backend in args.backends:
            key = f'{name} {backend}'
            if backend == 'tensorrt' and (not args.device.startswith('cuda') or
                                          'TensorrtExecutionProvider'
                                          not in ort.get_available_providers()):
                out[key] = dict(skipped='no TensorRT provider (onnxruntime-gpu with TensorRT)')
                print(f'{key}: skipped ({out[key]["skipped"]})', flush=True)
                continue
            setup = tensorrt_setup(args.device) if backend == 'tensorrt' else None
            summary, (inf, _, threads) = end_to_end(
                extra + backend_argv(backend),
                clip,
                warm,
                osp.join(tmp, name, backend),
                setup=setup)
            net = getattr(inf.model, 'onnx_network', None)
            out[key] = dict(
                frames=summary['frames'],
                people_per_frame=round(summary['people'] / max(summary['frames'], 1), 2),
                fps=round(summary['fps'], 2),
                people_per_s=round(summary['people'] / max(summary['seconds'], 1e-9), 1),
                ran_on=getattr(inf.model, 'pose_backend', backend),
                providers=net.providers if net is not None else None,
                autocast=str(getattr(inf.model, 'autocast_dtype', None)),
                inferencer=inf)
            print(f'{key}: {out[key]["fps"]:.2f} frames/s, {out[key]["people_per_s"]:.1f} '
                  f'people/s ({out[key]["people_per_frame"]} people a frame; '
                  f'providers {out[key]["providers"]}, autocast {out[key]["autocast"]})',
                  flush=True)
    return out


def keypoint_agreement(ref, got, thr: float = 0.3) -> Dict[str, float]:
    """px differences of ``got`` (InstanceData) to ``ref`` over the keypoints
    ``ref`` scores >= ``thr`` (all of them when none does)."""
    diff = np.linalg.norm(np.asarray(got.keypoints) - np.asarray(ref.keypoints), axis=-1)
    mask = np.asarray(ref.keypoint_scores) >= thr
    d = diff[mask] if mask.any() else diff.reshape(-1)
    return dict(
        median_px=round(float(np.median(d)), 3),
        p95_px=round(float(np.percentile(d, 95)), 3),
        max_px=round(float(d.max()), 3),
        max_score_diff=round(
            float(np.abs(np.asarray(got.keypoint_scores) - ref.keypoint_scores).max()), 4),
        keypoints=int(d.size))


def box_agreement(ref: List[np.ndarray], got: List[np.ndarray]) -> Dict[str, float]:
    """Frames whose box count matches, and the largest box corner difference
    (px) over them (boxes paired by sorting on their corners)."""
    same = [(r, g) for r, g in zip(ref, got) if len(r) == len(g)]
    diffs = [
        float(np.abs(np.sort(np.asarray(r), 0) - np.sort(np.asarray(g), 0)).max()) for r, g in same
        if len(r)
    ]
    return dict(
        frames_same_count=f'{len(same)}/{len(ref)}',
        max_box_diff_px=round(max(diffs), 3) if diffs else 0.0)


def agreement(args, runs: Dict[str, dict], tmp: str) -> Dict[str, dict]:
    """The pose stage and the detector of each backend's inferencer against
    the CPU (PyTorch float32 pose model, CPU detector) on the first
    ``--agree-frames`` frames of the first clip."""
    from demo_speed import CLIPS, cut_clip

    from mmalphapose.apis import TopdownPredictor, init_model
    from mmalphapose.apis.detection import build_person_detector
    from mmalphapose.apis.model_index import default_detector
    done = [v for v in runs.values() if 'inferencer' in v]
    if not done:
        return {}
    first = done[0]['inferencer']
    name = next(k for k, v in runs.items() if v is done[0]).split()[0]
    _, frames = cut_clip(CLIPS[name][0], args.agree_frames, tmp)
    det_config, det_weights = default_detector()  # the demo's detector, on the CPU
    cpu_det = build_person_detector(det_config, det_weights, None, 'cpu', score_thr=BBOX_THR)
    cpu_boxes = [b for b, _ in cpu_det.detect(frames, score_thr=BBOX_THR)]
    ids = np.concatenate([np.full(len(b), i, np.int64) for i, b in enumerate(cpu_boxes)])
    boxes = np.concatenate([np.asarray(b, np.float32).reshape(-1, 4) for b in cpu_boxes])
    cpu_model = init_model(
        first.pose_config, first.pose_checkpoint, device='cpu', backend='pytorch')
    ref = TopdownPredictor(cpu_model)(frames, ids, boxes)
    out = {}
    for key, run in runs.items():
        if 'inferencer' not in run or not key.startswith(name + ' '):
            continue
        inf = run['inferencer']
        res = keypoint_agreement(ref, TopdownPredictor(inf.model)(frames, ids, boxes))
        dev_boxes = [b for b, _ in inf.detector.detect(frames, score_thr=BBOX_THR)]
        res.update(box_agreement(cpu_boxes, dev_boxes))
        out[key] = res
        print(f'{key} vs CPU PyTorch float32 ({len(boxes)} people, {len(frames)} frames): {res}',
              flush=True)
    return out


class IterTimer(Hook):
    """mmengine hook: the time after each training iteration (device
    synchronised)."""
    priority = 'VERY_LOW'

    def __init__(self, device: str) -> None:
        self.device, self.times = device, []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        import torch
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())


def train_speed(args, tmp: str) -> Dict[str, object]:
    """Iterations/s (and samples/s) of ``--train-config`` with mixed
    precision on the bundled COCO samples."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmalphapose.engine.optim_wrappers import amp_optim_wrapper
    from mmalphapose.utils import enable_safe_checkpoint_loading
    enable_safe_checkpoint_loading()
    cfg = Config.fromfile(osp.join(ROOT, args.train_config))
    cfg.optim_wrapper, note = amp_optim_wrapper(cfg.optim_wrapper, args.device)
    iters = args.train_iters
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=max(1, iters))
    cfg.visualizer = None
    cfg.work_dir = osp.join(tmp, 'train')
    cfg.auto_scale_lr = None
    cfg.load_from, cfg.resume = None, False
    cfg.model.backbone.init_cfg = None  # no download: random weights time the same
    coco = osp.join(ROOT, 'tests', 'data', 'coco') + '/'
    dataset = cfg.train_dataloader.dataset
    dataset.update(data_root=coco, ann_file='test_coco.json', data_prefix=dict(img=''))
    workers = min(8, os.cpu_count() or 1) if args.device.startswith('cuda') else 0
    cfg.train_dataloader = dict(
        batch_size=args.train_batch,
        num_workers=workers,
        persistent_workers=workers > 0,
        pin_memory=args.device.startswith('cuda'),
        sampler=dict(type='InfiniteSampler', shuffle=True),
        dataset=dict(type='RepeatDataset', dataset=dataset.to_dict(), times=1000))
    cfg.env_cfg = dict(cudnn_benchmark=True, dist_cfg=dict(backend='nccl'),
                       mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
    runner = Runner.from_cfg(cfg)
    timer = IterTimer(args.device)
    runner.register_hook(timer, 'VERY_LOW')
    runner.train()
    warm = min(max(1, args.train_warmup), len(timer.times) - 1)
    timed = timer.times[warm - 1:]
    rate = (len(timed) - 1) / max(timed[-1] - timed[0], 1e-9)
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    res = dict(
        config=osp.basename(args.train_config),
        optim_wrapper=wrapper,
        note=note,
        batch=args.train_batch,
        iters_timed=len(timed) - 1,
        iters_per_s=round(rate, 3),
        samples_per_s=round(rate * args.train_batch, 1))
    print(f'training: {res}', flush=True)
    return res


def main(argv=None) -> Dict[str, object]:
    """The check; returns (and with ``--out`` writes) its results."""
    args = parse_args(argv)
    results: Dict[str, object] = dict(date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    results['environment'] = environment(args.device)
    print(f'environment: {results["environment"]}', flush=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        runs = demo_runs(args, tmp)
        results['agreement'] = agreement(args, runs, tmp)
        results['demo'] = {k: {f: v for f, v in r.items() if f != 'inferencer'}
                           for k, r in runs.items()}
        del runs
        if not args.no_train:
            results['training'] = train_speed(args, tmp)
    results['seconds'] = round(time.perf_counter() - t0, 1)
    print(f'done in {results["seconds"]} s', flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1, default=str)
    return results


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    sys.exit(0 if main() else 1)
