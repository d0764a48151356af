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
   inputs and redoes the others (partial outputs are overwritten).
4. :func:`build_manifest` gathers every marker into ``manifest.json``:
   input -> outputs, frames, people, seconds, error, rank.
"""
import glob
import hashlib
import heapq
import json
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from .inputs import IMG_EXTS, LIST_EXTS, VIDEO_EXTS, natural_key
from .writers import atomic_write_json

MARKER_SUFFIX = '.done.json'
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


def _is_media(name: str) -> bool:
    return name.lower().endswith(IMG_EXTS + VIDEO_EXTS)


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
    if not osp.isfile(arg):
        raise FileNotFoundError(f'input "{arg}" does not exist')
    if arg.lower().endswith(LIST_EXTS):
        base = osp.dirname(arg)
        out = []
        with open(arg) as f:
            for n, line in enumerate(f, 1):
                entry = line.strip()
                if not entry or entry.startswith('#'):
                    continue
                if not osp.isabs(entry) and not osp.exists(entry):
                    entry = osp.join(base, entry)
                try:
                    out += _expand(entry, exclude)
                except FileNotFoundError as exc:
                    raise FileNotFoundError(f'{arg}, line {n}: {exc}') from None
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
    done = []
    for i, item in enumerate(items, 1):
        head = f'[rank {rank}] {i}/{len(items)} {item.path}'
        if is_complete(out_root, item):
            log(f'{head}: complete, skipped')
            continue
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
        if error is None and osp.isdir(vis_dir):  # the overlays of an image input
            outputs.append(vis_dir)
        rec = dict(
            input=item.path,
            outputs=[osp.relpath(p, out_root) for p in outputs],
            frames=int(summary['frames']),
            people=int(summary['people']),
            seconds=round(time.perf_counter() - t0, 3),
            error=error,
            rank=rank)
        atomic_write_json(item.marker(out_root), rec)
        done.append(rec)
        state = f'ERROR {error}' if error else \
            f'{rec["frames"]} frames, {rec["people"]} people'
        log(f'{head}: {state}, {rec["seconds"]:.1f} s')
    return done


def build_manifest(out_root: str,
                   items: Sequence[WorkItem],
                   world_size: int = 1,
                   wall_seconds: Optional[float] = None) -> dict:
    """The run's manifest from the markers of all its items.

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
