"""Dataset metainfo parsing (MMPose 1.x ``dataset_info`` format)."""
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine import Config

PART_NAMES = ('body', 'foot', 'face', 'left_hand', 'right_hand')


def repo_root() -> str:
    """Root of the mmalphapose source tree (the folder holding ``configs/``)."""
    import mmalphapose
    return osp.dirname(osp.dirname(osp.abspath(mmalphapose.__file__)))


def resolve_config_path(path: str) -> str:
    """Resolve ``path`` against the cwd, then against the repo root and the
    packaged ``.mim`` folder. Raises FileNotFoundError naming every candidate."""
    candidates = [path]
    if not osp.isabs(path):
        import mmalphapose
        pkg = osp.dirname(osp.abspath(mmalphapose.__file__))
        candidates += [osp.join(repo_root(), path), osp.join(pkg, '.mim', path)]
    for cand in candidates:
        if osp.isfile(cand):
            return cand
    raise FileNotFoundError(
        f'metainfo file "{path}" not found (tried: {", ".join(candidates)})')


def _check_dataset_info(info: Dict[str, Any], source: str) -> None:
    for key in ('dataset_name', 'keypoint_info', 'skeleton_info', 'joint_weights', 'sigmas'):
        if key not in info:
            raise ValueError(f'metainfo "{source}" has no "{key}"')
    num = len(info['keypoint_info'])
    ids = sorted(int(v['id']) for v in info['keypoint_info'].values())
    if ids != list(range(num)):
        raise ValueError(f'metainfo "{source}": keypoint ids must be 0..{num - 1}')
    for key in ('joint_weights', 'sigmas'):
        if len(info[key]) != num:
            raise ValueError(f'metainfo "{source}": "{key}" has {len(info[key])} values '
                             f'for {num} keypoints')


def parse_pose_metainfo(metainfo: Dict[str, Any]) -> Dict[str, Any]:
    """Parse a dataset metainfo into MMPose 1.x's flat dict.

    Args:
        metainfo: either ``dict(from_file='configs/_base_/datasets/coco.py')``
            (resolved from the cwd or the repo root), a ``dataset_info`` dict
            itself (with ``keypoint_info``, ``skeleton_info``, ...), or an
            already parsed metainfo (returned as a shallow copy).

    Returns:
        dict with dataset_name, num_keypoints, keypoint_id2name,
        keypoint_name2id, upper_body_ids, lower_body_ids, flip_indices,
        flip_pairs, keypoint_colors (K,3 uint8), num_skeleton_links,
        skeleton_links, skeleton_link_colors (L,3 uint8),
        dataset_keypoint_weights (K,), sigmas (K,), and for whole-body
        datasets ``parts`` (name -> list of keypoint ids).
    """
    if not isinstance(metainfo, dict):
        raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}')
    source = 'dict'
    if 'from_file' in metainfo:
        source = resolve_config_path(metainfo['from_file'])
        cfg = Config.fromfile(source)
        if 'dataset_info' not in cfg:
            raise ValueError(f'metainfo file "{source}" defines no "dataset_info"')
        info = cfg.dataset_info.to_dict()
    elif 'keypoint_info' in metainfo:
        info = dict(metainfo)
    elif all(k in metainfo for k in ('num_keypoints', 'flip_indices', 'sigmas')):
        return dict(metainfo)  # already parsed (e.g. a dataset's ``metainfo``)
    else:
        raise ValueError('metainfo must contain "from_file" or "keypoint_info", got keys '
                         f'{sorted(metainfo)}')
    _check_dataset_info(info, source)

    kp_info = {int(k): v for k, v in info['keypoint_info'].items()}
    num = len(kp_info)
    id2name = {i: kp_info[i]['name'] for i in range(num)}
    name2id = {n: i for i, n in id2name.items()}
    upper = [i for i in range(num) if kp_info[i].get('type') == 'upper']
    lower = [i for i in range(num) if kp_info[i].get('type') == 'lower']

    flip_indices: List[int] = []
    flip_pairs: List[List[int]] = []
    for i in range(num):
        swap = kp_info[i].get('swap', '')
        if not swap:
            flip_indices.append(i)
            continue
        if swap not in name2id:
            raise ValueError(f'metainfo "{source}": keypoint {id2name[i]} swaps with '
                             f'unknown "{swap}"')
        j = name2id[swap]
        flip_indices.append(j)
        if i < j:
            flip_pairs.append([i, j])

    sk_info = [info['skeleton_info'][k] for k in sorted(info['skeleton_info'], key=int)]
    links = []
    for s in sk_info:
        a, b = s['link']
        if a not in name2id or b not in name2id:
            raise ValueError(f'metainfo "{source}": skeleton link {s["link"]} uses an unknown '
                             f'keypoint name')
        links.append((name2id[a], name2id[b]))

    out: Dict[str, Any] = dict(
        dataset_name=info['dataset_name'],
        num_keypoints=num,
        keypoint_id2name=id2name,
        keypoint_name2id=name2id,
        upper_body_ids=upper,
        lower_body_ids=lower,
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
        for name, ids in parts.items():
            if name not in PART_NAMES:
                raise ValueError(f'metainfo "{source}": unknown part "{name}" (use {PART_NAMES})')
            if not ids or min(ids) < 0 or max(ids) >= num:
                raise ValueError(f'metainfo "{source}": part "{name}" has ids outside '
                                 f'0..{num - 1}')
        out['parts'] = {k: [int(i) for i in v] for k, v in parts.items()}
    return out


__all__ = ['parse_pose_metainfo', 'resolve_config_path', 'repo_root']
