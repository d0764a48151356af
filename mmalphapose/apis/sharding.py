"""Sharded, resumable inference over many inputs (``tools/infer.py``).

The work of a run is a list of :class:`WorkItem` — one per image or video
file — and every process (rank) of the job runs the pose pipeline on its
shard of it:

1. :func:`list_inputs` expands folders (recursively), globs, ``.txt`` lists
   and files into items, sorted by path (natural order), each with the folder
   and stem of its outputs under ``--out-dir``: a folder's sub-folders are
   mirrored (``videos/cam1/a.mp4`` -> ``OUT/cam1/a.json``); two inputs that
   would share ``<folder>/<stem>`` get their own ``<stem>-<hash>`` sub-folder.
2. :func:`assign_shards` splits the items that are not complete yet over the
   ranks, balanced by file size (largest first, each to the least-loaded rank;
   ties go to the lower rank): deterministic for a given list.
3. :func:`run_shard` runs a :class:`PoseInferencer` on each item of a shard;
   after an input's outputs are written it writes ``<stem>.done.json`` (its
   summary) atomically. An input is complete when that marker exists and has
   no error, so a re-run (after a crash, pre-emption or Ctrl-C) skips complete
   inputs and redoes the others (partial outputs are overwritten). Each input
   is done under a lock (``<stem>.lock``, ``fcntl.flock``, released by the OS
   when the process dies): two runs on one ``--out-dir`` never do an input at
   once; an input another run holds is waited for at the end of the shard
   (and done here if that run died before finishing it).
4. :func:`build_manifest` gathers every marker into ``manifest.json``:
   input -> outputs, frames, people, seconds, error, rank.
"""
import contextlib
import fcntl
import glob
import hashlib
import heapq
import json
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from .inputs import (IMG_EXTS, LIST_EXTS, UNSUPPORTED_IMG_EXTS, VIDEO_EXTS, natural_key,
                     read_list_file)
from mmalphapose.utils.io import atomic_write_json

MARKER_SUFFIX = '.done.json'
LOCK_SUFFIX = '.lock'
MANIFEST = 'manifest.json'


@dataclass(frozen=True)
class WorkItem:
    """One input file of a sharded run.

    Attributes:
        path: the input file (normalised, as listed).
        out_sub: folder of its outputs relative to ``--out-dir`` (``''``: top).
        stem: stem of its outputs (``<stem>.json``, ``<stem>_vis.mp4`` ...).
        size: file size in bytes (the balancing weight).
    """
    path: str
    out_sub: str
    stem: str
    size: int

    def out_folder(self, out_root: str) -> str:
        """Folder the pose pipeline writes this input's outputs into."""
        return osp.join(out_root, self.out_sub) if self.out_sub else out_root

    def marker(self, out_root: str) -> str:
        """Path of the completion marker ``<stem>.done.json``."""
        return osp.join(self.out_folder(out_root), self.stem + MARKER_SUFFIX)

    def lock(self, out_root: str) -> str:
        """Path of the lock file ``<stem>.lock`` held while the input runs."""
        return osp.join(self.out_folder(out_root), self.stem + LOCK_SUFFIX)


@contextlib.contextmanager
def input_lock(path: str, wait: bool):
    """Hold an exclusive ``flock`` on ``path`` (created); yields False when
    ``wait`` is False and another process holds it. The OS releases the lock
    when the holder dies (kill -9 included); the file itself stays."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _is_media(name: str) -> bool:
    return name.lower().endswith(IMG_EXTS + UNSUPPORTED_IMG_EXTS + VIDEO_EXTS)


def _glob_root(pattern: str) -> str:
    """The folder part of a glob before its first wildcard."""
    fixed = []
    for part in pattern.split('/')[:-1]:
        if any(c in part for c in '*?['):
            break
        fixed.append(part)
    return '/'.join(fixed) or ('/' if fixed else '.')


def _expand(arg: str, exclude: Optional[str]) -> List[tuple]:
    """(file, root) pairs of one command-line input; the outputs mirror the
    file's folder relative to ``root``."""

    def keep(path: str) -> bool:
        return not (exclude and osp.abspath(path).startswith(exclude + os.sep))

    if osp.isdir(arg):
        found = []
        for folder, dirs, files in os.walk(arg):
            dirs[:] = [d for d in dirs if not d.startswith('.') and keep(osp.join(folder, d))]
            found += [(osp.join(folder, f), arg) for f in files if _is_media(f)]
        return [f for f in found if keep(f[0])]
    if any(c in arg for c in '*?[') and not osp.exists(arg):
        root = _glob_root(arg)
        return [(m, root) for m in glob.glob(arg, recursive=True)
                if osp.isfile(m) and _is_media(m) and keep(m)]
    if not osp.lexists(arg):
        raise FileNotFoundError(f'input "{arg}" does not exist')
    if arg.lower().endswith(LIST_EXTS):
        base = osp.dirname(arg)
        out = []
        for entry in read_list_file(arg):
            if not osp.isabs(entry) and not osp.exists(entry):
                entry = osp.join(base, entry)
            if osp.lexists(entry) or any(c in entry for c in '*?['):
                out += _expand(entry, exclude)
            else:  # an item of its own: its run fails, is counted and reported
                out.append((entry, osp.dirname(entry)))
        return out
    return [(arg, osp.dirname(arg))]


def list_inputs(inputs: Sequence[str], exclude: Optional[str] = None) -> List[WorkItem]:
    """Expand command-line inputs into the work items of a run.

    Args:
        inputs: folders (walked recursively, hidden folders skipped), globs
            (``**`` allowed), ``.txt``/``.lst``/``.list`` files listing inputs
            (one per line, ``#`` comments, paths relative to the list's folder),
            or image / video files.
        exclude: a folder whose contents are never inputs (the output folder).

    Returns:
        one item per distinct file, sorted by path (natural order).

    Raises:
        FileNotFoundError: a missing input (named), or no image/video at all.
    """
    exclude = osp.abspath(exclude) if exclude else None
    roots: Dict[str, str] = {}
    for arg in inputs:
        for path, root in _expand(str(arg), exclude):
            roots.setdefault(osp.normpath(path), osp.normpath(root or '.'))
    if not roots:
        raise FileNotFoundError(f'no images or videos in {" ".join(map(str, inputs))}')
    places = {}
    for path, root in roots.items():
        rel = osp.relpath(path, root)
        sub = osp.dirname(rel)
        if sub.startswith('..'):
            sub = ''
        places[path] = (sub, osp.splitext(osp.basename(path))[0])
    taken: Dict[tuple, int] = {}
    for place in places.values():
        taken[place] = taken.get(place, 0) + 1
    items = []
    for path in sorted(roots, key=natural_key):
        sub, stem = places[path]
        if taken[(sub, stem)] > 1:  # same <folder>/<stem>: a folder of its own
            digest = hashlib.sha1(path.encode()).hexdigest()[:8]
            sub = osp.join(sub, f'{stem}-{digest}') if sub else f'{stem}-{digest}'
        try:
            size = osp.getsize(path)
        except OSError:
            size = 0
        items.append(WorkItem(path, sub, stem, size))
    return items


def assign_shards(items: Sequence[WorkItem], world_size: int) -> List[List[WorkItem]]:
    """Split items over ``world_size`` ranks, balanced by size.

    Largest item first, each to the rank with the fewest bytes so far (the
    lower rank on a tie); each shard keeps the items' path order.

    Returns:
        ``world_size`` lists; ``shards[r]`` is rank ``r``'s work.
    """
    if world_size < 1:
        raise ValueError(f'world_size must be >= 1, got {world_size}')
    order = {id(it): i for i, it in enumerate(items)}
    heap = [(0, r) for r in range(world_size)]
    shards: List[List[WorkItem]] = [[] for _ in range(world_size)]
    for it in sorted(items, key=lambda it: (-it.size, order[id(it)])):
        load, rank = heapq.heappop(heap)
        shards[rank].append(it)
        heapq.heappush(heap, (load + it.size, rank))
    return [sorted(s, key=lambda it: order[id(it)]) for s in shards]


def read_marker(out_root: str, item: WorkItem) -> Optional[dict]:
    """The summary in an item's marker, or None when absent or unreadable."""
    try:
        with open(item.marker(out_root)) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def is_complete(out_root: str, item: WorkItem) -> bool:
    """Whether an item's outputs are complete (marker present, no error)."""
    rec = read_marker(out_root, item)
    return rec is not None and not rec.get('error')


def pending_items(out_root: str, items: Iterable[WorkItem]) -> List[WorkItem]:
    """The items a (re-)run still has to do."""
    return [it for it in items if not is_complete(out_root, it)]


def run_shard(inferencer,
              items: Sequence[WorkItem],
              out_root: str,
              run_kwargs: Optional[dict] = None,
              rank: int = 0,
              log: Callable[[str], None] = print) -> List[dict]:
    """Run the pose pipeline on each item and write its marker.

    Args:
        inferencer: a :class:`~mmalphapose.apis.PoseInferencer` (or anything
            with its ``run(input, out_dir=..., **kwargs) -> summary``).
        items: this rank's shard.
        out_root: the run's ``--out-dir``.
        run_kwargs: keyword arguments of ``inferencer.run`` (format, flip ...).
        rank: written into the markers.
        log: receives one line per input.

    Returns:
        the summaries written (complete items found on the way are skipped).

    Raises:
        KeyboardInterrupt: the run was interrupted (the current input gets no
            marker, so a re-run redoes it).
    """
    run_kwargs = dict(run_kwargs or {})
    done, busy = [], []
    for i, item in enumerate(items, 1):
        head = f'[rank {rank}] {i}/{len(items)} {item.path}'
        with input_lock(item.lock(out_root), wait=False) as mine:
            if not mine:
                log(f'{head}: another run is doing it; waiting for it at the end')
                busy.append((head, item))
                continue
            rec = _run_item(inferencer, item, out_root, run_kwargs, rank, head, log)
        if rec is not None:
            done.append(rec)
    for head, item in busy:  # done by the other run, or here if that run died
        with input_lock(item.lock(out_root), wait=True):
            rec = _run_item(inferencer, item, out_root, run_kwargs, rank, head, log)
        if rec is not None:
            done.append(rec)
    return done


def _run_item(inferencer, item: WorkItem, out_root: str, run_kwargs: dict, rank: int, head: str,
              log: Callable[[str], None]) -> Optional[dict]:
    """Run one input (its lock held) and write its marker; None when it is
    complete already."""
    if is_complete(out_root, item):
        log(f'{head}: complete, skipped')
        return None
    t0 = time.perf_counter()
    error, summary = None, dict(frames=0, people=0, outputs=[])
    try:
        summary = inferencer.run(item.path, out_dir=item.out_folder(out_root), **run_kwargs)
    except Exception as exc:  # a bad input must not stop the shard
        error = ' '.join(f'{type(exc).__name__}: {exc}'.split())
    if summary.get('interrupted'):
        raise KeyboardInterrupt(item.path)
    if error is None and not summary['frames']:
        error = 'no frame could be read' + (f": {summary['errors'][0]}"
                                            if summary.get('errors') else '')
    outputs = list(summary['outputs'])
    vis_dir = osp.join(item.out_folder(out_root), f'{item.stem}_vis')
    listed = {osp.normpath(p) for p in outputs}  # the writers may list it already
    if error is None and osp.isdir(vis_dir) and osp.normpath(vis_dir) not in listed:
        outputs.append(vis_dir)  # the overlays of an image input, once
    rec = dict(
        input=item.path,
        outputs=[osp.relpath(p, out_root) for p in outputs],
        frames=int(summary['frames']),
        people=int(summary['people']),
        seconds=round(time.perf_counter() - t0, 3),
        error=error,
        rank=rank)
    atomic_write_json(item.marker(out_root), rec)
    state = f'ERROR {error}' if error else f'{rec["frames"]} frames, {rec["people"]} people'
    log(f'{head}: {state}, {rec["seconds"]:.1f} s')
    return rec


def build_manifest(out_root: str,
                   items: Sequence[WorkItem],
                   world_size: int = 1,
                   wall_seconds: Optional[float] = None) -> dict:
    """The run's manifest from the markers of all its items.

    A re-run that redid nothing (every summary as the existing
    ``manifest.json`` has it, no marker newer than that file) keeps that
    manifest's ``world_size`` and ``wall_seconds``, those of the run that
    did the work.

    Returns:
        ``dict(inputs={path: summary}, missing=[paths without a marker],
        failed=[paths whose summary has an error], totals={...},
        world_size=..., wall_seconds=...)``.
    """
    inputs, missing, failed = {}, [], []
    for it in items:
        rec = read_marker(out_root, it)
        if rec is None:
            missing.append(it.path)
            continue
        inputs[it.path] = {k: v for k, v in rec.items() if k != 'input'}
        if rec.get('error'):
            failed.append(it.path)
    recs = list(inputs.values())
    totals = dict(
        inputs=len(items),
        complete=len(recs) - len(failed),
        failed=len(failed),
        missing=len(missing),
        frames=sum(r.get('frames', 0) for r in recs),
        people=sum(r.get('people', 0) for r in recs),
        seconds=round(sum(r.get('seconds', 0.0) for r in recs), 3))
    man_path = osp.join(out_root, MANIFEST)
    try:
        with open(man_path) as f:
            prev = json.load(f)
        newer = any(
            osp.getmtime(it.marker(out_root)) > osp.getmtime(man_path) for it in items
            if it.path in inputs)
    except (OSError, ValueError):
        prev, newer = None, True
    if isinstance(prev, dict) and not newer and prev.get('inputs') == inputs and \
            prev.get('missing') == missing:
        world_size = prev.get('world_size', world_size)
        wall_seconds = prev.get('wall_seconds', wall_seconds)
    return dict(
        world_size=world_size,
        wall_seconds=wall_seconds,
        totals=totals,
        inputs=inputs,
        missing=missing,
        failed=failed)


def write_manifest(out_root: str, manifest: dict) -> str:
    """Write ``manifest.json`` atomically; returns its path."""
    path = osp.join(out_root, MANIFEST)
    atomic_write_json(path, manifest)
    return path
