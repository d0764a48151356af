"""PoseTrack18 evaluation: per-joint AP and keypoint MOTA/MOTP/precision/recall.

Follows the official poseval (leonid-pishchulin/poseval, not vendored
here; compared side by side on PoseTrack18 frames, see
``docs/tracking.md``):

* the 15 PoseTrack joints are evaluated (PoseTrack18's ``left_ear`` /
  ``right_ear`` are not annotated and are left out, as poseval's 15-joint
  ``Joint`` list does, ``eval_helpers.py:12-29``);

* head size ``0.6 * head-box diagonal`` (``bbox_head``); a predicted joint
  is correct when it lies within ``pckh_thr`` (0.5) head sizes of the GT
  joint;
* ignore regions (``ignore_regions_x`` / ``ignore_regions_y`` polygons of an
  image): GT and predicted joints inside them are dropped, then people with
  no joint left;
* AP: per frame, predicted people are assigned to GT people (Hungarian on
  the fraction of a GT person's joints matched); every predicted joint is a
  detection scored by its keypoint score, a true positive when its
  assigned GT joint is within the radius; AP per joint is the VOC
  all-point AP; ``AP`` is the mean over the joints with GT;
* tracking: per joint, a CLEAR-MOT accumulator (py-motmetrics rules,
  :class:`~mmalphapose.evaluation.metrics.mot_metric.ClearMOTAccumulator`)
  over the labelled frames of each video; ``MOTA = 1 - (misses + switches
  + false positives) / GT``, ``MOTP = 1 - mean normalised distance of the
  matches``, ``precision = detections / (detections + FP)``, ``recall =
  detections / GT`` with ``detections = matches + switches``, per joint
  over all videos; ``MOTA``, ``MOTP``, ``Precision`` and ``Recall`` are
  the means of the per-joint values over the joints where they are
  defined (``evaluateTracking.py:153-187``; a joint without detections
  has MOTP 0, as there); ``AP`` is the mean per-joint AP; ``num_*`` are
  the counts summed over the joints;
* frames whose image says ``is_labeled: false`` are not evaluated (poseval
  ignores the flag and evaluates every frame with annotated people).

poseval quirks that are not copied: it drops the last frame of every
sequence from the tracking evaluation (``evaluateTracking.py:68``) and,
with py-motmetrics >= 1.2, its MOTP sums ``acc.events['D']``
(``evaluateTracking.py:96``), which then lists every match twice; values
here are fractions, not percent.

GT is a PoseTrack18 JSON (one video, COCO style with ``vid_id``,
``frame_id``, ``is_labeled``, ``track_id``, ``bbox_head``) or a folder of
them. Predictions are keyed by the GT image ``id`` or ``file_name``.
"""
import glob
import os.path as osp
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from scipy.optimize import linear_sum_assignment

from mmalphapose.registry import METRICS
from mmalphapose.utils import as_rows, to_numpy
from mmalphapose.utils.array_conversion import as_keypoint_triplets
from mmalphapose.utils.io import load_json
from ..functional.keypoint_convert import KeypointConverter
from .mot_metric import evaluate_keypoint_mota, head_sizes

POSETRACK_NAMES = ('nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear', 'left_shoulder',
                   'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                   'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
#: (source id, PoseTrack id) of our layouts: COCO-17 (eyes dropped) and
#: Halpe-26 (its neck as head_bottom, its head as head_top).
TO_POSETRACK = {
    17: [(0, 0)] + [(k, k) for k in range(3, 17)],
    26: [(0, 0), (18, 1), (17, 2)] + [(k, k) for k in range(3, 17)],
}
#: the 15 joints poseval evaluates (PoseTrack18 leaves the ears unlabelled)
POSETRACK_EVAL_NAMES = tuple(n for n in POSETRACK_NAMES if n not in ('left_ear', 'right_ear'))


# ------------------------------------------------------------------- GT
def points_in_polygons(points: np.ndarray, polygons: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 2) points -> (N,) bool, inside any polygon (even-odd rule)."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    inside = np.zeros(len(pts), bool)
    for poly in polygons:
        poly = np.asarray(poly, np.float64).reshape(-1, 2)
        if len(poly) < 3 or len(pts) == 0:
            continue
        a, b = poly, np.roll(poly, -1, axis=0)  # edges a -> b, (E, 2)
        x, y = pts[:, None, 0], pts[:, None, 1]
        crosses = (a[:, 1] > y) != (b[:, 1] > y)
        with np.errstate(divide='ignore', invalid='ignore'):
            xint = a[:, 0] + (y - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
        hit = crosses & (x < xint)
        inside |= (hit.sum(1) % 2).astype(bool)
    return inside


def load_posetrack_gt(path: str) -> Dict[str, List[dict]]:
    """Videos of a PoseTrack18 JSON file, or of every ``*.json`` in a folder.

    Returns:
        dict: video id -> frames in order, each a dict with ``image_id``,
        ``file_name``, ``frame``, ``labeled``, ``ids (G,)``, ``keypoints (G,
        17, 2)``, ``visible (G, 17)`` bool, ``head_sizes (G,)`` and
        ``ignore`` (list of (M, 2) polygons).
    """
    files = sorted(glob.glob(osp.join(path, '*.json'))) if osp.isdir(path) else [path]
    if not files:
        raise FileNotFoundError(f'{path}: no PoseTrack JSON files')
    videos: Dict[str, List[dict]] = {}
    for fname in files:
        data = load_json(fname, 'PoseTrack GT')
        if not isinstance(data, dict) or 'images' not in data or 'annotations' not in data:
            raise ValueError(f'{fname}: not a PoseTrack18 JSON (needs "images" and '
                             '"annotations")')
        anns = defaultdict(list)
        for a in data['annotations']:
            anns[a['image_id']].append(a)
        for img in data['images']:
            for key in ('id', 'file_name'):
                if key not in img:
                    raise KeyError(f'{fname}: image without "{key}"')
            vid = str(img.get('vid_id', osp.basename(osp.dirname(img['file_name']))))
            people = [a for a in anns[img['id']] if a.get('keypoints')]
            for i, a in enumerate(people):
                if 'track_id' not in a:
                    raise KeyError(f'{fname}: annotation {a.get("id", i)} has no "track_id"')
            kp = np.asarray([
                as_keypoint_triplets(a['keypoints'], f'{fname}: annotation {a.get("id", i)}', 17)
                for i, a in enumerate(people)
            ]).reshape(-1, 17, 3)
            head = np.asarray([a.get('bbox_head') or [np.nan] * 4 for a in people],
                              np.float64).reshape(-1, 4)
            box = np.asarray([a.get('bbox') or [np.nan] * 4 for a in people],
                             np.float64).reshape(-1, 4)
            xs, ys = img.get('ignore_regions_x') or [], img.get('ignore_regions_y') or []
            videos.setdefault(vid, []).append(
                dict(
                    image_id=img['id'],
                    file_name=img['file_name'],
                    frame=int(img.get('frame_id', img['id'])),
                    labeled=bool(img.get('is_labeled', True)),
                    ids=np.asarray([a['track_id'] for a in people], np.int64),
                    keypoints=kp[..., :2],
                    visible=kp[..., 2] > 0,
                    head_sizes=head_sizes(np.c_[box[:, :2], box[:, :2] + box[:, 2:]],
                                          np.c_[head[:, :2], head[:, :2] + head[:, 2:]]),
                    ignore=[np.stack([x, y], 1) for x, y in zip(xs, ys) if len(x) == len(y)]))
    for frames in videos.values():
        frames.sort(key=lambda fr: fr['frame'])
    return videos


# ------------------------------------------------------------------- AP
def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """VOC all-point interpolated AP of a precision/recall curve."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    i = np.flatnonzero(r[1:] != r[:-1])
    return float(((r[i + 1] - r[i]) * p[i + 1]).sum())


def _frame_hits(gt: dict, pred: dict, pckh_thr: float):
    """(P, K) true-positive flags and the matched GT per prediction."""
    g_kp, g_vis, hs = gt['keypoints'], gt['visible'], gt['head_sizes']
    p_kp, p_ok = pred['keypoints'], pred['scores'] > 0
    G, P = len(g_kp), len(p_kp)
    if G == 0 or P == 0:
        return np.zeros(p_ok.shape, bool)
    d = np.linalg.norm(g_kp[:, None] - p_kp[None], axis=-1) / np.maximum(hs, 1e-6)[:, None, None]
    close = (d <= pckh_thr) & g_vis[:, None] & p_ok[None]  # (G, P, K)
    pck = close.sum(-1) / np.maximum(g_vis.sum(-1), 1)[:, None]
    rows, cols = linear_sum_assignment(-pck)
    hits = np.zeros((P, p_kp.shape[1]), bool)
    keep = pck[rows, cols] > 0
    hits[cols[keep]] = close[rows[keep], cols[keep]]
    return hits


# ------------------------------------------------------------------- core
def apply_ignore_regions(gt: dict, pred: dict) -> tuple:
    """GT and predicted joints inside the frame's ignore regions dropped,
    then people with no joint left."""
    gt, pred = dict(gt), dict(pred)
    if gt['ignore']:
        K = gt['keypoints'].shape[1]
        g_in = points_in_polygons(gt['keypoints'].reshape(-1, 2), gt['ignore']).reshape(-1, K)
        gt['visible'] = gt['visible'] & ~g_in
        p_in = points_in_polygons(pred['keypoints'].reshape(-1, 2), gt['ignore']).reshape(-1, K)
        pred['scores'] = np.where(p_in, 0.0, pred['scores'])
    g_keep = gt['visible'].any(1)
    for key in ('ids', 'keypoints', 'visible', 'head_sizes'):
        gt[key] = gt[key][g_keep]
    p_keep = (pred['scores'] > 0).any(1)
    for key in ('ids', 'keypoints', 'scores'):
        pred[key] = pred[key][p_keep]
    return gt, pred


def evaluate_posetrack(
        videos: Dict[str, List[dict]],
        predictions: Dict[Any, dict],
        pckh_thr: float = 0.5,
        mota_kpt_thr: float = 0.0,
        keypoint_names: Sequence[str] = POSETRACK_NAMES,
        eval_names: Optional[Sequence[str]] = POSETRACK_EVAL_NAMES) -> Dict[str, float]:
    """PoseTrack per-joint AP and MOTA/MOTP/precision/recall as poseval
    reports them (means over the evaluated joints).

    Args:
        videos: :func:`load_posetrack_gt` output.
        predictions: image id (or ``file_name``) -> dict with ``ids (P,)``,
            ``keypoints (P, K, 2)`` and ``scores (P, K)`` in the GT layout;
            a labelled frame without an entry has no predictions.
        pckh_thr: match radius in head sizes. 0.5.
        mota_kpt_thr: predicted joints with score <= this are not reported
            to the tracking evaluation. 0.0.
        keypoint_names: the layout of GT and predictions.
        eval_names: the joints evaluated (matching included); default the
            15 of poseval, None: all of ``keypoint_names``.

    Returns:
        dict: ``AP``, ``MOTA``, ``MOTP``, ``Precision``, ``Recall`` (means of
        the per-joint values) and per joint ``AP/<name>``, ``MOTA/<name>``,
        ``MOTP/<name>``, ``Precision/<name>``, ``Recall/<name>``; plus the
        counts summed over the joints.
    """
    names = list(eval_names or keypoint_names)
    missing = [n for n in names if n not in keypoint_names]
    if missing:
        raise ValueError(f'evaluate_posetrack: eval_names {missing} not in keypoint_names')
    sel = np.asarray([list(keypoint_names).index(n) for n in names])
    K_all, K = len(keypoint_names), len(names)
    empty = dict(
        ids=np.zeros(0, np.int64), keypoints=np.zeros((0, K_all, 2)), scores=np.zeros((0, K_all)))
    scores_tp: List[List[np.ndarray]] = [[] for _ in range(K)]
    n_gt = np.zeros(K)
    counts = defaultdict(float)
    for frames in videos.values():
        mot_frames = []
        for gt in frames:
            if not gt['labeled']:
                continue
            pred = predictions.get(gt['image_id'], predictions.get(gt['file_name'], empty))
            pred = {k: np.asarray(v) for k, v in pred.items()}
            pred['keypoints'] = pred['keypoints'].reshape(-1, K_all, 2)[:, sel].astype(np.float64)
            pred['scores'] = pred['scores'].reshape(-1, K_all)[:, sel].astype(np.float64)
            pred['ids'] = pred['ids'].reshape(-1)
            gt = dict(gt, keypoints=gt['keypoints'][:, sel], visible=gt['visible'][:, sel])
            g, p = apply_ignore_regions(gt, pred)
            hits = _frame_hits(g, p, pckh_thr)
            present = p['scores'] > 0
            for k in range(K):
                scores_tp[k].append(
                    np.stack([p['scores'][present[:, k], k], hits[present[:, k], k]], 1))
            n_gt += g['visible'].sum(0)
            mot_frames.append(
                dict(
                    gt_ids=g['ids'],
                    gt_keypoints=g['keypoints'],
                    gt_visible=g['visible'],
                    head_sizes=g['head_sizes'],
                    pred_ids=p['ids'],
                    pred_keypoints=p['keypoints'],
                    pred_scores=p['scores']))
        if not mot_frames:
            continue
        m = evaluate_keypoint_mota(mot_frames, pckh_thr, mota_kpt_thr, names)
        for key, val in m.items():
            if '/' in key and not key.startswith('mota/'):
                counts[key] += val
    out: Dict[str, float] = {}
    aps, tot = [], defaultdict(float)
    per_joint = defaultdict(list)
    for k, name in enumerate(names):
        if n_gt[k] > 0:
            st = np.concatenate(scores_tp[k]) if scores_tp[k] else np.zeros((0, 2))
            order = np.argsort(-st[:, 0], kind='stable')
            tp = np.cumsum(st[order, 1])
            fp = np.cumsum(1 - st[order, 1])
            prec = tp / np.maximum(tp + fp, 1e-12)
            out[f'AP/{name}'] = voc_ap(tp / n_gt[k], prec) if len(st) else 0.0
            aps.append(out[f'AP/{name}'])
        c = {
            key: counts.get(f'{key}/{name}', 0.0)
            for key in ('num_objects', 'num_misses', 'num_switches', 'num_false_positives',
                        'num_matches', 'dist_sum')
        }
        for key, val in _mot_scores(c).items():
            per_joint[key].append(val)
            if not np.isnan(val):
                out[f'{key}/{name}'] = val
        for key, val in c.items():
            tot[key] += val
    out['AP'] = float(np.mean(aps)) if aps else float('nan')
    for key, vals in per_joint.items():  # poseval: mean over the defined joints
        vals = np.asarray(vals, np.float64)
        out[key] = float(vals[~np.isnan(vals)].mean()) if (~np.isnan(vals)).any() else float('nan')
    out.update({key: int(val) for key, val in tot.items() if key != 'dist_sum'})
    return out


def _mot_scores(c: Dict[str, float]) -> Dict[str, float]:
    """One joint's MOTA, MOTP, precision and recall as poseval computes them
    (``evaluateTracking.py:153-177``): NaN where undefined, MOTP 0 without
    detections."""
    det = c['num_matches'] + c['num_switches']
    nan = float('nan')
    errors = c['num_misses'] + c['num_switches'] + c['num_false_positives']
    return dict(
        MOTA=1 - errors / c['num_objects'] if c['num_objects'] else nan,
        MOTP=1 - c['dist_sum'] / det if det else 0.0,
        Precision=det / (det + c['num_false_positives']) if det + c['num_false_positives'] else nan,
        Recall=det / c['num_objects'] if c['num_objects'] else nan)


# ------------------------------------------------------------------- metric
@METRICS.register_module()
class PoseTrack18Metric(BaseMetric):
    """PoseTrack18 per-joint AP and MOTA/MOTP/precision/recall.

    Args:
        ann_file (str): a PoseTrack18 GT JSON or a folder of them.
        pckh_thr (float): match radius in head sizes. 0.5.
        mota_kpt_thr (float): joints with score <= this are not reported to
            the tracking evaluation. 0.0.
        pred_converter (dict, optional): ``KeypointConverter`` args from the
            model's layout to PoseTrack's 17; default: by keypoint count
            (17 as is apart from the eyes, Halpe-26 neck/head as
            head_bottom/head_top, PoseTrack-17 unchanged).
        collect_device / prefix: as mmengine's ``BaseMetric``.

    Each data sample needs ``img_id`` (the GT image ``id``) or ``img_path``
    and ``pred_instances`` with ``keypoints``, ``keypoint_scores`` and
    ``track_ids`` (missing ids: every person its own track).
    """
    default_prefix: Optional[str] = 'posetrack'

    def __init__(self,
                 ann_file: str,
                 pckh_thr: float = 0.5,
                 mota_kpt_thr: float = 0.0,
                 pred_converter: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file, self.pckh_thr, self.mota_kpt_thr = ann_file, pckh_thr, mota_kpt_thr
        self.pred_converter = KeypointConverter(**pred_converter) if pred_converter else None

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each sample's keypoints, scores and track ids (numpy)."""
        for ds in data_samples:
            ds = ds if isinstance(ds, dict) else ds.to_dict()
            pred = ds.get('pred_instances')
            if pred is None:
                raise ValueError('PoseTrack18Metric: data sample without "pred_instances"')
            kpts = to_numpy(pred['keypoints']).astype(np.float64)
            kpts = kpts[None] if kpts.ndim == 2 else kpts
            n = len(kpts)
            scores = to_numpy(pred.get('keypoint_scores', np.ones(kpts.shape[:2])))
            ids = to_numpy(pred.get('track_ids', -1 - np.arange(n))).reshape(-1)
            key = ds.get('img_id', None)
            key = key if key is not None else ds.get('img_path')
            if key is None:
                raise ValueError('PoseTrack18Metric: data sample has no "img_id" or "img_path"')
            self.results.append(
                dict(
                    key=key,
                    ids=ids.astype(np.int64),
                    keypoints=kpts[..., :2],
                    scores=as_rows(scores, n, name='pred_instances.keypoint_scores')))

    def to_posetrack(self, keypoints: np.ndarray, scores: np.ndarray):
        """Predictions in PoseTrack's 17-joint layout: ``pred_converter``, else
        unchanged for a PoseTrack model (``dataset_meta`` names PoseTrack),
        else the default mapping of :data:`TO_POSETRACK` by keypoint count."""
        if self.pred_converter is not None:
            return self.pred_converter(keypoints, scores)
        name = str((self.dataset_meta or {}).get('dataset_name', '')).lower()
        if 'posetrack' in name:
            return keypoints, scores
        k = keypoints.shape[1]
        if k not in TO_POSETRACK:
            raise ValueError(f'PoseTrack18Metric: no default mapping of {k} keypoints to '
                             'PoseTrack; pass pred_converter')
        return KeypointConverter(17, TO_POSETRACK[k])(keypoints, scores)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        videos = load_posetrack_gt(self.ann_file)
        by_name = {}
        for frames in videos.values():
            for fr in frames:
                by_name[fr['file_name']] = fr['image_id']
        preds: Dict[Any, dict] = {}
        for r in results:
            key = r['key']
            if isinstance(key, str) and key not in by_name:
                match = [n for n in by_name if key.endswith(n) or n.endswith(key)]
                key = by_name[match[0]] if match else key
            elif isinstance(key, str):
                key = by_name[key]
            kp, sc = self.to_posetrack(r['keypoints'], r['scores'])
            acc = preds.setdefault(key, dict(ids=[], keypoints=[], scores=[]))
            acc['ids'].append(r['ids'])
            acc['keypoints'].append(kp)
            acc['scores'].append(sc)
        preds = {k: {f: np.concatenate(v[f]) for f in v} for k, v in preds.items()}
        return evaluate_posetrack(videos, preds, self.pckh_thr, self.mota_kpt_thr)
