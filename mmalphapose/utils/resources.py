"""One resolver for the files the package carries: configs, metainfo files,
the model index and the bundled checkpoints.

Where they live:

- installed from a wheel (``pip install .``): ``mmalphapose/.mim/{configs,
  checkpoints,model-index.yml}``, copied there by ``setup.py`` as OpenMMLab's
  ``mim`` layout (so mmengine's ``mmalphapose::`` config scheme works too);
- a source checkout (editable install, or the package on ``PYTHONPATH``): the
  repository root itself (the folder holding ``setup.py`` and ``configs/``),
  so edits to the configs are seen at once and a stale ``.mim`` copy left by
  a wheel build in the tree is never used.

A path is resolved, in order: ``mmalphapose::REL`` -> ``<root>/configs/REL``;
an existing path (absolute or relative to the current directory) as given;
``<root>/PATH`` (``configs/...``, ``checkpoints/...``); ``<root>/configs/PATH``.
"""
import os.path as osp
from pathlib import Path
from typing import List, Optional

SCHEME = 'mmalphapose::'


def package_dir() -> Path:
    """The installed ``mmalphapose`` package folder."""
    return Path(__file__).resolve().parents[1]


def resource_root() -> Path:
    """The folder that holds ``configs/`` and ``checkpoints/``.

    Raises:
        FileNotFoundError: when neither the packaged ``.mim`` folder nor a
            source checkout next to the package has ``configs/``.
    """
    checkout = package_dir().parent
    if (checkout / 'configs').is_dir() and (checkout / 'setup.py').is_file():
        return checkout
    if (package_dir() / '.mim' / 'configs').is_dir():
        return package_dir() / '.mim'
    raise FileNotFoundError(
        f'mmalphapose resources not found: neither {package_dir() / ".mim" / "configs"} '
        f'nor {package_dir().parent / "configs"} exists (reinstall the package)')


def resource_candidates(path: str) -> List[str]:
    """Every place :func:`resolve_resource` looks for ``path``, in order."""
    path = str(path)
    try:
        root: Optional[Path] = resource_root()
    except FileNotFoundError:
        root = None
    if path.startswith(SCHEME):
        rel = path[len(SCHEME):]
        return [str(root / 'configs' / rel)] if root else []
    cands = [path]
    if not osp.isabs(path) and root is not None:
        cands += [str(root / path), str(root / 'configs' / path)]
    return cands


def resolve_resource(path: str, what: str = 'file') -> str:
    """Absolute path of a packaged resource or a user file.

    Args:
        path: ``mmalphapose::_base_/datasets/coco.py``, a path relative to the
            package resources (``configs/...``, ``checkpoints/...``), or any
            existing path.
        what: the kind of file, for the error message ("metainfo file", ...).

    Returns:
        an absolute path that exists.

    Raises:
        FileNotFoundError: naming ``path`` and every candidate tried.
    """
    cands = resource_candidates(path)
    for cand in cands:
        if osp.exists(cand):
            return osp.abspath(cand)
    raise FileNotFoundError(f'{what} "{path}" not found (tried: {", ".join(cands) or "-"})')


def find_resource(path: str) -> Optional[str]:
    """Like :func:`resolve_resource` but ``None`` when missing."""
    try:
        return resolve_resource(path)
    except FileNotFoundError:
        return None
