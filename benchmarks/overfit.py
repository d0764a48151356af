"""Overfit check: a small SE-ResNet-18 FastPose fits a few real COCO crops.

Trains on one fixed batch of person crops from tests/data/coco (through the
real top-down pipeline) and prints the loss curve and the final keypoint
error in crop pixels, for the SIKR, heatmap and combined heads.

    python benchmarks/overfit.py [--iters 300] [--heads sikr heatmap combined]
"""
import argparse
import os.path as osp
import time
from typing import Dict, List

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
INPUT_SIZE = (64, 96)  # (w, h): stride 32 -> 2x3, heatmap 16x24
HEATMAP_SIZE = (16, 24)


def _codec(head: str) -> dict:
    common = dict(input_size=INPUT_SIZE, heatmap_size=HEATMAP_SIZE)
    if head == 'sikr':
        return dict(type='SIKRLabel', norm_type='sigmoid', **common)
    if head == 'heatmap':
        return dict(type='MSRAHeatmap', sigma=1.5, **common)
    return dict(type='CombinedLabel', num_body_keypoints=11, sigma=1.5, **common)


def _model(head: str) -> dict:
    codec = _codec(head)
    head_cfg = dict(in_channels=128, out_channels=17, decoder=codec)
    if head == 'sikr':
        head_cfg.update(type='SIKRHead')
    elif head == 'heatmap':
        head_cfg.update(
            type='FastPoseHeatmapHead', loss=dict(type='KeypointMSELoss', loss_weight=0.5))
    else:
        head_cfg.update(type='CombinedHead', num_body_keypoints=11)
    return dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='SEResNet', depth=18),
        neck=dict(type='DUC', in_channels=512, channels=(256, 512)),
        head=head_cfg)


def load_batch(head: str, num: int = 4) -> dict:
    """``num`` packed crops (the people with the most visible keypoints)."""
    from mmalphapose.datasets import CocoDataset
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale', padding=1.25),
        dict(type='TopdownAffine', input_size=INPUT_SIZE),
        dict(type='GenerateTarget', encoder=_codec(head)),
        dict(type='PackPoseInputs'),
    ]
    ds = CocoDataset(
        ann_file='test_coco.json',
        data_root=osp.join(ROOT, 'tests/data/coco'),
        data_prefix=dict(img=''),
        pipeline=pipeline)
    vis = [float(np.sum(ds.get_data_info(i)['keypoints_visible'])) for i in range(len(ds))]
    order = np.argsort(vis)[::-1][:num]
    items = [ds[int(i)] for i in order]
    return dict(
        inputs=[it['inputs'] for it in items], data_samples=[it['data_samples'] for it in items])


def _crop_keypoints(sample) -> np.ndarray:
    """GT keypoints in crop pixels, from the image-space GT and metainfo."""
    kpts = np.asarray(sample.gt_instances.keypoints, np.float32)
    size = np.asarray(sample.metainfo['input_size'], np.float32)
    center = np.asarray(sample.metainfo['input_center'], np.float32).reshape(-1, 2)
    scale = np.asarray(sample.metainfo['input_scale'], np.float32).reshape(-1, 2)
    return (kpts - center[:, None] + 0.5 * scale[:, None]) / scale[:, None] * size


def run_overfit(head: str = 'sikr',
                iters: int = 300,
                lr: float = 1e-3,
                seed: int = 0,
                log_every: int = 25) -> Dict[str, object]:
    """Train on one batch; returns losses, final mean/max pixel error."""
    import mmalphapose.models  # noqa: F401
    from mmalphapose.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(_model(head))
    batch = load_batch(head)
    data = model.data_preprocessor(batch, training=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses: List[float] = []
    model.train()
    for it in range(iters):
        loss_dict = model(**data, mode='loss')
        loss = sum(v for k, v in loss_dict.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if log_every and (it % log_every == 0 or it == iters - 1):
            print(f'  [{head}] iter {it:4d}  loss {losses[-1]:.6f}', flush=True)
    model.eval()
    with torch.no_grad():
        preds = model.head.predict(model.extract_feat(data['inputs']), data['data_samples'], {})
    errs = []
    for pred, sample in zip(preds, data['data_samples']):
        gt = _crop_keypoints(sample)[0]
        vis = np.asarray(sample.gt_instances.keypoints_visible).reshape(-1) > 0
        errs.append(np.linalg.norm(pred.keypoints[0] - gt, axis=-1)[vis])
    errs = np.concatenate(errs)
    first = float(np.mean(losses[:5]))
    last = float(np.mean(losses[-5:]))
    return dict(
        losses=losses,
        first=first,
        last=last,
        ratio=first / last,
        mean_px=float(errs.mean()),
        median_px=float(np.median(errs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--heads', nargs='+', default=['sikr', 'heatmap', 'combined'])
    args = parser.parse_args()
    for head in args.heads:
        t0 = time.time()
        res = run_overfit(head, args.iters)
        print(f'{head}: loss {res["first"]:.5f} -> {res["last"]:.6f} '
              f'(x{res["ratio"]:.1f} lower), keypoint error mean '
              f'{res["mean_px"]:.2f} px / median {res["median_px"]:.2f} px in a '
              f'{INPUT_SIZE[0]}x{INPUT_SIZE[1]} crop ({time.time() - t0:.0f} s)')


if __name__ == '__main__':
    main()
