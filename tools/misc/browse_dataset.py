"""Draw transformed dataset samples (crop + keypoints + skeleton) to images.

Example::

    python tools/misc/browse_dataset.py configs/.../some_config.py \
        --output-dir work_dirs/browse --max-samples 20 --phase train

The config's ``{phase}_dataloader.dataset`` is built with its pipeline up to
(not including) ``PackPoseInputs``; each sample's ``img`` is drawn with its
``transformed_keypoints`` (or ``keypoints``) and the dataset skeleton.
"""
import argparse
import ast
import copy
import os
import os.path as osp
import sys
from typing import Dict, Optional

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def draw_sample(results: Dict,
                metainfo: Dict,
                radius: int = 3,
                thickness: int = 1,
                vis_thr: float = 0.0) -> np.ndarray:
    """Draw keypoints (visible only) and skeleton links on a copy of ``results['img']``.

    Uses ``transformed_keypoints`` when present (crop pixels), else ``keypoints``.
    Colours come from the metainfo (RGB) and are drawn on the BGR image.
    """
    img = np.ascontiguousarray(results['img']).copy()
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    img = img.astype(np.uint8)
    kpts = results.get('transformed_keypoints')
    if kpts is None:
        kpts = results.get('keypoints')
    if kpts is None:
        return img
    kpts = np.asarray(kpts, np.float32).reshape(-1, metainfo['num_keypoints'], 2)
    vis = np.asarray(results.get('keypoints_visible', np.ones(kpts.shape[:2])), np.float32)
    vis = vis.reshape(kpts.shape[:2])
    kcol = np.asarray(metainfo['keypoint_colors'], np.int64)[:, ::-1]
    lcol = np.asarray(metainfo['skeleton_link_colors'], np.int64)[:, ::-1]
    h, w = img.shape[:2]
    for person, pv in zip(kpts, vis):
        ok = (pv > vis_thr) & (person[:, 0] >= 0) & (person[:, 1] >= 0) \
            & (person[:, 0] < w) & (person[:, 1] < h)
        for li, (a, b) in enumerate(metainfo['skeleton_links']):
            if ok[a] and ok[b]:
                cv2.line(img, tuple(int(round(v)) for v in person[a]),
                         tuple(int(round(v)) for v in person[b]), tuple(int(c) for c in lcol[li]),
                         thickness, cv2.LINE_AA)
        for ki in np.flatnonzero(ok):
            cv2.circle(img, tuple(int(round(v)) for v in person[ki]), radius,
                       tuple(int(c) for c in kcol[ki]), -1, cv2.LINE_AA)
    return img


def browse(dataset,
           output_dir: str,
           max_samples: int = 20,
           scale: float = 1.0,
           prefix: Optional[str] = None) -> list:
    """Write up to ``max_samples`` drawn samples of ``dataset``; returns the paths."""
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    name = prefix or dataset.metainfo.get('dataset_name', 'dataset')
    for i in range(min(max_samples, len(dataset))):
        results = dataset[i]
        img = draw_sample(results, dataset.metainfo)
        if scale != 1.0:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        path = osp.join(output_dir, f'{name}_{i:04d}_{results.get("id", i)}.jpg')
        if not cv2.imwrite(path, img):
            raise OSError(f'browse_dataset: cannot write "{path}"')
        paths.append(path)
    return paths


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Draw transformed dataset samples')
    parser.add_argument('config', help='config file with a *_dataloader.dataset')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset')
    parser.add_argument('--max-samples', type=int, default=20)
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--scale', type=float, default=2.0, help='resize factor of the drawing')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], help='key=value overrides of the config')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    from mmengine.config import Config

    from mmalphapose.registry import DATASETS
    from mmalphapose.utils import register_all_modules
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    for opt in args.cfg_options:
        key, _, val = opt.partition('=')
        cfg.merge_from_dict({key: ast.literal_eval(val)})
    key = f'{args.phase}_dataloader'
    if key not in cfg:
        raise KeyError(f'browse_dataset: config {args.config} has no "{key}"')
    ds_cfg = copy.deepcopy(cfg[key]['dataset'])
    ds_cfg['pipeline'] = [
        t for t in ds_cfg.get('pipeline', []) if t.get('type') != 'PackPoseInputs'
    ]
    dataset = DATASETS.build(ds_cfg)
    paths = browse(dataset, args.output_dir, args.max_samples, args.scale)
    print(f'wrote {len(paths)} images to {args.output_dir}')


if __name__ == '__main__':
    main()
