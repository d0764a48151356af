"""Training-step speed on the CPU: fp32 vs bf16 autocast vs bf16 + channels-last.

Runs a few Adam steps of a top-down student (loss on random heatmap targets)
for each mode in the same process and prints samples/s and the ratio to fp32.
bf16 needs a CPU with AVX512-BF16 / AMX to pay off (elsewhere it may be slower).

Example::

    python benchmarks/train_speed.py --size 160 128 --batch 32
"""
import argparse
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def build(h: int, w: int, k: int):
    import mmalphapose.models  # noqa: F401
    from mmalphapose.registry import MODELS
    return MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            data_preprocessor=dict(type='PoseDataPreprocessor'),
            backbone=dict(type='SEResNet', depth=18),
            neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
            head=dict(
                type='FastPoseHeatmapHead',
                in_channels=128,
                out_channels=k,
                loss=dict(type='KeypointMSELoss', use_target_weight=True),
                decoder=dict(
                    type='MSRAHeatmap', input_size=(w, h), heatmap_size=(w // 4, h // 4),
                    sigma=2))))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', type=int, nargs=2, default=(160, 128), metavar=('H', 'W'))
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--steps', type=int, default=4)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    h, w = a.size
    x = torch.randn(a.batch, 3, h, w)
    t = torch.rand(a.batch, 26, h // 4, w // 4)
    base = None
    for mode in ('fp32', 'bf16', 'bf16+channels_last'):
        torch.manual_seed(0)
        m = build(h, w, 26).train()
        xx = x
        if mode.endswith('channels_last'):
            m = m.to(memory_format=torch.channels_last)
            xx = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.Adam(m.parameters(), 1e-3)

        def step():
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=mode != 'fp32'):
                out = m.head(m.extract_feat(xx))
            loss = ((out.float() - t)**2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()

        step()
        step()
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        rate = a.batch * a.steps / (time.perf_counter() - t0)
        base = base or rate
        print(
            f'SEResNet-18 {h}x{w} batch {a.batch} {mode:20s} {rate:6.1f} samples/s '
            f'x{rate / base:.2f}',
            flush=True)


if __name__ == '__main__':
    main()
