"""Charts for people who would rather look than read (matplotlib, Agg backend):
training curves from mmengine's ``scalars.json``, demo speed beside each
stage's limit, and track lifetimes with identity switches.

Used by ``tools/analysis_tools/analyze_logs.py``, ``benchmarks/demo_speed.py
--plot`` and ``tools/test_tracking.py --plot``. Each ``plot_*`` writes a PNG
and returns its path.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt
    return plt


def _save(fig, out: str, dpi: int) -> str:
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    _pyplot().close(fig)
    return out


def load_scalars(path: str) -> Tuple[List[dict], List[dict]]:
    """Read mmengine's ``vis_data/scalars.json`` (one JSON object a line).

    Returns:
        (train rows: those with ``loss`` or ``lr``, val rows: the others), in
        file order; lines that are not JSON objects are skipped.

    Raises:
        ValueError: naming the file when it holds no scalar at all.
    """
    train, val = [], []
    with open(path) as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            (train if ('loss' in row or 'lr' in row) else val).append(row)
    if not train and not val:
        raise ValueError(f'{path}: no scalars (expected mmengine vis_data/scalars.json lines)')
    return train, val


def plot_training_curves(scalars: str,
                         out: str,
                         keys: Sequence[str] = ('loss', 'lr'),
                         metrics: Optional[Sequence[str]] = None,
                         by_epoch: bool = True,
                         title: Optional[str] = None,
                         dpi: int = 100) -> str:
    """Training curves of one run: each of ``keys`` (train rows) against the
    iteration, and each validation metric (default: every key of the val rows
    ending in ``AP``, ``PCK`` or ``NME``) against the epoch (``by_epoch``: mmengine
    logs an epoch-based run's validation at ``step`` = epoch) or the step.

    Args:
        scalars: path of ``vis_data/scalars.json``.
        out: PNG to write.
    """
    train, val = load_scalars(scalars)
    if metrics is None:
        metrics = sorted({k for r in val for k in r if k.split('/')[-1] in ('AP', 'PCK', 'NME')})
    panels = [k for k in keys if any(k in r for r in train)] + \
        [m for m in metrics if any(m in r for r in val)]
    if not panels:
        raise ValueError(f'{scalars}: none of {list(keys) + list(metrics)} logged')
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 2.6), squeeze=False)
    for ax, key in zip(axes[0], panels):
        is_val = key not in keys
        rows = [r for r in (val if is_val else train) if key in r]
        x = [r.get('epoch', r.get('step', i)) if is_val and by_epoch else r.get('step', i)
             for i, r in enumerate(rows)]
        ax.plot(x, [r[key] for r in rows], marker='o' if is_val else None, lw=1.2)
        ax.set_xlabel(('epoch' if by_epoch else 'step') if is_val else 'iteration')
        ax.set_title(key)
        if key == 'lr':
            ax.ticklabel_format(axis='y', style='sci', scilimits=(-2, 2))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return _save(fig, out, dpi)


def plot_speed(rows: Sequence[Dict], out: str, dpi: int = 100) -> str:
    """End-to-end frames/s of each (clip, backend, pose model) beside each
    stage's limit measured alone in the same run.

    Args:
        rows: dicts with ``clip``, ``backend``, ``end_to_end``, ``detector``,
            ``pose``, ``io`` (frames/s) and optionally ``model``.
    """
    if not rows:
        raise ValueError('plot_speed: no rows to plot')
    series = [('end_to_end', 'end to end', '#1f77b4'), ('detector', 'detector alone', '#ff7f0e'),
              ('pose', 'pose alone', '#2ca02c'), ('io', 'read+write alone', '#7f7f7f')]
    labels = [f"{r['clip']}\n{r['backend']}" + (f"\n{r['model']}" if r.get('model') else '')
              for r in rows]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(rows) + 1.5), 3.4))
    x = np.arange(len(rows))
    width = 0.8 / len(series)
    for i, (key, name, color) in enumerate(series):
        vals = [float(r[key]) for r in rows]
        bars = ax.bar(x + (i - 1.5) * width, vals, width, label=name, color=color)
        if key == 'end_to_end':
            ax.bar_label(bars, fmt='%.1f', fontsize=7)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel('frames/s')
    ax.set_yscale('log')
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis='y', alpha=0.3)
    ax.set_title('demo speed and each stage alone')
    return _save(fig, out, dpi)


def id_switch_events(gt: np.ndarray, pred: np.ndarray,
                     iou_thr: float = 0.5) -> List[Tuple[int, int, int]]:
    """Identity switches as CLEAR-MOT counts them
    (:class:`~mmalphapose.evaluation.metrics.mot_metric.ClearMOTAccumulator`).

    Args:
        gt, pred: MOT rows ``frame, id, x, y, w, h, ...``.

    Returns:
        ``(frame, gt id, new track id)`` of each switch, in frame order.
    """
    from mmalphapose.evaluation.metrics.mot_metric import (ClearMOTAccumulator, _group_rows,
                                                           box_distances)
    acc = ClearMOTAccumulator()
    g, p = _group_rows(gt), _group_rows(pred)
    empty = np.zeros((0, 6))
    events = []
    for frame in sorted(set(g) | set(p)):
        gf, pf = g.get(frame, empty), p.get(frame, empty)
        before = dict(acc.last_match)
        switches = acc.num_switches
        acc.update(gf[:, 1], pf[:, 1], box_distances(gf[:, 2:6], pf[:, 2:6], iou_thr))
        if acc.num_switches > switches:
            for o in gf[:, 1].tolist():
                if o in before and acc.last_match.get(o) != before[o]:
                    events.append((int(frame), int(o), int(acc.last_match[o])))
    return events


def plot_track_lifetimes(pred: np.ndarray,
                         out: str,
                         switches: Sequence[Tuple[int, int, int]] = (),
                         title: Optional[str] = None,
                         dpi: int = 100) -> str:
    """One row per track id: a dot at every frame it has a box, a line over its
    lifetime; identity switches (:func:`id_switch_events`) as red crosses on
    the track that took the person over, labelled with the person's GT id.

    Args:
        pred: tracker rows ``frame, track id, ...``.
    """
    pred = np.asarray(pred, np.float64).reshape(-1, pred.shape[-1] if len(pred) else 6)
    plt = _pyplot()
    ids = np.unique(pred[:, 1]).astype(int) if len(pred) else np.zeros(0, int)
    fig, ax = plt.subplots(figsize=(7.0, max(2.2, 0.22 * len(ids) + 1.2)))
    cmap = plt.get_cmap('tab20')
    row_of = {t: i for i, t in enumerate(ids)}
    for t in ids:
        frames = np.sort(pred[pred[:, 1] == t, 0])
        y = row_of[t]
        ax.hlines(y, frames[0], frames[-1], color=cmap(y % 20), lw=1.0, alpha=0.5)
        ax.plot(frames, np.full(len(frames), y), '|', color=cmap(y % 20), ms=6)
    for frame, gt_id, track in switches:
        if track in row_of:
            ax.plot(frame, row_of[track], 'x', color='red', ms=8, mew=2)
            ax.annotate(f'GT {gt_id}', (frame, row_of[track]), fontsize=6, color='red',
                        xytext=(3, 3), textcoords='offset points')
    ax.set_yticks(range(len(ids)), [str(t) for t in ids], fontsize=6)
    ax.set_ylabel('track id')
    ax.set_xlabel('frame')
    ax.set_title(title or (f'{len(ids)} tracks, {len(switches)} id switches (red x)'
                           if switches else f'{len(ids)} tracks'))
    ax.grid(axis='x', alpha=0.3)
    return _save(fig, out, dpi)
