"""The model index: bundled models, their aliases and the default models.

``model-index.yml`` (package data, beside ``configs/`` and ``checkpoints/``)
lists every bundled model with its config, weights, the other files it needs,
the checksum and the measured accuracy. From it come the config aliases
(``PoseInferencer('halpe26-student')``), the default pose model and detector
of the demo / :class:`PoseInferencer` / :class:`AlphaPose` (the first entry
marked ``Default`` whose files all exist, else the next complete one), and the
README's model table (:func:`model_table`). An alias names only a model whose
weights exist in the index; any other config is reached by its path or its
file name under ``configs/``.
"""
import glob
import os.path as osp
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from mmalphapose.utils.resources import resolve_resource, resource_root

INDEX_FILE = 'model-index.yml'


@dataclass(frozen=True)
class ModelEntry:
    """One model of the index (paths relative to the resource root)."""
    name: str
    task: str  # 'pose' | 'detection'
    config: str
    weights: Optional[str] = None  # None: the config names its own weight files
    sha256: Optional[str] = None
    needs: Tuple[str, ...] = ()
    aliases: Tuple[str, ...] = ()
    default: bool = False
    keypoints: str = ''
    description: str = ''
    results: Dict[str, object] = field(default_factory=dict)

    def files(self) -> Tuple[str, ...]:
        """Every file the model needs: config, weights, other files."""
        return (self.config, ) + ((self.weights, ) if self.weights else ()) + self.needs

    def available(self, root: Path) -> bool:
        """True when all of :meth:`files` exist under ``root``."""
        return all((root / f).is_file() for f in self.files())


def _root(root: Union[str, Path, None]) -> Path:
    return Path(root) if root is not None else resource_root()


@lru_cache(maxsize=8)
def _load(index_path: str) -> Tuple[ModelEntry, ...]:
    import yaml
    with open(index_path) as f:
        data = yaml.safe_load(f) or {}
    entries = []
    for i, m in enumerate(data.get('Models') or []):
        for key in ('Name', 'Task', 'Config'):
            if key not in m:
                raise ValueError(f'{index_path}: model {i} has no "{key}"')
        entries.append(
            ModelEntry(
                name=str(m['Name']),
                task=str(m['Task']),
                config=str(m['Config']),
                weights=m.get('Weights') or None,
                sha256=m.get('SHA256') or None,
                needs=tuple(m.get('Needs') or ()),
                aliases=tuple(m.get('Aliases') or ()),
                default=bool(m.get('Default', False)),
                keypoints=str(m.get('Keypoints', '')),
                description=str(m.get('Description', '')),
                results=dict(m.get('Results') or {})))
    return tuple(entries)


def load_model_index(root: Union[str, Path, None] = None) -> Tuple[ModelEntry, ...]:
    """All entries of ``<root>/model-index.yml`` (empty when the file is missing)."""
    path = _root(root) / INDEX_FILE
    return _load(str(path)) if path.is_file() else ()


def find_model(name: str, root: Union[str, Path, None] = None) -> Optional[ModelEntry]:
    """The entry whose name or alias is ``name`` (None when there is none)."""
    for entry in load_model_index(root):
        if name == entry.name or name in entry.aliases:
            return entry
    return None


def pose_aliases(root: Union[str, Path, None] = None) -> Dict[str, str]:
    """alias or name -> config path, for the pose models of the index."""
    out = {}
    for e in load_model_index(root):
        if e.task == 'pose':
            for n in (e.name, ) + e.aliases:
                out[n] = e.config
    return out


def _default(task: str, root: Union[str, Path, None]) -> Optional[ModelEntry]:
    root = _root(root)
    entries = [e for e in load_model_index(root) if e.task == task]
    for e in sorted(entries, key=lambda e: not e.default):  # stable: defaults first
        if e.available(root):
            return e
    return None


def default_pose_model(root: Union[str, Path, None] = None) -> Tuple[Optional[str], Optional[str]]:
    """(config, checkpoint) of the default pose model.

    The first ``Default`` entry whose files all exist, else the first complete
    pose entry; ``(first config, None)`` when only a config exists (random
    weights: the caller warns); ``(None, None)`` when nothing exists.
    """
    root = _root(root)
    entry = _default('pose', root)
    if entry is not None:
        return str(root / entry.config), (str(root / entry.weights) if entry.weights else None)
    for e in load_model_index(root):
        if e.task == 'pose' and (root / e.config).is_file():
            return str(root / e.config), None
    return None, None


def default_detector(root: Union[str, Path, None] = None) -> Tuple[Optional[str], Optional[str]]:
    """(config, weights) of the default detector when all its files exist."""
    root = _root(root)
    entry = _default('detection', root)
    if entry is None:
        return None, None
    return str(root / entry.config), str(root / entry.weights)


def resolve_pose_config(name: str, root: Union[str, Path, None] = None) -> str:
    """A config path (absolute, cwd-relative, ``mmalphapose::`` or relative to
    the package resources), a model name or alias of the index, or a config
    file name (without ``.py``) found under ``configs/``.

    Raises:
        FileNotFoundError: naming ``name`` and the known aliases.
    """
    name = str(name)
    if osp.isfile(name):
        return name
    base = _root(root)
    entry = find_model(name, base)
    if entry is not None and (base / entry.config).is_file():
        return str(base / entry.config)
    if root is None:
        try:
            return resolve_resource(name, 'pose config')
        except FileNotFoundError:
            pass
    elif (base / name).is_file():
        return str(base / name)
    hits = sorted(glob.glob(str(base / 'configs' / '**' / f'{name}.py'), recursive=True))
    if hits:
        return hits[0]
    raise FileNotFoundError(f'pose config "{name}" not found (not a file, a model of '
                            f'{sorted(pose_aliases(base))}, or a config name under configs/)')


def find_checkpoint_for(config: str, root: Union[str, Path, None] = None) -> Optional[str]:
    """The weights the index lists for ``config``, else ``checkpoints/<config
    stem>.pth`` when it exists (nothing else is guessed)."""
    base = _root(root)
    for e in load_model_index(base):
        if e.weights and osp.abspath(str(base / e.config)) == osp.abspath(config):
            path = base / e.weights
            return str(path) if path.is_file() else None
    stem = osp.splitext(osp.basename(config))[0]
    path = base / 'checkpoints' / f'{stem}.pth'
    return str(path) if path.is_file() else None


def model_table(root: Union[str, Path, None] = None) -> str:
    """The README's table of bundled models, as markdown."""
    rows = [
        '| name (aliases) | task | keypoints | config | weights | measured |',
        '| --- | --- | --- | --- | --- | --- |'
    ]
    for e in load_model_index(root):
        names = ', '.join((f'`{e.name}`', ) + tuple(f'`{a}`' for a in e.aliases))
        res = '; '.join(f'{k} {v}' for k, v in e.results.items())
        rows.append(f'| {names} | {e.task} | {e.keypoints or "-"} | `{e.config}` | '
                    f'{f"`{e.weights}`" if e.weights else "the ONNX files its config names"}'
                    f' | {res} |')
    return '\n'.join(rows)
