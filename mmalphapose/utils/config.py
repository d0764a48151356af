"""One config loader for the demo, ``tools/*.py`` and the API."""
from typing import Optional

from .errors import InputError, ModelFileError


def load_config(path: str, cfg_options: Optional[dict] = None):
    """``mmengine.Config.fromfile(path)`` with ``cfg_options`` merged, and
    errors that name the config file.

    Raises:
        FileNotFoundError: the config (or one of its ``_base_`` files) is
            missing (mmengine's message names it).
        ModelFileError: a syntax error (with its line), or an exception while
            the config's code runs (with its type and message).
        InputError: ``cfg_options`` that cannot be merged.
    """
    from mmengine.config import Config
    try:
        cfg = Config.fromfile(path)
    except FileNotFoundError:
        raise
    except SyntaxError as exc:
        raise ModelFileError(f'config "{path}": syntax error at line {exc.lineno}: '
                             f'{exc.msg}') from None
    except Exception as exc:  # the config's own code raised
        msg = ' '.join(str(exc).split())
        raise ModelFileError(f'config "{path}" cannot be loaded: {type(exc).__name__}: '
                             f'{msg}') from None
    if cfg_options:
        try:
            cfg.merge_from_dict(dict(cfg_options))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f'--cfg-options {cfg_options} do not apply to config "{path}": '
                             f'{exc}') from None
    return cfg


__all__ = ['load_config']
