"""The demo's --smpl mode end to end: random weights, a synthetic body model."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from test_apis.test_smpl_inference import tiny_hybrik_config
from test_models.test_smpl.synthetic_smpl import make_synthetic_smpl, write_synthetic_smpl

from mmalphapose.apis.cli import main
from mmalphapose.models.body_models import ENV_VAR, SMPL_LEAF_VERTEX_IDS
from mmalphapose.utils import has_mmdet
from mmalphapose.utils.resources import resolve_resource

VIDEO = 'videos/basketball_20f.mp4'
RECORD_KEYS = {
    'image_id', 'frame_id', 'category_id', 'keypoints', 'score', 'box', 'crop_box', 'pred_xyz_jts',
    'smpl_pose', 'smpl_betas', 'cam', 'cam_root'
}


def _count_frames(path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def write_full_size_smpl(path: str, num_vertices: int = 6890) -> None:
    """The synthetic body model spread over SMPL's 6890 vertices with its leaf
    joints at SMPL's leaf vertex ids, so the default HybrIK config takes it
    (the extra vertices copy one body vertex and belong to no face)."""
    fields, leaf = make_synthetic_smpl()
    v0 = len(fields['v_template'])
    new = np.full(v0, -1, np.int64)
    new[list(leaf)] = SMPL_LEAF_VERTEX_IDS
    others = np.setdiff1d(np.arange(v0), leaf)
    new[others] = np.setdiff1d(np.arange(num_vertices), SMPL_LEAF_VERTEX_IDS)[:len(others)]
    src = np.full(num_vertices, others[0], np.int64)
    src[new] = np.arange(v0)
    out = {
        k: np.asarray(fields[k][src], np.float32)
        for k in ('v_template', 'shapedirs', 'posedirs', 'weights')
    }
    out['J_regressor'] = np.zeros((24, num_vertices), np.float32)
    out['J_regressor'][:, new] = fields['J_regressor']
    out['kintree_table'] = fields['kintree_table']
    out['f'] = new[fields['f'].astype(np.int64)].astype(np.uint32)
    np.savez(path, **out)


@pytest.fixture()
def tiny(tmp_path):
    """A synthetic SMPL file and a small HybrIK config built on the real one
    (its _base_), with the synthetic model's leaf vertex ids."""
    smpl = str(tmp_path / 'synthetic.npz')
    leaf = write_synthetic_smpl(smpl)
    small = tiny_hybrik_config(leaf)
    small['model']['backbone']['_delete_'] = True
    small['_base_'] = [
        resolve_resource('mmalphapose::body_3d_smpl/hybrik_resnet34_h36m-256x256.py', 'config')
    ]
    cfg = str(tmp_path / 'hybrik_tiny.py')
    with open(cfg, 'w') as f:
        f.write('\n'.join(f'{k} = {v!r}' for k, v in small.items()))
    assert Config.fromfile(cfg).model.backbone.type == 'SEResNet'
    return smpl, cfg


def test_smpl_demo_on_a_video(data_root, tmp_path, tiny, capsys):
    smpl, cfg = tiny
    out = tmp_path / 'out'
    rc = main([
        f'{data_root}/{VIDEO}', '--smpl', '--smpl-model', smpl, '--pose-config', cfg,
        '--det-config', 'none', '--track', 'pose-aware', '--out-dir',
        str(out)
    ])
    assert rc == 0
    text = capsys.readouterr().out
    assert 'RANDOM WEIGHTS' in text and f'SMPL body model: {smpl}' in text
    recs = json.load(open(out / 'basketball_20f.json'))
    assert len({r['image_id'] for r in recs}) == 20 == len(recs)  # the whole-image box
    for r in recs:
        assert RECORD_KEYS | {'idx'} == set(r)
        assert isinstance(r['idx'], int)  # track ids when tracking
        assert len(r['keypoints']) == 29 * 3 and np.shape(r['pred_xyz_jts']) == (29, 3)
        assert len(r['smpl_pose']) == 72 and len(r['smpl_betas']) == 10
        assert len(r['cam']) == 3 and len(r['cam_root']) == 3
    assert len({r['idx'] for r in recs}) == 1  # one person all along
    assert _count_frames(out / 'basketball_20f_vis.mp4') == 20


def test_smpl_demo_without_smpl_file(data_root, tmp_path, monkeypatch, capsys):
    missing = tmp_path / 'nowhere' / 'SMPL_NEUTRAL.pkl'
    monkeypatch.setenv(ENV_VAR, str(missing))
    rc = main([
        f'{data_root}/{VIDEO}', '--smpl', '--det-config', 'none', '--out-dir',
        str(tmp_path / 'out')
    ])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith('error: SMPL model file not found') and str(missing) in err
    assert '--smpl-model' in err and err.count('\n') == 1
    assert not (tmp_path / 'out').exists()


def test_smpl_demo_refuses_2d_options(data_root, tmp_path, tiny, capsys):
    rc = main([
        f'{data_root}/{VIDEO}', '--smpl-model', tiny[0], '--format', 'coco', '--out-dir',
        str(tmp_path / 'out')
    ])
    assert rc == 2 and '--format' in capsys.readouterr().err


@pytest.mark.skipif(not has_mmdet(), reason='the default HybrIK config uses mmdet.ResNet: '
                    'full profile')
def test_smpl_demo_default_config(tmp_path, repo_root, capsys):
    """--smpl with the default HybrIK config (ResNet-34, 256x256), the
    mesh in the JSON and the overlay image."""
    pytest.importorskip('mmdet', reason='the default HybrIK config\'s backbone is mmdet.ResNet')
    smpl = str(tmp_path / 'SMPL_NEUTRAL.npz')
    write_full_size_smpl(smpl)
    img = osp.join(repo_root, 'demo', 'resources', '000000197388.jpg')
    out = tmp_path / 'out'
    rc = main([
        img, '--smpl', '--smpl-model', smpl, '--det-config', 'none', '--smpl-vertices', '--out-dir',
        str(out)
    ])
    assert rc == 0
    text = capsys.readouterr().out
    assert 'hybrik_resnet34_h36m-256x256.py + RANDOM WEIGHTS' in text
    recs = json.load(open(out / '000000197388.json'))
    assert len(recs) == 1 and RECORD_KEYS | {'vertices'} == set(recs[0])
    assert np.shape(recs[0]['vertices']) == (6890, 3)
    assert osp.isfile(out / '000000197388_vis' / '000000197388.jpg')


def test_smpl_demo_without_mmdet_is_one_line(tmp_path, repo_root, capsys, monkeypatch):
    """The core profile (no mmdet): the default HybrIK config's mmdet.ResNet
    is a one-line error with exit 2, no traceback."""
    import importlib.util
    smpl = str(tmp_path / 'SMPL_NEUTRAL.npz')
    write_full_size_smpl(smpl)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'mmdet' else real(name, *a))
    img = osp.join(repo_root, 'demo', 'resources', '000000197388.jpg')
    rc = main([img, '--smpl', '--smpl-model', smpl, '--out-dir', str(tmp_path / 'out')])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and 'needs mmdet' in err[0] and 'Traceback' not in err[0]
