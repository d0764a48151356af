"""Multi-object tracking metrics: CLEAR-MOT (MOTA, MOTP), IDF1, PoseTrack MOTA.

The accumulator follows the event rules of py-motmetrics 1.4 (which the
tests use as the reference): per frame, correspondences of the previous
frame are kept while still pairable, the rest is solved by Hungarian
assignment, and a match of an object to a hypothesis other than its last
one is an ID switch. IDF1 uses the global min-cost id assignment (Ristani
et al. 2016). ``backend='motmetrics'`` runs py-motmetrics itself.

PoseTrack's keypoint MOTA runs the same accounting once per keypoint type:
a GT keypoint and a predicted keypoint are pairable when their distance is
at most ``pckh_thr`` (0.5) times the head size (``0.6 * head box
diagonal``, the poseval convention; a fraction of the person box diagonal
when no head box is annotated).
"""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


# --------------------------------------------------------------------- i/o
def load_mot_txt(path: str, min_confidence: float = -np.inf) -> np.ndarray:
    """Read a MOTChallenge txt file (``frame,id,x,y,w,h,conf,...``).

    Returns:
        np.ndarray: (R, 7) float64 rows ``frame, id, x, y, w, h, conf``
        (rows with ``conf < min_confidence`` dropped).
    """
    try:
        rows = np.loadtxt(path, delimiter=',', ndmin=2, dtype=np.float64)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: not a readable MOT txt file ({e})') from e
    if rows.size == 0:
        return np.zeros((0, 7))
    if rows.shape[1] < 6:
        raise ValueError(f'{path}: expected >= 6 comma-separated columns '
                         '(frame,id,x,y,w,h[,conf]), got '
                         f'{rows.shape[1]}')
    if rows.shape[1] == 6:
        rows = np.concatenate([rows, np.ones((len(rows), 1))], axis=1)
    rows = rows[:, :7]
    return rows[rows[:, 6] >= min_confidence]


def iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU (float64) of (G, 4) and (H, 4) ``x, y, w, h`` boxes."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, :2] + a[:, None, 2:], b[None, :, :2] + b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=-1)
    union = (np.prod(a[:, 2:], 1)[:, None] + np.prod(b[:, 2:], 1)[None] - inter)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(union > 0, inter / union, 0.0)


def box_distances(gt_xywh: np.ndarray, hyp_xywh: np.ndarray, iou_thr: float = 0.5) -> np.ndarray:
    """``1 - IoU``, NaN (not pairable) where it exceeds ``1 - iou_thr``."""
    d = 1.0 - iou_xywh(gt_xywh, hyp_xywh)
    return np.where(d > 1.0 - iou_thr, np.nan, d)


# ------------------------------------------------------------ accumulator
def _solve(dists: np.ndarray):
    """Hungarian on a matrix with NaN = forbidden (py-motmetrics' recipe)."""
    valid = np.isfinite(dists)
    if not valid.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cost = dists
    if not valid.all():
        c = np.abs(dists[valid]).max() + 1
        cost = np.where(valid, dists, 2 * min(dists.shape) * c + 1)
    r, c = linear_sum_assignment(cost)
    keep = valid[r, c]
    return r[keep], c[keep]


class ClearMOTAccumulator:
    """Frame-by-frame CLEAR-MOT and identity bookkeeping for one sequence."""

    def __init__(self) -> None:
        self.last_match: Dict = {}  # object id -> last matched hyp id
        self.num_frames = self.num_objects = self.num_predictions = 0
        self.num_matches = self.num_switches = 0
        self.num_misses = self.num_false_positives = 0
        self.dist_sum = 0.0
        self._obj_count: Dict = defaultdict(int)
        self._hyp_count: Dict = defaultdict(int)
        self._pair_count: Dict = defaultdict(int)

    def update(self, gt_ids: Sequence, hyp_ids: Sequence, dists: np.ndarray) -> None:
        """Add one frame.

        Args:
            gt_ids (Sequence): (G,) object ids present in the frame.
            hyp_ids (Sequence): (H,) hypothesis ids.
            dists (np.ndarray): (G, H) distances; NaN where not pairable.
        """
        gt_ids = list(np.asarray(gt_ids).tolist())
        hyp_ids = list(np.asarray(hyp_ids).tolist())
        G, H = len(gt_ids), len(hyp_ids)
        d = np.asarray(dists, np.float64).reshape(G, H).copy()
        self.num_frames += 1
        self.num_objects += G
        self.num_predictions += H
        for o in set(gt_ids):
            self._obj_count[o] += 1
        for h in set(hyp_ids):
            self._hyp_count[h] += 1
        vi, vj = np.nonzero(np.isfinite(d))
        for i, j in zip(vi, vj):
            self._pair_count[(gt_ids[i], hyp_ids[j])] += 1
        gt_done = np.zeros(G, bool)
        hyp_done = np.zeros(H, bool)
        if G and H:
            # 1) keep last frame's correspondences that are still pairable
            hyp_pos = defaultdict(list)
            for j, h in enumerate(hyp_ids):
                hyp_pos[h].append(j)
            for i, o in enumerate(gt_ids):
                if o not in self.last_match:
                    continue
                js = [j for j in hyp_pos.get(self.last_match[o], []) if not hyp_done[j]]
                if js and np.isfinite(d[i, js[0]]):
                    self._add_match(d[i, js[0]])
                    gt_done[i] = hyp_done[js[0]] = True
            # 2) Hungarian on the rest
            d[gt_done, :] = np.nan
            d[:, hyp_done] = np.nan
            for i, j in zip(*_solve(d)):
                o, h = gt_ids[i], hyp_ids[j]
                if o in self.last_match and self.last_match[o] != h:
                    self.num_switches += 1
                    self.dist_sum += d[i, j]
                else:
                    self._add_match(d[i, j])
                self.last_match[o] = h
                gt_done[i] = hyp_done[j] = True
        self.num_misses += int((~gt_done).sum())
        self.num_false_positives += int((~hyp_done).sum())

    def _add_match(self, dist: float) -> None:
        self.num_matches += 1
        self.dist_sum += dist

    def id_true_positives(self) -> int:
        """IDTP of the global one-to-one id assignment."""
        if not self._pair_count:
            return 0
        gts = sorted(self._obj_count, key=str)
        hyps = sorted(self._hyp_count, key=str)
        gi = {o: i for i, o in enumerate(gts)}
        hi = {h: i for i, h in enumerate(hyps)}
        tp = np.zeros((len(gts), len(hyps)))
        for (o, h), n in self._pair_count.items():
            tp[gi[o], hi[h]] = n
        r, c = linear_sum_assignment(-tp)
        return int(tp[r, c].sum())

    def summary(self) -> Dict[str, float]:
        """MOTA, MOTP, IDF1 (+ IDP, IDR) and the raw counts."""
        n_det = self.num_matches + self.num_switches
        idtp = self.id_true_positives()
        errors = self.num_misses + self.num_switches + self.num_false_positives
        nan = float('nan')
        return dict(
            mota=1.0 - errors / self.num_objects if self.num_objects else nan,
            motp=self.dist_sum / n_det if n_det else nan,
            idf1=(2 * idtp / (self.num_objects + self.num_predictions) if self.num_objects +
                  self.num_predictions else nan),
            idp=idtp / self.num_predictions if self.num_predictions else nan,
            idr=idtp / self.num_objects if self.num_objects else nan,
            num_switches=self.num_switches,
            num_false_positives=self.num_false_positives,
            num_misses=self.num_misses,
            num_matches=self.num_matches,
            num_objects=self.num_objects,
            num_predictions=self.num_predictions,
            num_frames=self.num_frames,
            idtp=idtp)


# ---------------------------------------------------------- box-level MOT
def _group_rows(rows: np.ndarray) -> Dict[int, np.ndarray]:
    order = np.argsort(rows[:, 0], kind='stable')
    rows = rows[order]
    frames, starts = np.unique(rows[:, 0], return_index=True)
    return dict(zip(frames.astype(np.int64).tolist(), np.split(rows, starts[1:])))


def evaluate_mot(gt: np.ndarray,
                 pred: np.ndarray,
                 iou_thr: float = 0.5,
                 backend: str = 'native') -> Dict[str, float]:
    """Box-level CLEAR-MOT + IDF1 of one sequence.

    Args:
        gt (np.ndarray): (R, >=6) rows ``frame, id, x, y, w, h, ...``.
        pred (np.ndarray): (R', >=6) tracker rows, same layout.
        iou_thr (float): Minimum IoU of a pairable (GT, hypothesis). 0.5.
        backend (str): ``'native'`` or ``'motmetrics'`` (py-motmetrics).

    Returns:
        dict: see :meth:`ClearMOTAccumulator.summary`.
    """
    gt = np.asarray(gt, np.float64).reshape(-1, np.shape(gt)[-1])
    pred = np.asarray(pred, np.float64).reshape(-1, np.shape(pred)[-1])
    if backend == 'motmetrics':
        return _evaluate_motmetrics(gt, pred, iou_thr)
    if backend != 'native':
        raise ValueError(f'evaluate_mot: unknown backend "{backend}"')
    g, p = _group_rows(gt), _group_rows(pred)
    acc = ClearMOTAccumulator()
    empty = np.zeros((0, gt.shape[1] if gt.size else 6))
    for f in sorted(set(g) | set(p)):
        fg, fp = g.get(f, empty), p.get(f, empty)
        acc.update(fg[:, 1], fp[:, 1], box_distances(fg[:, 2:6], fp[:, 2:6], iou_thr))
    return acc.summary()


def _evaluate_motmetrics(gt: np.ndarray, pred: np.ndarray, iou_thr: float) -> Dict[str, float]:
    try:
        import motmetrics as mm
    except ImportError as e:  # pragma: no cover
        raise ImportError('backend="motmetrics" needs `pip install '
                          'motmetrics`') from e
    acc = mm.MOTAccumulator(auto_id=False)
    g, p = _group_rows(gt), _group_rows(pred)
    empty = np.zeros((0, 6))
    for f in sorted(set(g) | set(p)):
        fg, fp = g.get(f, empty), p.get(f, empty)
        d = mm.distances.iou_matrix(fg[:, 2:6], fp[:, 2:6], max_iou=1.0 - iou_thr)
        acc.update(
            fg[:, 1].astype(np.int64),
            fp[:, 1].astype(np.int64),
            d.reshape(len(fg), len(fp)),
            frameid=f)
    return _motmetrics_summary(mm, acc)


def _motmetrics_summary(mm, acc) -> Dict[str, float]:
    names = [
        'mota', 'motp', 'idf1', 'idp', 'idr', 'num_switches', 'num_false_positives', 'num_misses',
        'num_matches', 'num_objects', 'num_predictions', 'num_frames'
    ]
    s = mm.metrics.create().compute(acc, metrics=names, name='seq')
    return {k: float(s[k].iloc[0]) for k in names}


# ------------------------------------------------- PoseTrack keypoint MOTA
def head_sizes(bboxes_xyxy: np.ndarray,
               head_bboxes_xyxy: Optional[np.ndarray] = None,
               head_ratio: float = 0.6,
               fallback_ratio: float = 0.15) -> np.ndarray:
    """Per-person PCKh normaliser.

    ``head_ratio * head-box diagonal`` (poseval's 0.6) when a head box is
    given and non-empty, else ``fallback_ratio * person-box diagonal``.
    """
    b = np.asarray(bboxes_xyxy, np.float64).reshape(-1, 4)
    size = fallback_ratio * np.linalg.norm(b[:, 2:] - b[:, :2], axis=1)
    if head_bboxes_xyxy is not None:
        hb = np.asarray(head_bboxes_xyxy, np.float64).reshape(-1, 4)
        hd = np.linalg.norm(hb[:, 2:] - hb[:, :2], axis=1)
        ok = np.isfinite(hd) & (hd > 0)
        size = np.where(ok, head_ratio * hd, size)
    return size


def evaluate_keypoint_mota(frames: List[dict],
                           pckh_thr: float = 0.5,
                           kpt_score_thr: float = 0.0,
                           keypoint_names: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """PoseTrack-style per-keypoint MOTA of one video.

    Args:
        frames (list[dict]): One dict per frame (in order) with
            ``gt_ids (G,)``, ``gt_keypoints (G, K, 2)``,
            ``gt_visible (G, K)``, ``head_sizes (G,)`` (see
            :func:`head_sizes`), ``pred_ids (P,)``,
            ``pred_keypoints (P, K, 2)``, ``pred_scores (P, K)``.
        pckh_thr (float): Match radius in head sizes. 0.5.
        kpt_score_thr (float): Predicted keypoints with score <= this are
            not reported.
        keypoint_names (Sequence[str], optional): Keys for the per-keypoint
            entries (default ``kpt{k}``).

    Returns:
        dict: ``mota`` (over all keypoints), ``motp`` (mean normalised
        distance of matches), ``mota/<name>`` per keypoint, the summed
        counts, and per keypoint ``<count>/<name>`` and ``dist_sum/<name>``.
    """
    if not frames:
        raise ValueError('evaluate_keypoint_mota: no frames')
    K = np.shape(frames[0]['gt_keypoints'])[1] if len(frames[0]['gt_keypoints']) else np.shape(
        frames[0]['pred_keypoints'])[1]
    names = list(keypoint_names or [f'kpt{k}' for k in range(K)])
    accs = [ClearMOTAccumulator() for _ in range(K)]
    for fr in frames:
        g_kp = np.asarray(fr['gt_keypoints'], np.float64).reshape(-1, K, 2)
        p_kp = np.asarray(fr['pred_keypoints'], np.float64).reshape(-1, K, 2)
        g_vis = np.asarray(fr['gt_visible']).reshape(-1, K) > 0
        p_ok = np.asarray(fr['pred_scores']).reshape(-1, K) > kpt_score_thr
        hs = np.asarray(fr['head_sizes'], np.float64).reshape(-1)
        g_ids, p_ids = np.asarray(fr['gt_ids']), np.asarray(fr['pred_ids'])
        # (G, P, K) normalised distances, all keypoints at once
        d = np.linalg.norm(g_kp[:, None] - p_kp[None], axis=-1)
        d = d / np.maximum(hs, 1e-6)[:, None, None]
        d = np.where(d <= pckh_thr, d, np.nan)
        for k, acc in enumerate(accs):
            gi, pi = np.flatnonzero(g_vis[:, k]), np.flatnonzero(p_ok[:, k])
            acc.update(g_ids[gi], p_ids[pi], d[np.ix_(gi, pi, [k])][..., 0])
    out: Dict[str, float] = {}
    tot = defaultdict(float)
    for name, acc in zip(names, accs):
        s = acc.summary()
        out[f'mota/{name}'] = s['mota']
        for key in ('num_misses', 'num_switches', 'num_false_positives', 'num_objects',
                    'num_matches'):
            tot[key] += s[key]
            out[f'{key}/{name}'] = int(s[key])
        out[f'dist_sum/{name}'] = float(acc.dist_sum)
        tot['dist_sum'] += acc.dist_sum
    errors = tot['num_misses'] + tot['num_switches'] + tot['num_false_positives']
    n_det = tot['num_matches'] + tot['num_switches']
    out['mota'] = 1 - errors / tot['num_objects'] if tot['num_objects'] else float('nan')
    out['motp'] = tot['dist_sum'] / n_det if n_det else float('nan')
    out.update({k: int(v) for k, v in tot.items() if k != 'dist_sum'})
    return out
