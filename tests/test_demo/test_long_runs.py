"""Long inputs: resident memory stays flat over a few thousand frames, Ctrl-C
exits 130 cleanly in every worker mode, and a killed run keeps every finished
frame in ``<stem>.jsonl`` (docs/output_formats.md). Slow: each runs the demo
on a generated video of 3000 small frames."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from mmalphapose.testing import write_standin_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_FRAMES = 3000

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def long_video(tmp_path_factory):
    """A (64 x 96) video of NUM_FRAMES frames, a white dot moving."""
    path = str(tmp_path_factory.mktemp('long') / 'long.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (96, 64))
    for i in range(NUM_FRAMES):
        img = np.full((64, 96, 3), 40, np.uint8)
        cv2.circle(img, (20 + i % 56, 32), 6, (255, 255, 255), -1)
        writer.write(img)
    writer.release()
    return path


@pytest.fixture(scope='module')
def standin(tmp_path_factory):
    return write_standin_config(str(tmp_path_factory.mktemp('cfg')))


def _rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


@pytest.mark.skipif(not osp.exists('/proc/self/statm'), reason='needs /proc')
def test_resident_memory_stays_flat(long_video, standin, tmp_path):
    from mmalphapose.apis import PoseInferencer
    inf = PoseInferencer(standin, det_model='none', show_progress=False)
    rss = {}
    for res in inf(long_video, out_dir=str(tmp_path), workers=1):
        if res['frame_id'] in (500, 1000, NUM_FRAMES - 1):
            rss[res['frame_id']] = _rss_mb()
    assert sorted(rss) == [500, 1000, NUM_FRAMES - 1]
    recs = json.load(open(tmp_path / 'long.json'))
    assert len({r['image_id'] for r in recs}) == NUM_FRAMES
    # 2500 frames after the warm-up: the results (about 1 KB a frame as JSON
    # text) and allocator noise, never the frames or crops (57 KB+ each)
    growth = rss[NUM_FRAMES - 1] - rss[500]
    print(f'resident memory (MB) at frames 500, 1000, {NUM_FRAMES - 1}: {rss}')
    assert growth < 25, f'resident memory grew {growth:.1f} MB over 2500 frames: {rss}'


def _demo(args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    return subprocess.Popen(
        [sys.executable, osp.join(ROOT, 'demo', 'topdown_demo.py')] + args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_lines(path, n, proc, timeout=240):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout and proc.poll() is None:
        if osp.exists(path) and sum(1 for _ in open(path)) >= n:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize('workers', [0, 1, 2])
def test_ctrl_c_exits_130_and_keeps_the_frames(long_video, standin, tmp_path, workers):
    out = tmp_path / 'out'
    proc = _demo([
        long_video, '--pose-config', standin, '--det-config', 'none', '--out-dir',
        str(out), '--workers',
        str(workers), '--no-save-video'
    ])
    assert _wait_for_lines(out / 'long.jsonl', 20, proc), proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 130, stderr[-2000:]
    assert 'terminate called' not in stderr and 'Traceback' not in stderr
    assert 'INTERRUPTED, kept what was written' in stdout
    recs = json.load(open(out / 'long.json'))
    assert 20 <= len({r['image_id'] for r in recs}) < NUM_FRAMES
    assert not osp.exists(out / 'long.jsonl')


def test_killed_run_keeps_every_finished_frame(long_video, standin, tmp_path):
    out = tmp_path / 'out'
    proc = _demo([
        long_video, '--pose-config', standin, '--det-config', 'none', '--out-dir',
        str(out), '--no-save-video'
    ])
    assert _wait_for_lines(out / 'long.jsonl', 20, proc), proc.communicate()
    proc.kill()
    proc.communicate(timeout=60)
    assert not osp.exists(out / 'long.json')
    lines = open(out / 'long.jsonl').read().split('\n')
    # every complete line is a record; at most the last one is cut
    recs = [json.loads(ln) for ln in lines[:-1]]
    assert len(recs) >= 20
    assert [r['frame_id'] for r in recs] == sorted(r['frame_id'] for r in recs)
