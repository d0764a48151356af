"""The thread runner (``--workers >= 1``): the reader, detection and pose run
concurrently, connected by bounded queues (AlphaPose alphapose/utils/detector.py:86-93,
with threads). With ``--workers 0`` no runner is used: the stages are chained
in the caller's thread (:meth:`~mmalphapose.apis.PoseInferencer.run`).

Each stage is a generator ``stage(upstream_iterator) -> iterator``; each runs
in its own thread behind a bounded queue. Frames keep their order because
every stage is one FIFO consumer. The ``SourceStart`` / ``SourceEnd`` markers
of :mod:`mmalphapose.apis.inputs` travel with the frames so stages flush
batches and reset per-input state (trackers) at input boundaries.

Stopping: :func:`run_stages` sets its ``stop`` event and joins its threads
(:func:`join_threads`) when the iteration ends, however it ends; a stage
thread still inside torch or onnxruntime at interpreter exit aborts the
process (``terminate called without an active exception``).
"""
import logging
import queue
import threading
import time
from typing import Callable, Iterable, Iterator, List, Optional, Sequence

from mmengine.logging import print_log

_END = object()


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


def _is_webcam_frame(item) -> bool:
    """A webcam frame takes the latest-frame slot (never a marker)."""
    return getattr(getattr(item, 'source', None), 'kind', None) == 'webcam' and \
        hasattr(item, 'img')


def run_stages(items: Iterable,
               stages: Sequence[Callable[[Iterator], Iterable]],
               stop: Optional[threading.Event] = None,
               queue_size: int = 8,
               names: Sequence[str] = ('det', 'pose')) -> Iterator:
    """The thread runner: ``items`` (frames and markers, e.g. from
    :meth:`~mmalphapose.apis.inputs.Source.frames`) are read in a thread of
    their own and passed through ``stages``, one thread each, with a queue
    of ``queue_size`` between (a webcam frame gets a latest-frame slot
    instead); the items come out in order in the caller's thread. ``stop``
    (the event the reader watches) is set and the threads joined when the
    iteration ends, however it ends."""
    stop = stop if stop is not None else threading.Event()
    threads: List[threading.Thread] = []
    it = threaded(lambda up: up, iter(items), queue_size, stop, 'reader', _is_webcam_frame, threads)
    for i, stage in enumerate(stages):
        it = threaded(
            stage, it, queue_size, stop, names[i] if i < len(names) else f's{i}', threads=threads)
    try:
        yield from it
    finally:
        stuck = join_threads(stop, threads)
        if stuck:
            print_log(
                f'stage threads still running after the stop: {stuck}',
                logger='current',
                level=logging.WARNING)
