"""One error policy for every entry point (demo, ``tools/*.py``, ``AlphaPose()``).

* A bad input file or model file raises an :class:`InputError` (or one of the
  built-in errors listed in :data:`USER_ERRORS`) whose message names the file
  and what is wrong. :func:`run_cli` prints it as ONE line ``error: ...`` and
  returns exit code 2, without a traceback; ``--debug`` on the command line or
  ``MMALPHAPOSE_DEBUG=1`` prints the traceback as well.
* Ctrl-C returns 130, SIGTERM 143 (:func:`graceful_interrupts`): the run
  stops like one Ctrl-C and closes its outputs; a second signal while it
  closes them is ignored, never cuts them.
* Per-input problems of a multi-input run (an unreadable image, a video that
  cannot be opened) are logged and counted by the run, never raised; the
  entry point exits 2 when nothing at all could be processed.
* A frame whose model output is not finite loses those people (logged), see
  :func:`mmalphapose.apis.stages.drop_non_finite`; the run goes on.
"""
import contextlib
import os
import signal
import sys
import threading
import traceback
from typing import Callable, Iterator, List, Optional, Sequence

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 130, 143
DEBUG_ENV = 'MMALPHAPOSE_DEBUG'


class InputError(ValueError):
    """A bad input or model file; the message names the file and the fault."""


class ModelFileError(InputError):
    """A model file (checkpoint, ONNX file, config) that cannot be used."""


class CheckpointError(ModelFileError):
    """Not a checkpoint, or a corrupt / truncated one."""


class UnsafeCheckpointError(CheckpointError, RuntimeError):
    """A checkpoint that holds code (a pickled global) and was refused."""


class NothingProcessedError(InputError):
    """Every input of a run failed: nothing was processed."""


#: errors shown as one line with exit code 2 (missing files, bad values,
#: missing optional packages, unreadable files)
USER_ERRORS = (InputError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError, ValueError, ImportError, OSError)


def require_file(path, what: str = 'file') -> str:
    """``path`` when it is a regular file; else the error that says what it is.

    Raises:
        FileNotFoundError: nothing there (``<what> "<path>" not found``).
        IsADirectoryError: a folder.
        InputError: a FIFO, socket or device (never opened: it could block).
    """
    import stat
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} "{path}" not found') from None
    except OSError as exc:
        raise InputError(f'{what} "{path}": {exc.strerror or exc}') from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f'{what} "{path}" is a folder, not a file')
    if not stat.S_ISREG(mode):
        raise InputError(f'{what} "{path}" is not a regular file (a FIFO, socket or device)')
    return path


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """``--debug`` in ``argv`` (default ``sys.argv``) or ``MMALPHAPOSE_DEBUG=1``."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in list(argv) or os.environ.get(DEBUG_ENV, '0') not in ('', '0')


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (its first line, at most 500 chars)."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError):  # KeyError quotes its message
        text = text.strip('\'"')
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].startswith('Caught ') and 'Original Traceback' in text:
        return lines[-1][:500]  # a DataLoader worker's error: its real cause is last
    return (lines[0] if lines else '')[:500]


def user_message(exc: BaseException) -> Optional[str]:
    """The one-line ``error:`` message of a user error, or None for a bug.

    User errors: :data:`USER_ERRORS`, an unknown registered type (mmengine's
    registry ``KeyError``, e.g. from ``--cfg-options model.head.type=X``) and
    a ``SyntaxError`` (a config file is the only code a run executes).
    """
    if isinstance(exc, USER_ERRORS):
        return one_line(exc)
    if isinstance(exc, KeyError) and ' registry' in str(exc):
        first = one_line(exc).split('. ')[0]
        return f'unknown type: {first} (check "type" in the config and --cfg-options)'
    if isinstance(exc, SyntaxError):
        where = f'"{exc.filename}" line {exc.lineno}' if exc.filename else f'line {exc.lineno}'
        return f'syntax error in {where}: {exc.msg}'
    return None


_INTERRUPT = {'signum': None}


def interrupt_exit_code() -> int:
    """128 + the first signal that stopped the run (130 Ctrl-C, 143 SIGTERM);
    130 when none was seen (a KeyboardInterrupt raised by the code, e.g. the
    ``q`` key of ``--show``)."""
    return 128 + int(_INTERRUPT['signum'] or signal.SIGINT)


@contextlib.contextmanager
def graceful_interrupts() -> Iterator[None]:
    """Make SIGINT and SIGTERM stop a run like one Ctrl-C.

    The first signal raises ``KeyboardInterrupt`` in the main thread: the run
    stops reading, keeps the JSON of every finished frame and finalises the
    overlay video. Later signals only print a note: a second Ctrl-C used to
    abort the process inside the stage threads (exit 134, no JSON) and
    SIGTERM killed it outright (no JSON, an overlay without its index). The
    previous handlers are restored on exit when no signal came (after one,
    the process is exiting and later signals stay ignored). Outside the main
    thread this does nothing.
    """
    _INTERRUPT['signum'] = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if _INTERRUPT['signum'] is None:
            _INTERRUPT['signum'] = signum
            raise KeyboardInterrupt(signal.Signals(signum).name)
        print('already stopping: closing the outputs, please wait', file=sys.stderr, flush=True)

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not settable here
            pass
    try:
        yield
    finally:
        # after a signal the process is on its way out: later signals are
        # ignored at the OS level (Python's finalisation resets handlers that
        # are functions, and a second Ctrl-C then killed the exiting process)
        for sig, prev in old.items():
            signal.signal(sig, prev if _INTERRUPT['signum'] is None else signal.SIG_IGN)


def run_cli(main: Callable[[Optional[List[str]]], Optional[int]],
            argv: Optional[Sequence[str]] = None) -> int:
    """Run a command-line ``main(argv)`` under the error policy.

    ``--debug`` is removed from ``argv`` before ``main`` sees it. ``main``
    returns an exit code (None counts as 0).

    Returns:
        ``main``'s code; 2 for a user error (:func:`user_message`, printed as
        one line ``error: ...`` on stderr, traceback only in debug mode); 130
        on Ctrl-C, 143 on SIGTERM (:func:`graceful_interrupts`). A
        ``SystemExit`` raised inside ``main`` (argparse) passes through.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(argv)
    argv = [a for a in argv if a != '--debug']
    try:
        with graceful_interrupts():
            code = main(argv)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return interrupt_exit_code()
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        if debug:
            traceback.print_exc()
        print(f'error: {message}', file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(code) if isinstance(code, int) else EXIT_OK
