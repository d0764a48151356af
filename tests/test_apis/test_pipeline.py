import queue
import threading
import time

import pytest

from mmalphapose.apis.pipeline import _put_latest, chain


def _double(items):
    for x in items:
        yield x * 2


def _slow_add(items):
    for x in items:
        time.sleep(0.001 * (x % 3))
        yield x + 1


@pytest.mark.parametrize('workers', [0, 1])
def test_order_is_kept(workers):
    out = list(chain(range(50), [_double, _slow_add], workers, threading.Event(), queue_size=3))
    assert out == [2 * x + 1 for x in range(50)]


def test_stages_run_concurrently():
    """The reader yields frame 1 only after the stage has got frame 0 (an event
    the stage sets): possible only if reader and stage run in different threads."""
    got_first = threading.Event()
    names = set()

    def reader():
        names.add(threading.current_thread().name)
        yield 0
        assert got_first.wait(timeout=10), 'stage never saw frame 0 while reader waited'
        yield 1

    def stage(items):
        for x in items:
            names.add(threading.current_thread().name)
            got_first.set()
            yield x

    out = list(chain(reader(), [stage], 1, threading.Event(), queue_size=4))
    assert out == [0, 1] and len(names) == 2


def test_stage_errors_reach_the_consumer():

    def boom(items):
        for x in items:
            if x == 3:
                raise RuntimeError('stage failed at 3')
            yield x

    got = []
    with pytest.raises(RuntimeError, match='at 3'):
        for x in chain(range(10), [boom], 1, threading.Event()):
            got.append(x)
    assert got == [0, 1, 2]


def test_stop_event_ends_the_stream():
    stop = threading.Event()

    def endless():
        i = 0
        while True:
            yield i
            i += 1

    got = []
    for x in chain(endless(), [_double], 1, stop, queue_size=2):
        got.append(x)
        if len(got) == 5:
            stop.set()
            break
    assert got == [0, 2, 4, 6, 8]


def test_latest_frame_slot_drops_old_frames():

    class F:
        img = 1

        def __init__(self, i):
            self.i = i

    q = queue.Queue(maxsize=1)
    stop = threading.Event()
    for i in range(5):
        assert _put_latest(q, F(i), stop)
    assert q.qsize() == 1 and q.get().i == 4


def test_join_threads_waits_for_the_stage_threads():
    """After the consumer stops, join_threads returns only when every stage
    thread has finished its current item (none is left inside a forward)."""
    from mmalphapose.apis.pipeline import join_threads
    inside = threading.Event()

    def slow(items):
        for x in items:
            inside.set()
            time.sleep(0.2)  # a long forward
            yield x

    stop, threads = threading.Event(), []
    it = chain(iter(range(1000)), [slow], 1, stop, queue_size=2, threads=threads)
    assert next(it) == 0 and inside.wait(5)
    assert len(threads) == 2 and all(t.is_alive() for t in threads)
    assert join_threads(stop, threads, timeout=10) == []
    assert not any(t.is_alive() for t in threads)
