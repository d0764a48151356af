"""One error policy for every entry point (demo, ``tools/*.py``, ``AlphaPose()``).

* A bad input file or model file raises an :class:`InputError` (or one of the
  built-in errors listed in :data:`USER_ERRORS`) whose message names the file
  and what is wrong. :func:`run_cli` prints it as ONE line ``error: ...`` and
  returns exit code 2, without a traceback; ``--debug`` on the command line or
  ``MMALPHAPOSE_DEBUG=1`` prints the traceback as well.
* Ctrl-C returns 130.
* Per-input problems of a multi-input run (an unreadable image, a video that
  cannot be opened) are logged and counted by the run, never raised; the
  entry point exits 2 when nothing at all could be processed.
* A frame whose model output is not finite loses those people (logged), see
  :func:`drop_non_finite`; the run goes on.
"""
import logging
import os
import sys
import traceback
from typing import Callable, List, Optional, Sequence

import numpy as np

from .array_conversion import as_rows

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130
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


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """``--debug`` in ``argv`` (default ``sys.argv``) or ``MMALPHAPOSE_DEBUG=1``."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in list(argv) or os.environ.get(DEBUG_ENV, '0') not in ('', '0')


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (its first line, at most 500 chars)."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError):  # KeyError quotes its message
        text = text.strip('\'"')
    first = text.splitlines()[0] if text else ''
    return first[:500]


def run_cli(main: Callable[[Optional[List[str]]], Optional[int]],
            argv: Optional[Sequence[str]] = None) -> int:
    """Run a command-line ``main(argv)`` under the error policy.

    ``--debug`` is removed from ``argv`` before ``main`` sees it. ``main``
    returns an exit code (None counts as 0).

    Returns:
        ``main``'s code; 2 for a user error (printed as one line ``error: ...``
        on stderr, traceback only in debug mode); 130 on Ctrl-C. A
        ``SystemExit`` raised inside ``main`` (argparse) passes through.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(argv)
    argv = [a for a in argv if a != '--debug']
    try:
        code = main(argv)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except USER_ERRORS as exc:
        if debug:
            traceback.print_exc()
        print(f'error: {one_line(exc)}', file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(code) if isinstance(code, int) else EXIT_OK


def drop_non_finite(inst, where: str, logger: str = 'current'):
    """Drop the people of an ``InstanceData`` whose model output is not finite.

    Args:
        inst: the people of one frame; ``keypoints`` (n,K,2),
            ``keypoint_scores`` (n,K) and, when present, ``scores`` (n,) are
            checked.
        where: the frame, for the log line (e.g. ``'video.mp4 frame 12'``).

    Returns:
        ``inst`` itself when all is finite, else ``inst[keep]`` with a warning
        naming ``where`` and the number of people dropped.
    """
    if inst is None or 'keypoints' not in inst or not len(inst):
        return inst
    n = len(inst)
    keep = np.ones(n, bool)
    for name in ('keypoints', 'keypoint_scores', 'scores'):
        if name in inst:
            arr = as_rows(inst.get(name), n, name=name)
            keep &= np.isfinite(arr).all(1)
    if keep.all():
        return inst
    from mmengine.logging import print_log
    print_log(
        f'{where}: the pose model gave NaN/inf for {int((~keep).sum())} of {n} people; '
        'they are dropped',
        logger=logger,
        level=logging.WARNING)
    return inst[np.flatnonzero(keep)]
