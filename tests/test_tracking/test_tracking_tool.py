import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.testing import make_sequence

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')


def _tool(repo_root):
    spec = importlib.util.spec_from_file_location('test_tracking_tool_mod',
                                                  osp.join(repo_root, 'tools', 'test_tracking.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tool_on_mot15_detections(repo_root, data_root, tmp_path, capsys):
    tool = _tool(repo_root)
    seq = osp.join(data_root, 'mot15', 'train')
    out = tmp_path / 'tracks.txt'
    m = tool.main([
        osp.join(seq, 'results', 'TUD-Campus.txt'), '--gt',
        osp.join(seq, 'TUD-Campus', 'gt', 'gt.txt'), '--tracker', 'pose-aware', '--out',
        str(out)
    ])
    assert 'idf1' in capsys.readouterr().out
    assert m['num_objects'] == 359 and m['idf1'] > 0.5
    assert len(out.read_text().splitlines()) == 222
    with pytest.raises(FileNotFoundError):
        tool.main(['missing.txt'])


def test_tool_plot_marks_id_switches(repo_root, data_root, tmp_path, capsys):
    tool = _tool(repo_root)
    seq = osp.join(data_root, 'mot15', 'train')
    plot = tmp_path / 'lifetimes.png'
    m = tool.main([
        osp.join(seq, 'results', 'TUD-Campus.txt'), '--gt',
        osp.join(seq, 'TUD-Campus', 'gt', 'gt.txt'), '--tracker', 'iou', '--plot',
        str(plot)
    ])
    assert 'track lifetimes' in capsys.readouterr().out
    assert plot.stat().st_size > 1000
    from mmalphapose.evaluation.metrics.mot_metric import load_mot_txt
    from mmalphapose.visualization.plots import id_switch_events
    tracks = tmp_path / 'tracks.txt'
    tool.main([osp.join(seq, 'results', 'TUD-Campus.txt'), '--tracker', 'iou', '--out',
               str(tracks), '--quiet'])
    rows = load_mot_txt(str(tracks))
    gt = load_mot_txt(osp.join(seq, 'TUD-Campus', 'gt', 'gt.txt'), min_confidence=1)
    assert len(id_switch_events(gt, rows)) == m['num_switches']


def test_tool_on_alphapose_json(repo_root, tmp_path):
    tool = _tool(repo_root)
    seq = make_sequence(DATA, seed=4, num_frames=40)
    entries = []
    for t, inst in enumerate(seq['frames']):
        for b, s, kp, ks in zip(inst.bboxes, inst.bbox_scores, inst.keypoints,
                                inst.keypoint_scores):
            flat = np.concatenate([kp, ks[:, None]], 1).reshape(-1)
            entries.append(
                dict(
                    image_id=f'{t}.jpg',
                    category_id=1,
                    keypoints=flat.tolist(),
                    score=float(s),
                    box=[float(b[0]),
                         float(b[1]),
                         float(b[2] - b[0]),
                         float(b[3] - b[1])]))
    path = tmp_path / 'alphapose-results.json'
    path.write_text(json.dumps(entries))
    gt = tmp_path / 'gt.txt'
    gt.write_text('\n'.join(f'{int(r[0])},{int(r[1])},{r[2]},{r[3]},{r[4]},{r[5]},1,-1,-1,-1'
                            for r in seq['gt']))
    m = tool.main([
        str(path), '--gt',
        str(gt), '--tracker', 'pose-aware', '--metainfo', 'configs/_base_/datasets/coco.py'
    ])
    assert m['idf1'] > 0.9


@pytest.mark.parametrize('name, message', [
    ('kpts_not_triplets.json', 'entry 0: "keypoints" holds 50 numbers, not x, y, score'),
    ('kpts_mixed_count.json', 'entry 1 has 26 keypoints, entry 0 has 17'),
    ('dets_corrupt.json', 'not valid JSON'),
    ('missing.json', 'not found'),
])
def test_bad_keypoint_files_are_one_line_exit_2(repo_root, data_root, name, message, capsys):
    from mmalphapose.utils.errors import run_cli
    path = osp.join(data_root, 'bad', name)
    assert run_cli(_tool(repo_root).main, [path]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and path in err and message in err
    assert len(err.strip().splitlines()) == 1
