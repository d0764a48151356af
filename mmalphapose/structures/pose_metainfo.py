"""One parsed dataset metainfo, passed everywhere.

:class:`PoseMetainfo` is MMPose 1.x's flat metainfo dict (the keys a dataset's
``metainfo`` and a model's ``dataset_meta`` hold: ``num_keypoints``,
``keypoint_id2name``, ``flip_indices``, ``sigmas``, ...) with typed read-only
views on top (``names``, ``flip_indices`` as an array, ``sigmas`` as float32,
``parts``, ``skeleton``). It stays a ``dict``, so MMPose code that reads
``dataset_meta['flip_indices']`` keeps working.

:meth:`PoseMetainfo.load` is the one loader of the package. It accepts a
PoseMetainfo (returned as is), an already parsed metainfo dict (one with
``num_keypoints``), a ``dataset_info`` dict (``keypoint_info``,
``skeleton_info``, ``joint_weights``, ``sigmas``), ``dict(from_file=PATH)`` or
``PATH``. Paths go through
:func:`mmalphapose.utils.resources.resolve_resource`, so
``mmalphapose::_base_/datasets/coco.py`` and ``configs/_base_/datasets/coco.py``
work from any directory. Each file is parsed once per process; every load
returns a deep copy, so callers may mutate what they get.
"""
import collections
import copy
import functools
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

#: The part names a metainfo may declare under ``parts`` (MMPose whole-body order).
PART_NAMES = ('body', 'foot', 'face', 'left_hand', 'right_hand')

#: The bundled metainfo file for each keypoint count.
METAINFO_BY_NUM_KEYPOINTS = {
    17: 'mmalphapose::_base_/datasets/coco.py',
    26: 'mmalphapose::_base_/datasets/halpe26.py',
    133: 'mmalphapose::_base_/datasets/coco_wholebody.py',
    136: 'mmalphapose::_base_/datasets/halpe136.py',
}

#: Keys whose value has one entry per keypoint (checked against num_keypoints).
_PER_KEYPOINT_KEYS = ('flip_indices', 'sigmas', 'dataset_keypoint_weights', 'keypoint_colors')

MetainfoSource = Union['PoseMetainfo', Mapping[str, Any], str, os.PathLike]


class PoseMetainfo(dict):
    """A parsed pose dataset metainfo (MMPose 1.x flat dict + typed views).

    Build it with :meth:`load` (or :meth:`for_num_keypoints`); the
    constructor wraps a dict without checks (as ``dict`` does, so generic
    code can rebuild it with ``type(d)()``). Copies
    (``copy``/``deepcopy``/``.copy()``) stay PoseMetainfo; pickling writes a
    plain ``collections.OrderedDict`` so checkpoints that store it as
    ``meta.dataset_meta`` load with ``torch.load(weights_only=True)`` and
    without mmalphapose installed.
    """

    @classmethod
    def from_parsed(cls, parsed: Mapping[str, Any], source: str = 'metainfo') -> 'PoseMetainfo':
        """Wrap an already parsed metainfo after checking it.

        Raises:
            ValueError: ``num_keypoints`` is missing, or a per-keypoint field
                (``flip_indices``, ``sigmas``, ...) has another length.
        """
        if 'num_keypoints' not in parsed:
            raise ValueError(f'{source}: a parsed metainfo needs "num_keypoints", got keys '
                             f'{sorted(parsed)}')
        num = int(parsed['num_keypoints'])
        for key in _PER_KEYPOINT_KEYS:
            if key in parsed and len(parsed[key]) != num:
                raise ValueError(f'{source}: "{key}" has {len(parsed[key])} entries for '
                                 f'{num} keypoints')
        return cls(parsed)

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, source: MetainfoSource) -> 'PoseMetainfo':
        """The one metainfo loader.

        Args:
            source: a PoseMetainfo (returned as is); a parsed metainfo dict
                (has ``num_keypoints``; wrapped, shallow copy); a
                ``dataset_info`` dict (has ``keypoint_info``);
                ``dict(from_file=PATH)``; or ``PATH`` (``mmalphapose::REL``,
                ``configs/...`` relative to the package resources, or any
                existing file).

        Returns:
            PoseMetainfo

        Raises:
            FileNotFoundError: the file is not found (names every place tried).
            ValueError: the file / dict misses a field or is inconsistent
                (one line naming the file and the field).
            TypeError: ``source`` is of an unsupported type.
        """
        if isinstance(source, cls):
            return source
        if isinstance(source, (str, os.PathLike)):
            return _load_file(os.fspath(source))
        if not isinstance(source, Mapping):
            raise TypeError('metainfo must be a path, a dict or a PoseMetainfo, got '
                            f'{type(source).__name__}')
        if 'from_file' in source:
            return _load_file(os.fspath(source['from_file']))
        if 'keypoint_info' in source:
            return cls(parse_dataset_info(dict(source), 'dataset_info dict'))
        if 'num_keypoints' in source:
            return cls.from_parsed(source)
        raise ValueError('metainfo must contain "from_file", "keypoint_info" (a '
                         'dataset_info) or "num_keypoints" (already parsed), got keys '
                         f'{sorted(source)}')

    @classmethod
    def for_num_keypoints(cls, num_keypoints: int) -> 'PoseMetainfo':
        """The bundled metainfo of a keypoint count: 17 COCO, 26 Halpe-26,
        133 COCO-WholeBody, 136 Halpe-136.

        Raises:
            ValueError: for any other count.
        """
        path = METAINFO_BY_NUM_KEYPOINTS.get(int(num_keypoints))
        if path is None:
            raise ValueError(f'no bundled metainfo for {num_keypoints} keypoints (known: '
                             f'{sorted(METAINFO_BY_NUM_KEYPOINTS)}); pass a metainfo file')
        return cls.load(path)

    # ------------------------------------------------------------ copies / pickling
    def copy(self) -> 'PoseMetainfo':
        """Shallow copy that stays a PoseMetainfo."""
        return self.__copy__()

    def __copy__(self) -> 'PoseMetainfo':
        out = self.__class__.__new__(self.__class__)
        dict.update(out, self)
        return out

    def __deepcopy__(self, memo: dict) -> 'PoseMetainfo':
        out = self.__class__.__new__(self.__class__)
        memo[id(self)] = out
        for key, value in self.items():
            dict.__setitem__(out, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return out

    def __reduce_ex__(self, protocol: int) -> Tuple:
        # a plain OrderedDict in pickles: safe for weights_only, no import needed
        return collections.OrderedDict, (), None, None, iter(self.items())

    # ------------------------------------------------------------ typed views
    def _field(self, key: str) -> Any:
        if key not in self:
            raise KeyError(f'metainfo "{self.get("dataset_name", "?")}" has no "{key}"')
        return self[key]

    @property
    def dataset_name(self) -> Optional[str]:
        """The dataset name (``coco``, ``halpe26``, ...), None when unknown."""
        return self.get('dataset_name')

    @property
    def num_keypoints(self) -> int:
        """K."""
        return int(self['num_keypoints'])

    @property
    def names(self) -> List[str]:
        """The K keypoint names, in id order."""
        id2name = self._field('keypoint_id2name')
        return [
            str(id2name[i] if i in id2name else id2name[str(i)]) for i in range(self.num_keypoints)
        ]

    @property
    def name2id(self) -> Dict[str, int]:
        """Keypoint name -> id."""
        return {name: i for i, name in enumerate(self.names)}

    @property
    def flip_indices(self) -> np.ndarray:
        """(K,) int64: the id each keypoint becomes under a horizontal flip."""
        return np.asarray(self._field('flip_indices'), dtype=np.int64).reshape(-1)

    @property
    def flip_pairs(self) -> np.ndarray:
        """(P, 2) int64 left/right pairs, ``i < j``."""
        return np.asarray(self._field('flip_pairs'), dtype=np.int64).reshape(-1, 2)

    @property
    def sigmas(self) -> np.ndarray:
        """(K,) float32 OKS sigmas."""
        return np.asarray(self._field('sigmas'), dtype=np.float32).reshape(-1)

    @property
    def joint_weights(self) -> np.ndarray:
        """(K,) float32 per-keypoint loss weights (``dataset_keypoint_weights``)."""
        return np.asarray(self._field('dataset_keypoint_weights'), dtype=np.float32).reshape(-1)

    @property
    def skeleton(self) -> np.ndarray:
        """(L, 2) int64 keypoint id pairs of the skeleton links."""
        return np.asarray(self._field('skeleton_links'), dtype=np.int64).reshape(-1, 2)

    @property
    def keypoint_colors(self) -> np.ndarray:
        """(K, 3) uint8 colours."""
        return np.asarray(self._field('keypoint_colors'), dtype=np.uint8).reshape(-1, 3)

    @property
    def skeleton_colors(self) -> np.ndarray:
        """(L, 3) uint8 link colours."""
        return np.asarray(self._field('skeleton_link_colors'), dtype=np.uint8).reshape(-1, 3)

    @property
    def parts(self) -> Dict[str, np.ndarray]:
        """Part name -> (n,) int64 keypoint ids, only the parts the dataset has.

        Declared ``parts`` win (whole-body metainfo). Otherwise the parts are
        read from the keypoint names: toes and heels are ``foot``, ``face*``
        is ``face``, ``left_/right_`` hand, thumb and finger points are the
        hands, everything else is ``body`` (so COCO-17 gives
        ``{'body': all}`` and Halpe-26 ``body`` 0-19 + ``foot`` 20-25).
        """
        declared = self.get('parts')
        if declared:
            return {
                name: np.asarray(ids, dtype=np.int64).reshape(-1)
                for name, ids in declared.items()
            }
        found: Dict[str, List[int]] = {name: [] for name in PART_NAMES}
        for i, name in enumerate(self.names):
            found[_part_from_name(name.lower())].append(i)
        return {name: np.asarray(ids, dtype=np.int64) for name, ids in found.items() if ids}

    def part_of(self, name: str) -> np.ndarray:
        """(n,) int64 ids of part ``name`` (empty when the dataset lacks it).

        Raises:
            ValueError: ``name`` is not one of :data:`PART_NAMES`.
        """
        if name not in PART_NAMES:
            raise ValueError(f'unknown part "{name}" (use one of {PART_NAMES})')
        return self.parts.get(name, np.zeros(0, dtype=np.int64))

    def __repr__(self) -> str:
        return (f'PoseMetainfo(dataset_name={self.dataset_name!r}, '
                f'num_keypoints={self.get("num_keypoints")})')


def _part_from_name(name: str) -> str:
    if 'toe' in name or 'heel' in name:
        return 'foot'
    if name.startswith('face'):
        return 'face'
    if any(t in name for t in ('hand', 'thumb', 'finger')):
        if name.startswith('left_'):
            return 'left_hand'
        if name.startswith('right_'):
            return 'right_hand'
    return 'body'


# ---------------------------------------------------------------- file loading
def _load_file(path: str) -> PoseMetainfo:
    from mmalphapose.utils.resources import resolve_resource
    resolved = resolve_resource(path, 'metainfo file')
    return copy.deepcopy(_parse_file(resolved, os.stat(resolved).st_mtime_ns))


@functools.lru_cache(maxsize=64)
def _parse_file(path: str, mtime_ns: int) -> PoseMetainfo:
    """Parse ``path`` once per (path, modification time); callers copy."""
    from mmengine.config import Config
    try:
        cfg = Config.fromfile(path)
    except Exception as err:  # syntax errors, bad imports, ...
        first = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise ValueError(f'metainfo file "{path}" cannot be read: '
                         f'{type(err).__name__}: {first}') from err
    if 'dataset_info' not in cfg:
        raise ValueError(f'metainfo file "{path}" defines no "dataset_info"')
    return PoseMetainfo(parse_dataset_info(cfg.dataset_info.to_dict(), path))


def parse_dataset_info(info: Dict[str, Any], source: str) -> Dict[str, Any]:
    """MMPose ``dataset_info`` -> the flat parsed dict.

    Args:
        info: ``dataset_name``, ``keypoint_info`` (id -> name, id, color,
            type, swap), ``skeleton_info`` (id -> link, color),
            ``joint_weights`` (K), ``sigmas`` (K), optional ``parts``
            (name -> ids) and ``paper_info``.
        source: the file (or "dict") named in error messages.

    Returns:
        dict with dataset_name, num_keypoints, keypoint_id2name,
        keypoint_name2id, upper_body_ids, lower_body_ids, flip_indices,
        flip_pairs, keypoint_colors (K,3 uint8), num_skeleton_links,
        skeleton_links, skeleton_link_colors (L,3 uint8),
        dataset_keypoint_weights (K,) float32, sigmas (K,) float32, and
        ``parts`` (name -> list of ids) / ``paper_info`` when declared.
    """
    where = f'metainfo file "{source}"' if source != 'dataset_info dict' \
        else 'metainfo dataset_info dict'
    for key in ('dataset_name', 'keypoint_info', 'skeleton_info', 'joint_weights', 'sigmas'):
        if key not in info:
            raise ValueError(f'{where} has no "{key}"')
    kp_info = {int(k): v for k, v in info['keypoint_info'].items()}
    num = len(kp_info)
    ids = sorted(int(v.get('id', -1)) for v in kp_info.values())
    if ids != list(range(num)) or sorted(kp_info) != list(range(num)):
        raise ValueError(f'{where}: keypoint ids must be 0..{num - 1}')
    for key in ('joint_weights', 'sigmas'):
        if len(info[key]) != num:
            raise ValueError(f'{where}: "{key}" has {len(info[key])} values for {num} '
                             'keypoints')
    id2name = {i: kp_info[i]['name'] for i in range(num)}
    name2id = {n: i for i, n in id2name.items()}

    flip_indices: List[int] = []
    flip_pairs: List[List[int]] = []
    for i in range(num):
        swap = kp_info[i].get('swap', '')
        if not swap:
            flip_indices.append(i)
            continue
        if swap not in name2id:
            raise ValueError(f'{where}: keypoint {id2name[i]} swaps with unknown "{swap}"')
        j = name2id[swap]
        flip_indices.append(j)
        if i < j:
            flip_pairs.append([i, j])

    sk_info = [info['skeleton_info'][k] for k in sorted(info['skeleton_info'], key=int)]
    links = []
    for s in sk_info:
        a, b = s['link']
        if a not in name2id or b not in name2id:
            raise ValueError(f'{where}: skeleton link {s["link"]} uses an unknown keypoint '
                             'name')
        links.append((name2id[a], name2id[b]))

    out: Dict[str, Any] = dict(
        dataset_name=info['dataset_name'],
        num_keypoints=num,
        keypoint_id2name=id2name,
        keypoint_name2id=name2id,
        upper_body_ids=[i for i in range(num) if kp_info[i].get('type') == 'upper'],
        lower_body_ids=[i for i in range(num) if kp_info[i].get('type') == 'lower'],
        flip_indices=flip_indices,
        flip_pairs=flip_pairs,
        keypoint_colors=np.array([kp_info[i].get('color', [255, 128, 0]) for i in range(num)],
                                 dtype=np.uint8).reshape(-1, 3),
        num_skeleton_links=len(links),
        skeleton_links=links,
        skeleton_link_colors=np.array([s.get('color', [96, 96, 255]) for s in sk_info],
                                      dtype=np.uint8).reshape(-1, 3),
        dataset_keypoint_weights=np.array(info['joint_weights'], dtype=np.float32),
        sigmas=np.array(info['sigmas'], dtype=np.float32),
    )
    if 'paper_info' in info:
        out['paper_info'] = info['paper_info']
    parts: Optional[Dict[str, List[int]]] = info.get('parts')
    if parts:
        for name, part_ids in parts.items():
            if name not in PART_NAMES:
                raise ValueError(f'{where}: unknown part "{name}" (use {PART_NAMES})')
            if not part_ids or min(part_ids) < 0 or max(part_ids) >= num:
                raise ValueError(f'{where}: part "{name}" has ids outside 0..{num - 1}')
        out['parts'] = {k: [int(i) for i in v] for k, v in parts.items()}
    return out


__all__ = ['PoseMetainfo', 'PART_NAMES', 'METAINFO_BY_NUM_KEYPOINTS', 'parse_dataset_info']
