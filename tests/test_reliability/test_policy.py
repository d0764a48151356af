"""Issue 28: ordinary material never stops a run or loses its results.

Fast checks of the one input reader, the one option validator, the one
config loader, the one atomic writer, the error classification of
``run_cli`` and the interruption handling (see docs/error_policy.md).
"""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmalphapose.apis import cli
from mmalphapose.apis.inputs import as_bgr_image, probe_video, read_image, resolve_inputs
from mmalphapose.utils.errors import (CheckpointError, InputError, require_file, run_cli,
                                      user_message)

BAD = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'bad')


# ------------------------------------------------------------ input reading
@pytest.mark.parametrize('name, why', [
    ('huge_header.jpg', 'more pixels than OpenCV reads'),
    ('not_supported.gif', 'GIF is not supported'),
    ('text_as_image.jpg', 'a text file, not an image'),
    ('truncated.jpg', 'a truncated or corrupt JPEG image'),
    ('empty.jpg', 'empty file'),
    ('missing.jpg', 'no such file'),
])
def test_read_image_never_raises_and_says_why(name, why):
    img, err = read_image(osp.join(BAD, name))
    assert img is None and err.startswith(f'cannot read image "{osp.join(BAD, name)}"')
    assert why in err


def test_read_image_skips_a_fifo_without_opening_it(tmp_path):
    fifo = tmp_path / 'pipe.jpg'
    os.mkfifo(fifo)  # opening it for reading would block forever
    img, err = read_image(str(fifo))
    assert img is None and 'a FIFO, not a regular file' in err


@pytest.mark.parametrize('name, why', [
    ('unknown_codec.avi', 'AVI video with codec "QQQQ"'),
    ('cut_before_index.mp4', 'cut before its index (no moov atom)'),
    ('text_as_video.mp4', 'a text file, not a video'),
    ('missing.mp4', 'no such file'),
])
def test_probe_video_names_the_real_cause(name, why):
    src = probe_video(osp.join(BAD, name))
    assert src.error and why in src.error


def test_folder_counts_every_file_it_cannot_read(tmp_path):
    """A folder with good images beside a huge-header JPEG, a GIF and a FIFO:
    every file is a frame (the bad ones with their reason), none raises."""
    for name in ('good.png', 'huge_header.jpg', 'not_supported.gif', 'text_as_image.jpg'):
        shutil.copy(osp.join(BAD, name), tmp_path / name)
    os.mkfifo(tmp_path / 'zz_fifo.jpg')
    frames = [f for s in resolve_inputs(str(tmp_path)) for f in s.frames()]
    assert [f.name for f in frames if f.img is not None] == ['good.png']
    assert sorted(f.name for f in frames if f.img is None) == [
        'huge_header.jpg', 'not_supported.gif', 'text_as_image.jpg', 'zz_fifo.jpg'
    ]


def test_list_with_missing_entries_keeps_the_good_ones(tmp_path):
    listing = tmp_path / 'l.txt'
    listing.write_text(f'{BAD}/good.png\nmissing.jpg\nmissing.mp4\n{BAD}/good.mp4\n')
    frames = [f for s in resolve_inputs(str(listing)) for f in s.frames()]
    good = [f for f in frames if f.img is not None]
    assert len(good) == 1 + 12  # good.png and the 12 frames of good.mp4
    errors = sorted(f.error for f in frames if f.img is None)
    assert len(errors) == 2 and all('no such file' in e for e in errors)
    binary = tmp_path / 'b.txt'
    binary.write_bytes(b'\xff\xfe\x00\x81')
    with pytest.raises(InputError, match='not a UTF-8 text file'):
        resolve_inputs(str(binary))


# ------------------------------------------------------------ arrays
GOOD = np.random.default_rng(0).integers(0, 256, (20, 30, 3)).astype(np.uint8)


@pytest.mark.parametrize('arr, expect', [
    (GOOD, GOOD),
    (GOOD[..., 0], np.repeat(GOOD[..., :1], 3, 2)),
    (np.concatenate([GOOD, GOOD[..., :1]], 2), GOOD),
    (GOOD.astype(np.float32) / 255, GOOD),
    (GOOD.astype(np.float64), GOOD),
    (GOOD.astype(np.uint16) * 257, GOOD),
    (GOOD.astype(np.int64), GOOD),
    (GOOD.tolist(), GOOD),
])
def test_as_bgr_image_converts_ordinary_arrays(arr, expect):
    out = as_bgr_image(arr)
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, expect)


@pytest.mark.parametrize('arr, match', [
    (np.zeros((0, 0, 3), np.uint8), 'empty image'),
    (np.zeros((3, 20, 30), np.uint8), 'channel-first'),
    (np.zeros((20, 30, 3), bool), 'bool'),
    (np.full((20, 30, 3), np.nan), 'NaN'),
    (np.full((20, 30, 3), 300, np.int64), 'must be in 0..255'),
    (np.full((20, 30, 3), 2.5e3), r'\[0, 1\] or \[0, 255\]'),
    ([[1, 2], [3]], 'not an image array'),
    (np.zeros((2, 3, 4, 5)), 'must be'),
    (np.array(['a']), 'not a numeric image'),
])
def test_as_bgr_image_refuses_with_a_value_error(arr, match):
    with pytest.raises(ValueError, match=match):
        as_bgr_image(arr, 'frame')


# ------------------------------------------------------------ options
@pytest.mark.parametrize('args, flag', [
    (['--det-frequency', '0'], '--det-frequency'),
    (['--det-frequency', '-3'], '--det-frequency'),
    (['--pose-batch', '0'], '--pose-batch'),
    (['--pose-batch', '-1'], '--pose-batch'),
    (['--det-batch', '0'], '--det-batch'),
    (['--workers', '-5'], '--workers'),
    (['--bbox-thr', '5'], '--bbox-thr'),
    (['--bbox-thr', 'nan'], '--bbox-thr'),
    (['--nms-thr', '-1'], '--nms-thr'),
    (['--kpt-thr', 'inf'], '--kpt-thr'),
    (['--det-cat-id', '-1'], '--det-cat-id'),
    (['--keypoints', ','], '--keypoints'),
    (['--stage-threads', '-2'], '--stage-threads'),
    (['--device', 'banana'], '--device'),
    (['--device', 'cuda:7'], '--device'),
])
def test_demo_options_are_checked_with_a_message_naming_them(args, flag, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([osp.join(BAD, 'good.png')] + args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f'argument {flag}' in err and 'Traceback' not in err


def test_api_options_name_the_option():
    from mmalphapose.utils.options import check_option, check_options
    with pytest.raises(ValueError, match='pose_batch must be >= 1'):
        check_options(dict(pose_batch=0))
    with pytest.raises(ValueError, match='bbox_thr must be a finite number'):
        check_option('bbox_thr', float('nan'))
    assert check_options(dict(det_frequency=2.0, other='x')) == dict(det_frequency=2, other='x')


def test_device_and_category_checks():
    from mmalphapose.utils.options import check_category_id, check_device
    assert check_device('cpu') == 'cpu'
    with pytest.raises(ValueError, match='not a device'):
        check_device('banana')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='CUDA is not available'):
            check_device('cuda')
    with pytest.raises(ValueError, match='reports only its person class 0'):
        check_category_id(dict(person_only=True, person_class=0), 999, 'nanodet.py')
    with pytest.raises(ValueError, match='has 80 class'):
        check_category_id(dict(bbox_head=dict(num_classes=80)), 999, 'rtm.py')
    assert check_category_id(dict(bbox_head=dict(num_classes=80)), 0, 'rtm.py') == 0


def test_out_dir_that_is_a_file_is_one_line(tmp_path, capsys):
    blocked = tmp_path / 'file'
    blocked.write_text('x')
    rc = cli.main([osp.join(BAD, 'good.png'), '--out-dir', str(blocked)])
    err = capsys.readouterr().err
    assert rc == 2 and f'--out-dir "{blocked}" is a file' in err and 'Traceback' not in err


def test_cfg_options_garbage_names_the_item(capsys):
    from .tools_loader import load_tool
    for tool in ('train', 'test'):
        with pytest.raises(SystemExit) as exc:
            load_tool(tool).parse_args(['halpe26-student', '--cfg-options', 'garbage'])
        assert exc.value.code == 2
        assert '"garbage" is not KEY=VALUE' in capsys.readouterr().err


# ------------------------------------------------------------ configs, errors
def test_bad_configs_are_one_line_naming_the_file(tmp_path, capsys):
    from mmalphapose.utils.config import load_config
    with pytest.raises(ValueError, match=r'config_syntax_error.py": syntax error at line 1'):
        load_config(osp.join(BAD, 'config_syntax_error.py'))
    with pytest.raises(ValueError, match=r'config_raises.py" cannot be loaded: ZeroDivision'):
        load_config(osp.join(BAD, 'config_raises.py'))
    for cfg in ('config_syntax_error.py', 'config_raises.py'):
        rc = cli.main([osp.join(BAD, 'good.png'), '--pose-config', osp.join(BAD, cfg)])
        err = capsys.readouterr().err
        assert rc == 2 and cfg in err and 'Traceback' not in err


def test_user_message_classifies_registry_and_syntax_errors():
    msg = user_message(
        KeyError('Nope is not in the mmalphapose::model registry. Please check whether the '
                 'value of `Nope` is correct. More details can be found at https://x'))
    assert msg.startswith('unknown type: Nope is not in the mmalphapose::model registry')
    assert user_message(RuntimeError('a bug')) is None
    assert run_cli(lambda argv: (_ for _ in ()).throw(KeyError('X is not in the a registry'))) == 2
    with pytest.raises(RuntimeError):
        run_cli(lambda argv: (_ for _ in ()).throw(RuntimeError('a bug')), [])


def test_dataloader_worker_errors_show_their_cause():
    from mmalphapose.utils.errors import one_line
    exc = FileNotFoundError('Caught FileNotFoundError in DataLoader worker process 0.\n'
                            'Original Traceback (most recent call last):\n  File "x"\n'
                            'FileNotFoundError: cannot read image "data/a.jpg"')
    assert one_line(exc) == 'FileNotFoundError: cannot read image "data/a.jpg"'


def test_require_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint ".*nope.pth" not found'):
        require_file(tmp_path / 'nope.pth', 'checkpoint')
    with pytest.raises(IsADirectoryError, match='is a folder'):
        require_file(tmp_path, 'checkpoint')


# ------------------------------------------------------------ interruptions
_SIGNAL_SCRIPT = """
import os, signal, sys
from mmalphapose.utils.errors import run_cli
signum = int(sys.argv[1])
closed = []

def main(argv):
    try:
        os.kill(os.getpid(), signum)
        raise AssertionError('the signal did not interrupt')
    finally:  # the closing (JSON, overlay) is not cut by a second signal
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        closed.append(True)

code = run_cli(main, [])
os.kill(os.getpid(), signal.SIGINT)  # the process is exiting: still ignored
print('closed', closed, 'code', code, flush=True)
sys.exit(code)
"""


@pytest.mark.parametrize('signum, code', [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_stop_like_one_ctrl_c_and_a_second_is_ignored(signum, code):
    # in a child process: signals sent to the test runner itself could stop the whole run
    out = subprocess.run([sys.executable, '-c', _SIGNAL_SCRIPT, str(int(signum))],
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == code, out.stderr
    assert 'closed [True] code %d' % code in out.stdout
    assert 'already stopping' in out.stderr and 'Traceback' not in out.stderr


def test_handlers_are_restored_when_no_signal_came():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    assert run_cli(lambda argv: 0, []) == 0
    assert {s: signal.getsignal(s) for s in before} == before


# ------------------------------------------------------------ model / data files
def test_nan_checkpoint_is_refused_naming_the_tensors():
    from mmalphapose.utils import safe_torch_load
    with pytest.raises(CheckpointError, match=r'NaN/inf weights in 1 tensor\(s\): conv.weight'):
        safe_torch_load(osp.join(BAD, 'nan_weights.pth'))
    with pytest.raises(IsADirectoryError, match='is a folder'):
        safe_torch_load(BAD)


def test_posetrack_gt_with_null_keypoints_is_refused():
    from mmalphapose.evaluation.metrics import load_posetrack_gt
    with pytest.raises(ValueError, match='annotation 1: "keypoints" holds null values'):
        load_posetrack_gt(osp.join(BAD, 'posetrack_null_keypoints.json'))


def test_tracking_tool_names_the_file_and_the_fault():
    from .tools_loader import load_tool
    tool = load_tool('test_tracking')
    with pytest.raises(
            ValueError,
            match=r'kpts_truncated.json" is not valid JSON: .* line 1 '
            r'column \d+ \(the file ends there: truncated\?\)'):
        tool.load_frames(osp.join(BAD, 'kpts_truncated.json'), 0.0)
    with pytest.raises(ValueError, match='entry 0: "keypoints" holds 50 numbers'):
        tool.load_pose_results(osp.join(BAD, 'kpts_not_triplets.json'))


def test_atomic_checkpoint_saving_keeps_the_old_file_on_a_full_disk(tmp_path, monkeypatch):
    from mmengine.fileio.backends.local_backend import LocalBackend

    from mmalphapose.utils.io import enable_atomic_checkpoint_saving
    enable_atomic_checkpoint_saving()
    path = tmp_path / 'epoch_1.pth'
    LocalBackend().put(b'good checkpoint', str(path))

    def full(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(OSError, match='No space left'):
        LocalBackend().put(b'half a checkpo', str(path))
    assert path.read_bytes() == b'good checkpoint' and os.listdir(tmp_path) == ['epoch_1.pth']


def test_manifest_and_markers_are_written_atomically(tmp_path):
    from mmalphapose.utils.io import atomic_write_json, load_json
    target = tmp_path / 'm.json'
    atomic_write_json(target, dict(a=1))
    with pytest.raises(TypeError):
        atomic_write_json(target, dict(a=object()))
    assert load_json(target) == dict(a=1) and os.listdir(tmp_path) == ['m.json']
    json.loads(target.read_text())
