"""PoseTrack18 numbers against the official poseval (leonid-pishchulin/poseval):
per-joint AP and MOTA, mean AP, total MOTA, precision and recall of a
PoseTrack-format prediction file built from the bundled PoseTrack18 frames
(``tests/data/posetrack18/annotations/val``), scored by ``tools/test_tracking.py``
and by poseval's ``evaluateAP`` / ``evaluateTracking``.

poseval's quirks are not copied (docs/tracking.md): its tracking evaluation
drops each sequence's last frame (``evaluateTracking.py``: ``imgidxs[:-1]``),
so ours is given the GT without those frames for the tracking numbers; it
scores every frame with people whatever ``is_labeled`` says, where ours
scores the labelled frames only, so the GT copies mark every frame labelled;
MOTP is not compared (poseval's double-counts with motmetrics >= 1.2)."""
import copy
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from .conftest import stub_module, snapshot_root

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(ROOT, 'tests/data/posetrack18')
# real PoseTrack18 val frames: two one-frame sequences (AP only: poseval's
# tracking needs two frames) and six frames of 012834 with 11 people each
AP_FILES = ('annotations/val/003418_mpii_test.json', 'annotations/val/009473_mpii_test.json',
            'constructed/012834_6frames.json')
TRACK_FILES = ('constructed/012834_6frames.json', )
# poseval's 15 joints in its order (eval_helpers.Joint) and the PoseTrack18 names
POSEVAL_JOINTS = ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
                  'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow',
                  'left_wrist', 'head_bottom', 'nose', 'head_top')


@pytest.fixture
def poseval(reference_modules):
    root = snapshot_root('poseval')
    pytest.importorskip('motmetrics', reason='poseval needs motmetrics')
    pytest.importorskip('shapely', reason='poseval needs shapely')
    stubs = {}
    try:
        import click  # noqa: F401
    except ImportError:  # only poseval's command-line converter uses it
        stubs['click'] = stub_module(
            'click', command=lambda *a, **k: (lambda f: f),
            argument=lambda *a, **k: (lambda f: f), option=lambda *a, **k: (lambda f: f),
            Path=lambda *a, **k: None, Choice=lambda *a, **k: None)
    imp = reference_modules(root, [('poseval', 'poseval')], stubs)
    return imp('poseval.eval_helpers'), imp('poseval.evaluateAP'), imp('poseval.evaluateTracking')


def _predictions(gt: dict, seed: int) -> dict:
    """A PoseTrack-format prediction file from a GT file: joints moved by
    Gaussian noise, random per-joint scores, 15% of the people dropped, one
    false positive per labelled frame, the ids of two people swapped from the
    middle of the sequence on."""
    rng = np.random.default_rng(seed)
    anns = []
    frames = sorted(gt['images'], key=lambda im: im.get('frame_id', im['id']))
    half = frames[len(frames) // 2]['id'] if frames else None
    swap_from = {im['id'] for im in frames if im.get('frame_id', im['id']) >=
                 (frames[len(frames) // 2].get('frame_id', half) if frames else 0)}
    ids = sorted({a['track_id'] for a in gt['annotations'] if a.get('keypoints')})
    for a in gt['annotations']:
        if not a.get('keypoints') or rng.random() < 0.15:
            continue
        kp = np.asarray(a['keypoints'], float).reshape(17, 3)
        kp[:, :2] += rng.normal(scale=6., size=(17, 2))
        track = a['track_id']
        if len(ids) > 1 and a['image_id'] in swap_from and track in ids[:2]:
            track = ids[1] if track == ids[0] else ids[0]
        anns.append(
            dict(image_id=a['image_id'], track_id=int(track),
                 keypoints=[float(v) for v in np.c_[kp[:, :2], np.ones(17)].ravel()],
                 scores=[float(s) for s in rng.uniform(0.05, 1., 17)]))
    for im in frames:
        if not im.get('is_labeled', True):
            continue
        x, y = rng.uniform(50, 600), rng.uniform(50, 300)
        pts = np.c_[x + rng.normal(scale=30, size=17), y + rng.normal(scale=60, size=17)]
        anns.append(
            dict(image_id=im['id'], track_id=900 + int(im['id']) % 7,
                 keypoints=[float(v) for v in np.c_[pts, np.ones(17)].ravel()],
                 scores=[float(s) for s in rng.uniform(0.05, 0.6, 17)]))
    return dict(images=gt['images'], annotations=anns, categories=gt.get('categories', []))


def _ours(gt_dir, pred_file):
    spec = importlib.util.spec_from_file_location('test_tracking_tool',
                                                  osp.join(ROOT, 'tools/test_tracking.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.main([pred_file, '--gt', gt_dir, '--pred-layout', 'posetrack', '--quiet'])


def _write(tmp_path, files, tag):
    """GT and per-sequence predictions for poseval, the merged prediction
    file for ours, and the GT without each sequence's last frame."""
    dirs = {k: tmp_path / f'{tag}_{k}' for k in ('gt', 'gt_cut', 'pred')}
    for d in dirs.values():
        d.mkdir()
    merged = dict(images=[], annotations=[], categories=[])
    for i, rel in enumerate(files):
        gt = json.load(open(osp.join(DATA, rel)))
        for im in gt['images']:  # poseval scores every frame with people
            im['is_labeled'] = True
        name = osp.basename(rel)
        json.dump(gt, open(dirs['gt'] / name, 'w'))
        pred = _predictions(gt, seed=i)
        json.dump(pred, open(dirs['pred'] / name, 'w'))
        merged['images'] += pred['images']
        merged['annotations'] += pred['annotations']
        cut = copy.deepcopy(gt)
        last = max(cut['images'], key=lambda im: im.get('frame_id', im['id']))['id']
        cut['images'] = [im for im in cut['images'] if im['id'] != last]
        cut['annotations'] = [a for a in cut['annotations'] if a['image_id'] != last]
        json.dump(cut, open(dirs['gt_cut'] / name, 'w'))
    json.dump(merged, open(tmp_path / f'{tag}_preds.json', 'w'))
    return {k: str(d) + '/' for k, d in dirs.items()}, str(tmp_path / f'{tag}_preds.json')


def test_posetrack_numbers_match_poseval(poseval, tmp_path):
    helpers, ap_mod, tr_mod = poseval
    n = len(POSEVAL_JOINTS)
    rows = []
    dirs, preds = _write(tmp_path, AP_FILES, 'ap')
    gt_all, pr_all = helpers.load_data_dir(['', dirs['gt'], dirs['pred']])
    ap_all, _, _ = ap_mod.evaluateAP(gt_all, pr_all, str(tmp_path / 'out'), False, False)
    ours = _ours(dirs['gt'], preds)
    rows += [(f'AP/{name}', 100 * ours[f'AP/{name}'], ap_all[j, 0])
             for j, name in enumerate(POSEVAL_JOINTS)]
    rows.append(('AP', 100 * ours['AP'], ap_all[n, 0]))

    dirs, preds = _write(tmp_path, TRACK_FILES, 'track')
    gt_all, pr_all = helpers.load_data_dir(['', dirs['gt'], dirs['pred']])
    mot = tr_mod.evaluateTracking(gt_all, pr_all, str(tmp_path / 'out'), False, False)
    ours_cut = _ours(dirs['gt_cut'], preds)
    rows += [(f'MOTA/{name}', 100 * ours_cut[f'MOTA/{name}'], mot['mota'][0, j])
             for j, name in enumerate(POSEVAL_JOINTS)]
    rows += [('MOTA', 100 * ours_cut['MOTA'], mot['mota'][0, n]),
             ('Precision', 100 * ours_cut['Precision'], mot['pre'][0, n]),
             ('Recall', 100 * ours_cut['Recall'], mot['rec'][0, n])]
    print('ours vs poseval:',
          ', '.join(f'{k} {a:.2f}/{b:.2f}' for k, a, b in rows if '/' not in k))
    assert 5 < ap_all[n, 0] < 99 and mot['mota'][0, n] < 99  # errors of every kind
    bad = [(k, a, b) for k, a, b in rows if not abs(a - b) < 1e-6 * max(1., abs(b))]
    assert not bad, bad
