import queue
import threading
import time

import pytest

from mmalphapose.apis.pipeline import _put_latest, run_stages


def _double(items):
    for x in items:
        yield x * 2


def _slow_add(items):
    for x in items:
        time.sleep(0.001 * (x % 3))
        yield x + 1


@pytest.mark.parametrize('workers', [0, 1])
def test_order_is_kept(workers):
    # workers=0: the stages chained in the caller's thread (PoseInferencer._frames)
    out = list(
        run_stages(range(50), [_double, _slow_add], threading.Event(), queue_size=3
                   ) if workers else _slow_add(_double(range(50))))
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

    out = list(run_stages(reader(), [stage], threading.Event(), queue_size=4))
    assert out == [0, 1] and len(names) == 2


def test_stage_errors_reach_the_consumer():

    def boom(items):
        for x in items:
            if x == 3:
                raise RuntimeError('stage failed at 3')
            yield x

    got = []
    with pytest.raises(RuntimeError, match='at 3'):
        for x in run_stages(range(10), [boom], threading.Event()):
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
    for x in run_stages(endless(), [_double], stop, queue_size=2):
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
    """After the consumer stops, the runner returns only when every stage
    thread has finished its current item (none is left inside a forward)."""
    inside = threading.Event()

    def slow(items):
        for x in items:
            inside.set()
            time.sleep(0.2)  # a long forward
            yield x

    stop = threading.Event()
    it = run_stages(iter(range(1000)), [slow], stop, queue_size=2, names=['slow'])
    assert next(it) == 0 and inside.wait(5)
    names = ('mmalphapose-reader', 'mmalphapose-slow')
    threads = [t for t in threading.enumerate() if t.name in names]
    assert len(threads) == 2 and all(t.is_alive() for t in threads)
    it.close()  # the consumer stops: the runner sets stop and joins
    assert stop.is_set() and not any(t.is_alive() for t in threads)
