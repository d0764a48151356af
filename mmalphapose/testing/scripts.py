"""Import a script of the repository (``benchmarks/*.py``, ``tools/*.py``)
as a module, as running it would see its folder."""
import importlib.util
import os.path as osp
import sys
from types import ModuleType


def load_script(path: str) -> ModuleType:
    """The module of the script at ``path`` (a fresh one each call, named
    ``_<file stem>``, not put in ``sys.modules``).

    The script's folder is put at the front of ``sys.path`` (once), as
    ``python path`` does, so that it can import its sibling scripts.

    Raises:
        FileNotFoundError: no file at ``path``.
    """
    path = osp.abspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'script "{path}" not found')
    folder = osp.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(
        '_' + osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
