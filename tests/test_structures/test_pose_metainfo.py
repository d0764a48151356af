"""PoseMetainfo: every source kind, cwd independence, the parse cache, parts,
typed views, copies / pickling and one-line errors."""
import collections
import copy
import os
import os.path as osp
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from mmalphapose.datasets import parse_pose_metainfo
from mmalphapose.structures import PoseMetainfo
from mmalphapose.utils import safe_torch_load

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO_FILE = osp.join(ROOT, 'configs', '_base_', 'datasets', 'coco.py')

TINY_INFO = dict(
    dataset_name='tiny',
    keypoint_info={
        0: dict(name='nose', id=0, color=[1, 2, 3], type='upper', swap=''),
        1: dict(name='left_eye', id=1, color=[4, 5, 6], type='upper', swap='right_eye'),
        2: dict(name='right_eye', id=2, color=[7, 8, 9], type='upper', swap='left_eye'),
    },
    skeleton_info={0: dict(link=('left_eye', 'right_eye'), id=0, color=[0, 0, 255])},
    joint_weights=[1., 1., 2.],
    sigmas=[0.1, 0.2, 0.2])


def _write_info(path: Path, info: dict) -> str:
    path.write_text(f'dataset_info = {info!r}\n')
    return str(path)


def test_every_source_kind_gives_the_same_metainfo():
    from_path = PoseMetainfo.load(COCO_FILE)
    assert isinstance(from_path, PoseMetainfo) and from_path.num_keypoints == 17
    same = [
        PoseMetainfo.load(Path(COCO_FILE)),
        PoseMetainfo.load('mmalphapose::_base_/datasets/coco.py'),
        PoseMetainfo.load('configs/_base_/datasets/coco.py'),
        PoseMetainfo.load(dict(from_file=COCO_FILE)),
        PoseMetainfo.load(dict(from_path)),  # an already parsed plain dict
    ]
    for meta in same:
        assert isinstance(meta, PoseMetainfo)
        assert meta.names == from_path.names
        np.testing.assert_array_equal(meta.sigmas, from_path.sigmas)
        assert meta['flip_pairs'] == from_path['flip_pairs']
    # a PoseMetainfo is returned as is
    assert PoseMetainfo.load(from_path) is from_path
    # a dataset_info dict
    tiny = PoseMetainfo.load(TINY_INFO)
    assert tiny.dataset_name == 'tiny' and tiny.num_keypoints == 3
    assert tiny.flip_indices.tolist() == [0, 2, 1]
    assert tiny.flip_pairs.tolist() == [[1, 2]]
    assert tiny.skeleton.tolist() == [[1, 2]]


def test_same_keys_as_mmpose_parse(tmp_path):
    meta = PoseMetainfo.load(COCO_FILE)
    for key in ('dataset_name', 'num_keypoints', 'keypoint_id2name', 'keypoint_name2id',
                'upper_body_ids', 'lower_body_ids', 'flip_indices', 'flip_pairs', 'keypoint_colors',
                'num_skeleton_links', 'skeleton_links', 'skeleton_link_colors',
                'dataset_keypoint_weights', 'sigmas'):
        assert key in meta, key
    # the datasets' parse_pose_metainfo is a thin wrapper of it
    wrapped = parse_pose_metainfo(dict(from_file=COCO_FILE))
    assert isinstance(wrapped, PoseMetainfo) and wrapped.keys() == meta.keys()


def test_loads_from_any_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # neither configs/ nor the package here
    assert not osp.exists('configs')
    for src in ('configs/_base_/datasets/halpe26.py', 'mmalphapose::_base_/datasets/halpe26.py',
                dict(from_file='configs/_base_/datasets/halpe26.py')):
        assert PoseMetainfo.load(src).num_keypoints == 26
    assert PoseMetainfo.for_num_keypoints(136).dataset_name == 'halpe136'


def test_each_file_is_parsed_once_and_loads_are_copies(tmp_path, monkeypatch):
    from mmengine.config import Config
    calls = []
    real = Config.fromfile

    def counting(path, *args, **kwargs):
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Config, 'fromfile', staticmethod(counting))
    path = _write_info(tmp_path / 'tiny.py', TINY_INFO)
    a = PoseMetainfo.load(path)
    b = PoseMetainfo.load(dict(from_file=path))
    assert len(calls) == 1
    assert a is not b and a['sigmas'] is not b['sigmas']
    assert a.names == b.names and a['flip_pairs'] == b['flip_pairs']
    np.testing.assert_array_equal(a.sigmas, b.sigmas)
    # mutating what a load returned never reaches the next load
    a['sigmas'][0] = 99.
    a['flip_pairs'].append([0, 0])
    a['dataset_name'] = 'changed'
    c = PoseMetainfo.load(path)
    assert c.sigmas[0] == pytest.approx(0.1)
    assert c['flip_pairs'] == [[1, 2]] and c.dataset_name == 'tiny'
    assert len(calls) == 1
    # an edited file is parsed again
    st = os.stat(path)
    _write_info(tmp_path / 'tiny.py', dict(TINY_INFO, dataset_name='tiny2'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert PoseMetainfo.load(path).dataset_name == 'tiny2'
    assert len(calls) == 2


@pytest.mark.parametrize('k,expect', [
    (17, dict(body=list(range(17)))),
    (26, dict(body=list(range(20)), foot=list(range(20, 26)))),
    (133,
     dict(
         body=list(range(17)),
         foot=list(range(17, 23)),
         face=list(range(23, 91)),
         left_hand=list(range(91, 112)),
         right_hand=list(range(112, 133)))),
    (136,
     dict(
         body=list(range(20)),
         foot=list(range(20, 26)),
         face=list(range(26, 94)),
         left_hand=list(range(94, 115)),
         right_hand=list(range(115, 136)))),
])
def test_parts(k, expect):
    meta = PoseMetainfo.for_num_keypoints(k)
    assert meta.num_keypoints == k
    parts = meta.parts
    assert {name: ids.tolist() for name, ids in parts.items()} == expect
    assert all(ids.dtype == np.int64 for ids in parts.values())
    # the parts cover every keypoint exactly once
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(k))
    assert meta.part_of('body').tolist() == expect['body']
    assert meta.part_of('face').tolist() == expect.get('face', [])
    with pytest.raises(ValueError, match='hands'):
        meta.part_of('hands')


def test_for_num_keypoints_unknown():
    with pytest.raises(ValueError, match='68 keypoints'):
        PoseMetainfo.for_num_keypoints(68)


@pytest.mark.parametrize('k', [17, 26, 133, 136])
def test_typed_views(k):
    meta = PoseMetainfo.for_num_keypoints(k)
    assert meta.sigmas.dtype == np.float32 and meta.sigmas.shape == (k, )
    assert meta.joint_weights.dtype == np.float32 and meta.joint_weights.shape == (k, )
    flip = meta.flip_indices
    assert flip.dtype == np.int64 and flip.shape == (k, )
    np.testing.assert_array_equal(flip[flip], np.arange(k))
    pairs = meta.flip_pairs
    assert pairs.shape[1] == 2 and (flip[pairs[:, 0]] == pairs[:, 1]).all()
    assert len(meta.names) == k and meta.names[0] == meta['keypoint_id2name'][0]
    assert meta.name2id[meta.names[-1]] == k - 1
    assert meta.skeleton.shape == (meta['num_skeleton_links'], 2)
    assert meta.skeleton.max() < k
    assert meta.keypoint_colors.shape == (k, 3)
    assert meta.skeleton_colors.shape == (len(meta.skeleton), 3)


def test_copies_stay_and_pickles_are_plain(tmp_path):
    meta = PoseMetainfo.for_num_keypoints(17)
    for dup in (copy.copy(meta), copy.deepcopy(meta), meta.copy()):
        assert isinstance(dup, PoseMetainfo) and dup.num_keypoints == 17
    deep = copy.deepcopy(meta)
    deep['sigmas'][0] = 5.
    assert meta.sigmas[0] != 5.
    back = pickle.loads(pickle.dumps(meta))
    assert type(back) is collections.OrderedDict and back['num_keypoints'] == 17
    # a checkpoint that stores it as meta.dataset_meta loads with weights_only
    path = str(tmp_path / 'ckpt.pth')
    torch.save(dict(meta=dict(dataset_meta=meta), state_dict={}), path)
    loaded = safe_torch_load(path)['meta']['dataset_meta']
    assert PoseMetainfo.load(loaded).names == meta.names
    np.testing.assert_array_equal(loaded['sigmas'], meta['sigmas'])


def test_parsed_dict_checks():
    meta = PoseMetainfo.load(dict(num_keypoints=2, sigmas=[0.1, 0.2]))
    assert meta.sigmas.tolist() == pytest.approx([0.1, 0.2])
    with pytest.raises(KeyError, match='flip_indices'):
        meta.flip_indices
    with pytest.raises(ValueError, match='"sigmas" has 1 entries for 2 keypoints'):
        PoseMetainfo.load(dict(num_keypoints=2, sigmas=[0.1]))
    with pytest.raises(ValueError, match='from_file'):
        PoseMetainfo.load(dict(foo=1))
    with pytest.raises(TypeError, match='int'):
        PoseMetainfo.load(3)


@pytest.mark.parametrize(
    'missing', ['sigmas', 'joint_weights', 'keypoint_info', 'skeleton_info', 'dataset_name'])
def test_bad_file_names_the_file_and_the_field(tmp_path, missing):
    info = {k: v for k, v in TINY_INFO.items() if k != missing}
    path = _write_info(tmp_path / f'no_{missing}.py', info)
    with pytest.raises(ValueError) as err:
        PoseMetainfo.load(path)
    msg = str(err.value)
    assert path in msg and f'"{missing}"' in msg and '\n' not in msg


def test_bad_files_other_errors(tmp_path):
    path = _write_info(tmp_path / 'short.py', dict(TINY_INFO, sigmas=[0.1]))
    with pytest.raises(ValueError, match=r'short\.py.*"sigmas" has 1 values for 3'):
        PoseMetainfo.load(path)
    swap = dict(
        TINY_INFO,
        keypoint_info={
            **TINY_INFO['keypoint_info'], 2: dict(name='right_eye', id=2, swap='zz')
        })
    with pytest.raises(ValueError, match=r'swap\.py.*"zz"'):
        PoseMetainfo.load(_write_info(tmp_path / 'swap.py', swap))
    (tmp_path / 'empty.py').write_text('x = 1\n')
    with pytest.raises(ValueError, match=r'empty\.py" defines no "dataset_info"'):
        PoseMetainfo.load(str(tmp_path / 'empty.py'))
    (tmp_path / 'broken.py').write_text('dataset_info = dict(\n')
    with pytest.raises(ValueError, match=r'broken\.py" cannot be read') as err:
        PoseMetainfo.load(str(tmp_path / 'broken.py'))
    assert '\n' not in str(err.value)
    with pytest.raises(FileNotFoundError, match=r'metainfo file "nope\.py" not found'):
        PoseMetainfo.load('nope.py')
