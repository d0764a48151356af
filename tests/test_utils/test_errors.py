import pytest

from mmalphapose.utils.errors import (CheckpointError, InputError, UnsafeCheckpointError,
                                      debug_requested, one_line, run_cli)


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
