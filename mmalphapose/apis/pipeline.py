"""Overlapped stages: a reader thread, detection and pose run concurrently,
connected by bounded queues (AlphaPose alphapose/utils/detector.py:86-93, with threads).

Each stage is a generator ``stage(upstream_iterator) -> iterator``; with
``workers=0`` the generators are simply chained in the calling thread, with
``workers>0`` each runs in its own thread behind a bounded queue. Frames keep
their order because every stage is one FIFO consumer. ``SourceStart`` /
``SourceEnd`` markers travel with the frames so stages flush batches and reset
per-input state (trackers) at input boundaries.

Stopping: set ``stop`` and call :func:`join_threads` on the ``threads`` list
that :func:`chain` filled, before returning to the interpreter; a stage
thread still inside torch or onnxruntime at interpreter exit aborts the
process (``terminate called without an active exception``).
"""
import logging
import queue
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, List, Optional, Sequence

from mmengine.logging import print_log

_END = object()


@dataclass
class SourceStart:
    source: object


@dataclass
class SourceEnd:
    source: object


class _Failure:

    def __init__(self, exc: BaseException):
        self.exc = exc


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _put_latest(q: queue.Queue, item, stop: threading.Event) -> bool:
    """Latest-frame slot: replace a waiting frame instead of queueing (webcam)."""
    while not stop.is_set():
        try:
            q.put_nowait(item)
            return True
        except queue.Full:
            try:
                old = q.get_nowait()
                if not hasattr(old, 'img'):  # never drop markers
                    q.put_nowait(old)
                    q.put(item, timeout=0.05)
                    return True
            except (queue.Empty, queue.Full):
                pass
    return False


def threaded(stage: Callable[[Iterator], Iterable],
             upstream: Iterator,
             maxsize: int,
             stop: threading.Event,
             name: str = 'stage',
             drop_old: Callable[[object], bool] = None,
             threads: Optional[List[threading.Thread]] = None) -> Iterator:
    """Run ``stage(upstream)`` in a daemon thread; iterate its items here.

    ``drop_old(item)`` True makes that item use the latest-frame slot.
    Exceptions of the stage are re-raised in the consumer. The started
    thread is appended to ``threads`` (for :func:`join_threads`).
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, maxsize))

    def work():
        try:
            for item in stage(upstream):
                ok = (
                    _put_latest(q, item, stop) if drop_old and drop_old(item) else _put(
                        q, item, stop))
                if not ok:
                    return
        except BaseException as exc:  # forwarded to the consumer
            _put(q, _Failure(exc), stop)
        finally:
            _put(q, _END, stop)

    thread = threading.Thread(target=work, name=f'mmalphapose-{name}', daemon=True)
    thread.start()
    if threads is not None:
        threads.append(thread)
    while True:
        try:
            item = q.get(timeout=0.1)
        except queue.Empty:
            if stop.is_set() or not thread.is_alive() and q.empty():
                return
            continue
        if item is _END:
            return
        if isinstance(item, _Failure):
            raise item.exc
        yield item


def chain(source: Iterator,
          stages: List[Callable[[Iterator], Iterable]],
          workers: int,
          stop: threading.Event,
          queue_size: int = 8,
          names: List[str] = (),
          drop_old: Callable[[object], bool] = None,
          threads: Optional[List[threading.Thread]] = None) -> Iterator:
    """Connect ``source`` (read in its own thread when ``workers > 0``) and
    ``stages``; the last stage's items are yielded in the caller's thread.
    The threads are appended to ``threads`` as they start; stop them with
    ``stop.set()`` + :func:`join_threads`."""
    if workers <= 0:
        it = iter(source)
        for st in stages:
            it = iter(st(it))
        return it
    it = threaded(lambda up: up, iter(source), queue_size, stop, 'reader', drop_old, threads)
    for i, st in enumerate(stages):
        it = threaded(
            st, it, queue_size, stop, names[i] if i < len(names) else f's{i}', threads=threads)
    return it


def join_threads(stop: threading.Event,
                 threads: List[threading.Thread],
                 timeout: float = 120.0) -> List[str]:
    """Set ``stop`` and wait for the stage threads to finish their current
    item (a pose forward, a detector call) and return.

    Returns:
        The names of the threads still alive after ``timeout`` seconds in all.
    """
    stop.set()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t.name for t in threads if t.is_alive()]


def read_sources(sources: Sequence, stop: threading.Event) -> Iterator:
    """Frames of all sources, each framed by SourceStart / SourceEnd markers;
    an input that cannot be opened is skipped with a warning."""
    for src in sources:
        yield SourceStart(src)
        try:
            for frame in src.frames(stop):
                yield frame
        except IOError as exc:
            warnings.warn(f'skipping input: {exc}')
        yield SourceEnd(src)


def run_stages(sources: Sequence,
               stages: Sequence[Callable[[Iterator], Iterable]],
               workers: int = 1,
               queue_size: int = 8,
               names: Sequence[str] = ('det', 'pose')) -> Iterator:
    """The thread runner: read ``sources`` and pass every item through
    ``stages`` (:func:`chain`; a webcam gets a latest-frame slot instead of
    a queue); the items come out in order in the caller's thread. The stage
    threads are stopped and joined when the iteration ends, however it ends
    (a thread inside torch at interpreter exit aborts the process)."""
    stop = threading.Event()
    threads: List[threading.Thread] = []
    stream = chain(
        read_sources(sources, stop),
        list(stages),
        workers,
        stop,
        queue_size=queue_size,
        names=list(names),
        drop_old=lambda it: getattr(getattr(it, 'source', None), 'kind', None) == 'webcam' and
        hasattr(it, 'img'),
        threads=threads)
    try:
        yield from stream
    finally:
        stuck = join_threads(stop, threads)
        if stuck:
            print_log(
                f'stage threads still running after the stop: {stuck}',
                logger='current',
                level=logging.WARNING)
