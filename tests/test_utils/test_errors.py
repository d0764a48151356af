import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.utils.errors import (CheckpointError, InputError, UnsafeCheckpointError,
                                      debug_requested, drop_non_finite, one_line, run_cli)


def _raiser(exc):

    def main(argv):
        raise exc

    return main


def test_user_error_is_one_line_exit_2(capsys):
    assert run_cli(_raiser(InputError('file "a.jpg": bad\nsecond line')), []) == 2
    err = capsys.readouterr().err
    assert err == 'error: file "a.jpg": bad\n'


@pytest.mark.parametrize('exc', [
    FileNotFoundError('x'),
    ValueError('x'),
    ImportError('x'),
    CheckpointError('x'),
    UnsafeCheckpointError('x'),
    OSError('x')
])
def test_user_error_types(exc, capsys):
    assert run_cli(_raiser(exc), []) == 2
    assert 'Traceback' not in capsys.readouterr().err


def test_debug_flag_and_env_show_the_traceback(capsys, monkeypatch):
    seen = []

    def main(argv):
        seen.append(argv)
        raise ValueError('boom')

    assert run_cli(main, ['in.jpg', '--debug']) == 2
    assert seen == [['in.jpg']]  # --debug is not passed on
    assert 'Traceback' in capsys.readouterr().err
    monkeypatch.setenv('MMALPHAPOSE_DEBUG', '1')
    assert debug_requested([]) and run_cli(main, []) == 2
    assert 'Traceback' in capsys.readouterr().err
    monkeypatch.setenv('MMALPHAPOSE_DEBUG', '0')
    assert not debug_requested([])


def test_interrupt_exit_codes_and_passthrough():
    assert run_cli(_raiser(KeyboardInterrupt()), []) == 130
    assert run_cli(lambda argv: None, []) == 0
    assert run_cli(lambda argv: {'metric': 1.0}, []) == 0  # tools/test.py returns metrics
    assert run_cli(lambda argv: 1, []) == 1
    with pytest.raises(SystemExit):  # argparse errors keep their own exit
        run_cli(_raiser(SystemExit(2)), [])
    with pytest.raises(ZeroDivisionError):  # a bug is not a user error
        run_cli(_raiser(ZeroDivisionError('bug')), [])


def test_one_line():
    assert one_line(KeyError('k')) == 'k'
    assert one_line(ValueError('a\nb')) == 'a'
    assert one_line(RuntimeError()) == 'RuntimeError'


def test_exception_hierarchy():
    assert issubclass(UnsafeCheckpointError, CheckpointError)
    assert issubclass(UnsafeCheckpointError, RuntimeError)  # older callers catch RuntimeError
    assert issubclass(CheckpointError, ValueError)


def _people(n, k=3, seed=0):
    rng = np.random.default_rng(seed)
    inst = InstanceData()
    inst.keypoints = rng.uniform(0, 50, (n, k, 2)).astype(np.float32)
    inst.keypoint_scores = rng.uniform(0, 1, (n, k)).astype(np.float32)
    inst.bboxes = rng.uniform(0, 50, (n, 4)).astype(np.float32)
    return inst


def test_drop_non_finite_keeps_the_good_people(capsys):
    inst = _people(4)
    assert drop_non_finite(inst, 'f') is inst  # all finite: unchanged
    inst.keypoints[1, 2, 0] = np.nan
    inst.keypoint_scores[3, 0] = np.inf
    good = _people(4).keypoints
    good[:] = inst.keypoints
    out = drop_non_finite(inst, 'clip.mp4 frame 7.jpg')
    assert len(out) == 2
    np.testing.assert_array_equal(out.keypoints, good[[0, 2]])
    assert len(drop_non_finite(InstanceData(), 'f')) == 0
