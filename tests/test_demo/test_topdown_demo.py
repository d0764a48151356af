import importlib.util
import json
import os
import os.path as osp

import cv2
import pytest

from mmalphapose.testing import write_standin_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VIDEO = 'videos/basketball_20f.mp4'


def _load_demo():
    spec = importlib.util.spec_from_file_location('topdown_demo',
                                                  osp.join(REPO, 'demo', 'topdown_demo.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _count_frames(path):
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def test_demo_on_a_video(data_root, tmp_path, capsys):
    cfg = write_standin_config(str(tmp_path))
    rc = _load_demo().main([
        f'{data_root}/{VIDEO}', '--pose-config', cfg, '--det-config', 'none', '--out-dir',
        str(tmp_path / 'out'), '--track', 'pose-aware', '--skeleton-style', 'openpose'
    ])
    assert rc == 0
    text = capsys.readouterr().out
    assert 'RANDOM WEIGHTS' in text and 'whole-image box' in text
    assert str(tmp_path / 'out' / 'basketball_20f.json') in text
    recs = json.load(open(tmp_path / 'out' / 'basketball_20f.json'))
    assert len({r['image_id'] for r in recs}) == 20
    assert all(isinstance(r['idx'], int) for r in recs)  # track ids when tracking
    assert _count_frames(tmp_path / 'out' / 'basketball_20f_vis.mp4') == 20


def test_demo_on_images_with_detfile_and_format(data_root, tmp_path):
    cfg = write_standin_config(str(tmp_path))
    rc = _load_demo().main([
        f'{data_root}/coco', '--pose-config', cfg, '--detfile',
        f'{data_root}/coco/test_coco_det_AP_H_56.json', '--out-dir',
        str(tmp_path / 'out'), '--format', 'coco', '--workers', '0', '--keypoints', 'body'
    ])
    assert rc == 0
    recs = json.load(open(tmp_path / 'out' / 'coco.json'))
    assert {r['image_id'] for r in recs} == {785, 40083, 196141, 197388}
    assert len(os.listdir(tmp_path / 'out' / 'coco_vis')) == 4


def test_demo_missing_input(tmp_path, capsys):
    rc = _load_demo().main([str(tmp_path / 'missing.mp4')])
    assert rc == 2 and 'missing.mp4' in capsys.readouterr().err


@pytest.mark.slow
def test_demo_defaults_on_bundled_video(tmp_path):
    """`make demo`: bundled detector + default pose model on the bundled video."""
    video = osp.join(REPO, 'demo', 'resources', 'demo_basketball.mp4')
    rc = _load_demo().main([video, '--out-dir', str(tmp_path)])
    assert rc == 0
    n = _count_frames(video)
    recs = json.load(open(tmp_path / 'demo_basketball.json'))
    assert len({r['image_id'] for r in recs}) == n
    assert _count_frames(tmp_path / 'demo_basketball_vis.mp4') == n


@pytest.mark.slow
def test_demo_defaults_on_sample_images(data_root, tmp_path):
    rc = _load_demo().main([f'{data_root}/coco', '--out-dir', str(tmp_path)])
    assert rc == 0
    names = sorted(f for f in os.listdir(f'{data_root}/coco') if f.endswith('.jpg'))
    assert sorted(os.listdir(tmp_path / 'coco_vis')) == names
    recs = json.load(open(tmp_path / 'coco.json'))
    assert {r['image_id'] for r in recs} == set(names)


def test_demo_wrong_keypoint_checkpoint(tmp_path, capsys):
    import torch

    from mmalphapose.apis import init_model
    m26 = init_model(write_standin_config(str(tmp_path), 26, 'halpe26'))
    torch.save({'state_dict': m26.state_dict()}, tmp_path / 'h26.pth')
    rc = _load_demo().main([
        osp.join(REPO, 'demo', 'resources', '000000197388.jpg'), '--pose-config',
        write_standin_config(str(tmp_path), 17), '--pose-checkpoint',
        str(tmp_path / 'h26.pth'), '--out-dir',
        str(tmp_path / 'o')
    ])
    err = capsys.readouterr().err
    assert rc == 2 and '26 keypoints' in err and '17 keypoints' in err
