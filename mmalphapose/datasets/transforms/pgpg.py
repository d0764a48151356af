"""Part-Guided Proposal Generation (PGPG) for top-down training.

A GT pose is normalised by its box and assigned to the nearest *atomic pose*
(k-means centre of box-normalised poses). Each atomic pose has a fitted
Gaussian over the detector-box offset relative to the GT box,
``(dcx / w, dcy / h, log(w_det / w), log(h_det / h))``; the transform samples
a proposal box from it and trains on that box instead of the GT box.
Fitting: ``tools/analysis_tools/fit_pgpg.py``. Without a fitted file the
transform falls back to AlphaPose's ``addDPG`` box jitter.
"""
import json
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmalphapose.registry import TRANSFORMS

#: AlphaPose addDPG: per-edge Gaussian offsets (mean, std) as a fraction of
#: the GT box size, for xmin, ymin, xmax, ymax (AlphaPose alphapose/utils/transforms.py:63-66).
DPG_EDGE_MEAN = np.array([-0.0142, 0.0043, 0.0154, -0.0013])
DPG_EDGE_STD = np.array([0.1158, 0.0680, 0.1337, 0.0711])
#: addDPG draws a sub-patch crop when U(0,1) exceeds this.
DPG_PATCH_THR = 0.85

OFFSET_NAMES = ('dcx/w', 'dcy/h', 'log(w_det/w_gt)', 'log(h_det/h_gt)')


def normalize_pose_by_box(keypoints: np.ndarray, bboxes: np.ndarray) -> np.ndarray:
    """Keypoints (N,K,2) in box units: (x - x1) / w, (y - y1) / h."""
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    wh = np.maximum(bboxes[:, 2:] - bboxes[:, :2], 1e-6)
    return (np.asarray(keypoints, dtype=np.float64) - bboxes[:, None, :2]) / wh[:, None]


def masked_sq_dist(poses: np.ndarray, visible: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Mean squared distance over visible keypoints, (N,K,2) x (C,K,2) ->
    (N,C); rows without visible keypoints are inf."""
    vis = visible.astype(np.float64)
    diff = poses[:, None] - centres[None]  # (N,C,K,2)
    sq = np.sum(diff * diff, axis=-1) * vis[:, None]
    num = vis.sum(axis=1)[:, None]
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(num > 0, sq.sum(axis=-1) / np.maximum(num, 1), np.inf)


def assign_atomic_pose(poses: np.ndarray, visible: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Nearest centre per pose (-1 for poses without visible keypoints)."""
    dist = masked_sq_dist(poses, visible, centres)
    labels = np.argmin(dist, axis=1)
    labels[~np.isfinite(dist.min(axis=1))] = -1
    return labels


def masked_kmeans(poses: np.ndarray,
                  visible: np.ndarray,
                  k: int,
                  iters: int = 100,
                  seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """k-means on box-normalised poses that ignores invisible keypoints.

    k-means++ seeding; a centre keypoint with no visible member keeps the
    mean of all visible poses there. Returns centres (k,K,2), labels (N,).
    """
    rng = np.random.default_rng(seed)
    n = poses.shape[0]
    if n == 0:
        raise ValueError('k-means needs at least one pose with visible keypoints')
    k = min(k, n)
    vis = visible.astype(bool)
    cnt = vis.sum(axis=0)[:, None]
    fill = np.where(cnt > 0, (poses * vis[..., None]).sum(0) / np.maximum(cnt, 1), 0.5)
    filled = np.where(vis[..., None], poses, fill[None])
    centres = [filled[rng.integers(n)]]
    for _ in range(1, k):
        d = masked_sq_dist(poses, vis, np.array(centres)).min(axis=1)
        prob = d / d.sum() if d.sum() > 0 else np.full(n, 1.0 / n)
        centres.append(filled[rng.choice(n, p=prob)])
    centres = np.array(centres)
    labels = np.full(n, -1)
    for _ in range(iters):
        new = assign_atomic_pose(poses, vis, centres)
        if np.array_equal(new, labels):
            break
        labels = new
        onehot = (labels[:, None] == np.arange(k)[None]).astype(np.float64)  # (N,k)
        w = onehot[:, :, None] * vis[:, None, :]  # (N,k,K)
        tot = w.sum(axis=0)  # (k,K)
        summed = np.einsum('nck,nkd->ckd', w, poses)
        centres = np.where(tot[..., None] > 0, summed / np.maximum(tot, 1e-12)[..., None], centres)
    return centres, labels


def box_offsets(gt: np.ndarray, det: np.ndarray) -> np.ndarray:
    """(dcx/w, dcy/h, log w_det/w, log h_det/h) of det boxes vs GT boxes."""
    gt, det = np.asarray(gt, np.float64).reshape(-1, 4), np.asarray(det, np.float64).reshape(-1, 4)
    gwh = np.maximum(gt[:, 2:] - gt[:, :2], 1e-6)
    dwh = np.maximum(det[:, 2:] - det[:, :2], 1e-6)
    dc = ((det[:, :2] + det[:, 2:]) - (gt[:, :2] + gt[:, 2:])) / 2 / gwh
    return np.concatenate([dc, np.log(dwh / gwh)], axis=1)


def apply_box_offsets(gt: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Inverse of :func:`box_offsets`."""
    gt = np.asarray(gt, np.float64).reshape(-1, 4)
    gwh = gt[:, 2:] - gt[:, :2]
    centre = (gt[:, :2] + gt[:, 2:]) / 2 + offsets[:, :2] * gwh
    half = gwh * np.exp(offsets[:, 2:]) / 2
    return np.concatenate([centre - half, centre + half], axis=1)


def dpg_jitter(bboxes: np.ndarray, img_w: float, img_h: float, rng=np.random) -> np.ndarray:
    """AlphaPose's ``addDPG`` (alphapose/utils/transforms.py:43) on xyxy boxes (N,4), vectorised.

    With prob. 0.15 a random same-aspect sub-patch of the box (scale
    U(0.85,1)), not clamped; otherwise Gaussian jitter of each edge by a
    fraction of the box size, clamped to ``[1, W - 3]`` / ``[1, H - 3]``
    with at least 2 px per side. As AlphaPose (``transforms.py:49-60``),
    only the jitter branch is clamped.
    """
    b = np.asarray(bboxes, np.float64).reshape(-1, 4)
    n = b.shape[0]
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    patch_scale = rng.uniform(0, 1, n)
    u = rng.uniform(0, 1, (n, 2))
    noise = rng.normal(size=(n, 4)) * DPG_EDGE_STD + DPG_EDGE_MEAN
    ratio = h / np.maximum(w, 1e-6)
    pw = np.where(w < h, patch_scale * w, patch_scale * h / np.maximum(ratio, 1e-6))
    ph = np.where(w < h, patch_scale * w * ratio, patch_scale * h)
    x0, y0 = b[:, 0] + u[:, 0] * (w - pw), b[:, 1] + u[:, 1] * (h - ph)
    patch = np.stack([x0, y0, x0 + pw + 1, y0 + ph + 1], axis=1)
    jitter = b + noise * np.stack([w, h, w, h], axis=1)
    jitter[:, 0] = np.clip(jitter[:, 0], 1, img_w - 3)
    jitter[:, 1] = np.clip(jitter[:, 1], 1, img_h - 3)
    jitter[:, 2] = np.minimum(np.maximum(jitter[:, 2], jitter[:, 0] + 2), img_w - 3)
    jitter[:, 3] = np.minimum(np.maximum(jitter[:, 3], jitter[:, 1] + 2), img_h - 3)
    return np.where((patch_scale > DPG_PATCH_THR)[:, None], patch, jitter)


def load_pgpg_file(path: str) -> Dict:
    """Load and check a fitted PGPG JSON (see fit_pgpg.py)."""
    try:  # relative paths: cwd, then the package resources
        from mmalphapose.utils.resources import resolve_resource
        path = resolve_resource(path, 'PGPG file')
    except FileNotFoundError as err:
        raise FileNotFoundError(f'{err} (fit one with '
                                'tools/analysis_tools/fit_pgpg.py)') from err
    with open(path) as f:
        data = json.load(f)
    for key in ('num_keypoints', 'centres', 'clusters', 'global'):
        if key not in data:
            raise ValueError(f'PGPG file "{path}" has no "{key}"')
    centres = np.asarray(data['centres'], dtype=np.float64)
    if centres.ndim != 3 or centres.shape[1:] != (data['num_keypoints'], 2) \
            or len(data['clusters']) != centres.shape[0]:
        raise ValueError(f'PGPG file "{path}": centres {centres.shape} do not match '
                         f'{len(data["clusters"])} clusters x {data["num_keypoints"]} '
                         'keypoints')
    return data


@TRANSFORMS.register_module()
class PartGuidedProposal(BaseTransform):
    """Replace GT boxes by proposals sampled like a detector's (PGPG).

    Runs before ``GetBBoxCenterScale``. Required keys: ``bbox`` (N,4),
    ``keypoints`` (N,K,2), ``keypoints_visible`` (N,K); optional
    ``img_shape`` (h, w) for clipping. Modified: ``bbox`` (the GT box is kept
    in ``pgpg_gt_bbox``); with ``num_samples > 1`` every per-instance array
    (bbox, bbox_score, keypoints, keypoints_visible) is repeated so each
    instance yields ``num_samples`` proposals.

    Args:
        pgpg_file: fitted JSON from ``fit_pgpg.py``; None -> AlphaPose addDPG.
        prob: probability of replacing the box of an instance.
        num_samples: proposals per instance.
        clip: clip proposals to the image.
        min_size: minimum proposal side in pixels.
        full_cov: sample with the fitted full covariance (else diagonal).
    """

    def __init__(self,
                 pgpg_file: Optional[str] = None,
                 prob: float = 1.0,
                 num_samples: int = 1,
                 clip: bool = True,
                 min_size: float = 2.0,
                 full_cov: bool = True) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if num_samples < 1:
            raise ValueError(f'num_samples must be >= 1, got {num_samples}')
        self.pgpg_file = pgpg_file
        self.prob = float(prob)
        self.num_samples = int(num_samples)
        self.clip = clip
        self.min_size = float(min_size)
        self.full_cov = full_cov
        self.data = None
        if pgpg_file is not None:
            self.data = load_pgpg_file(pgpg_file)
            self.centres = np.asarray(self.data['centres'], dtype=np.float64)
            stats = list(self.data['clusters']) + [self.data['global']]
            self.means = np.array([s['mean'] for s in stats], dtype=np.float64)
            stds = np.array([s['std'] for s in stats], dtype=np.float64)
            self.factors = np.zeros((len(stats), 4, 4))
            for i, s in enumerate(stats):
                self.factors[i] = np.diag(stds[i])
                if full_cov and 'cov' in s:
                    cov = np.asarray(s['cov'], dtype=np.float64)
                    try:
                        self.factors[i] = np.linalg.cholesky(cov + 1e-12 * np.eye(4))
                    except np.linalg.LinAlgError:
                        pass  # keep the diagonal factor

    def _sample_fitted(self, boxes: np.ndarray, keypoints: np.ndarray,
                       visible: np.ndarray) -> np.ndarray:
        k = self.centres.shape[1]
        if keypoints.shape[1] != k:
            raise ValueError(f'PGPG file "{self.pgpg_file}" was fitted for {k} keypoints '
                             f'but results["keypoints"] has {keypoints.shape[1]}')
        poses = normalize_pose_by_box(keypoints, boxes)
        labels = assign_atomic_pose(poses, visible, self.centres)
        labels[labels < 0] = len(self.means) - 1  # no visible keypoint: global
        z = np.random.randn(len(boxes), 4)
        offsets = self.means[labels] + np.einsum('nij,nj->ni', self.factors[labels], z)
        return apply_box_offsets(boxes, offsets)

    def transform(self, results: Dict) -> Dict:
        for key in ('bbox', 'keypoints', 'keypoints_visible'):
            if key not in results:
                raise KeyError(f'PartGuidedProposal needs results["{key}"]')
        boxes = np.asarray(results['bbox'], np.float64).reshape(-1, 4)
        keypoints = np.asarray(results['keypoints'], np.float64)
        visible = np.asarray(results['keypoints_visible'])
        if visible.ndim == 3:
            visible = visible[..., 0]
        visible = visible > 0
        if keypoints.shape[0] != boxes.shape[0]:
            raise ValueError(f'results["bbox"] has {boxes.shape[0]} instances but '
                             f'results["keypoints"] has {keypoints.shape[0]}')
        if self.num_samples > 1:
            rep = self.num_samples
            for key in ('bbox', 'bbox_score', 'keypoints', 'keypoints_visible'):
                if key in results:
                    results[key] = np.repeat(np.asarray(results[key]), rep, axis=0)
            boxes, keypoints = np.repeat(boxes, rep, 0), np.repeat(keypoints, rep, 0)
            visible = np.repeat(visible, rep, 0)
        img_h, img_w = results.get('img_shape', results.get('ori_shape', (None, None)))[:2]
        if self.data is None:
            if img_w is None:
                raise KeyError('PartGuidedProposal (addDPG fallback) needs '
                               'results["img_shape"]')
            new = dpg_jitter(boxes, img_w, img_h)
        else:
            new = self._sample_fitted(boxes, keypoints, visible)
            ms = self.min_size
            small = new[:, 2:] - new[:, :2] < ms
            centre = (new[:, :2] + new[:, 2:]) / 2
            new[:, :2] = np.where(small, centre - ms / 2, new[:, :2])
            new[:, 2:] = np.where(small, centre + ms / 2, new[:, 2:])
            if self.clip and img_w is not None:
                hi = np.array([img_w - 1, img_h - 1], dtype=np.float64)
                new[:, :2] = np.clip(new[:, :2], 0, np.maximum(hi - ms, 0))
                new[:, 2:] = np.minimum(np.maximum(new[:, 2:], new[:, :2] + ms), hi)
        apply = np.random.rand(len(boxes)) < self.prob
        out = np.where(apply[:, None], new, boxes)
        dtype = np.asarray(results['bbox']).dtype
        results['pgpg_gt_bbox'] = np.asarray(results['bbox']).copy()
        results['bbox'] = out.astype(dtype if np.issubdtype(dtype, np.floating) else np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(pgpg_file={self.pgpg_file!r}, '
                f'prob={self.prob}, num_samples={self.num_samples}, clip={self.clip})')
