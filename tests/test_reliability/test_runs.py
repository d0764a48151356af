"""Issue 28 cases run end to end: the demo command line, ``tools/infer.py``
and ``AlphaPose()`` on a generated corpus (exit code, no ``Traceback``, the
good inputs' records present, interruptions keep every finished frame and a
playable overlay)."""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from mmalphapose.apis import cli
from mmalphapose.testing import log_to_current_stderr, write_standin_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BAD = osp.join(REPO, 'tests', 'data', 'bad')
PERSON = osp.join(REPO, 'tests', 'data', 'coco', '000000000785.jpg')


def write_video(path: str, pattern: str, size=(160, 120), fps: float = 10.0) -> str:
    """A video whose frame i shows the sample person when ``pattern[i]`` is
    ``'p'`` and is black when it is ``'.'``."""
    person = cv2.resize(cv2.imread(PERSON), size)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
    for c in pattern:
        writer.write(person if c == 'p' else np.zeros_like(person))
    writer.release()
    return path


GAP = 'p' * 10 + '.' * 6 + 'p' * 10  # the pattern of issue 28 item 1
ALTERNATING = 'p.' * 8


def _frames(json_path: str) -> set:
    return {r['image_id'] for r in json.load(open(json_path))}


@pytest.fixture(scope='module')
def standin(tmp_path_factory):
    return write_standin_config(str(tmp_path_factory.mktemp('cfg')))


def _detfile(path: str, pattern: str) -> str:
    """Boxes for the 'p' frames only: the '.' frames have no people."""
    recs = [
        dict(image_id=f'{i}.jpg', bbox=[30, 10, 60, 100], score=0.9) for i, c in enumerate(pattern)
        if c == 'p'
    ]
    with open(path, 'w') as f:
        json.dump(recs, f)
    return path


@pytest.mark.parametrize('pattern', [GAP, ALTERNATING])
@pytest.mark.parametrize('track, workers', [('pose-aware', '1'), ('pose-aware', '0'),
                                            ('poseflow', '1')])
def test_frames_without_people_keep_every_frame(standin, tmp_path, capsys, pattern, track, workers):
    """Fast: the stand-in pose model, boxes from a detfile (none on the black
    frames), frames batched with people, pose NMS and tracking."""
    video = write_video(str(tmp_path / 'v.mp4'), pattern)
    out = str(tmp_path / 'out')
    log_to_current_stderr()
    rc = cli.main([
        video, '--pose-config', standin, '--detfile',
        _detfile(str(tmp_path / 'dets.json'), pattern), '--track', track, '--workers', workers,
        '--det-batch', '4', '--out-dir', out, '--no-save-vis'
    ])
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert 'Traceback' not in res.err
    people = {f'{i}.jpg' for i, c in enumerate(pattern) if c == 'p'}
    assert _frames(osp.join(out, 'v.json')) == people
    assert int(cv2.VideoCapture(osp.join(out, 'v_vis.mp4')).get(
        cv2.CAP_PROP_FRAME_COUNT)) == len(pattern)


def test_folder_and_list_with_bad_entries_keep_the_good_ones(standin, tmp_path, capsys):
    folder = tmp_path / 'in'
    folder.mkdir()
    for name in ('good.png', 'huge_header.jpg', 'not_supported.gif'):
        shutil.copy(osp.join(BAD, name), folder / name)
    os.mkfifo(folder / 'pipe.jpg')
    listing = tmp_path / 'l.txt'
    listing.write_text(f'{folder}/good.png\nmissing.mp4\nmissing.jpg\n')
    for inp, stem in ((folder, 'in'), (listing, 'l')):
        out = str(tmp_path / f'out_{stem}')
        log_to_current_stderr()
        rc = cli.main([
            str(inp), '--pose-config', standin, '--det-config', 'none', '--out-dir', out,
            '--no-save-vis'
        ])
        res = capsys.readouterr()
        assert rc == 0 and 'Traceback' not in res.err, res.err
        assert _frames(osp.join(out, f'{stem}.json')) == {'good.png'}
        skipped = 3 if stem == 'in' else 2
        assert f'{skipped} input(s)/frame(s) could not be read' in res.out


def _run(args, timeout=600, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    return subprocess.run(
        [sys.executable] + args,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs)


@pytest.mark.slow
def test_infer_tool_with_frames_without_people_and_missing_list_entries(standin, tmp_path):
    video = write_video(str(tmp_path / 'v.mp4'), GAP)
    listing = tmp_path / 'l.txt'
    listing.write_text(f'{video}\n{BAD}/good.png\nmissing.mp4\n')
    out = str(tmp_path / 'out')
    proc = _run([
        'tools/infer.py',
        str(listing), '--out-dir', out, '--pose-config', standin, '--detfile',
        _detfile(str(tmp_path / 'dets.json'), GAP), '--track', 'pose-aware', '--no-save-vis'
    ])
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert proc.returncode == 1  # one input failed (missing), listed in the manifest
    manifest = json.load(open(osp.join(out, 'manifest.json')))
    assert manifest['totals']['complete'] == 2 and manifest['totals']['failed'] == 1
    assert manifest['failed'][0].endswith('missing.mp4')
    assert len(_frames(osp.join(out, 'v.json'))) == GAP.count('p')


@pytest.mark.slow
@pytest.mark.parametrize('signals, code', [((signal.SIGTERM, ), 143),
                                           ((signal.SIGINT, signal.SIGINT), 130)])
def test_interruptions_keep_the_json_and_a_playable_overlay(standin, tmp_path, signals, code):
    video = write_video(str(tmp_path / 'long.mp4'), 'p' * 3000)
    out = tmp_path / 'out'
    proc = subprocess.Popen([
        sys.executable, '-m', 'mmalphapose.apis.cli', video, '--pose-config', standin,
        '--det-config', 'none', '--out-dir',
        str(out), '--no-save-vis'
    ],
                            cwd=REPO,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED='1'))
    jsonl = out / 'long.jsonl'
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if jsonl.exists() and jsonl.read_text().count('\n') >= 20:
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.3)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == code, stderr[-2000:]
    assert 'Traceback' not in stderr and 'terminate called' not in stderr
    frames = _frames(str(out / 'long.json'))
    assert len(frames) >= 20
    cap = cv2.VideoCapture(str(out / 'long_vis.mp4'))
    assert cap.isOpened() and cap.read()[0]
    # every frame in the JSON is in the overlay, but the one being drawn when
    # the signal came (its record is written first)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) >= len(frames) - 1


@pytest.mark.slow
def test_default_model_tracks_across_frames_without_people(tmp_path, capsys):
    """The bundled detector and pose model (which writes identity embeddings,
    the field that broke the tracker), batched people and black frames."""
    video = write_video(str(tmp_path / 'gap.mp4'), GAP, size=(320, 240))
    for track, workers in (('pose-aware', '1'), ('poseflow', '0')):
        out = str(tmp_path / f'out_{track}')
        log_to_current_stderr()
        rc = cli.main([
            video, '--track', track, '--workers', workers, '--out-dir', out, '--no-save-video',
            '--no-save-vis'
        ])
        res = capsys.readouterr()
        assert rc == 0 and 'Traceback' not in res.err, res.err
        assert _frames(osp.join(out, 'gap.json')) >= {f'{i}.jpg' for i in (0, 9, 16, 25)}
