"""End-to-end: tools/train.py (+ --resume) and tools/test.py (+ --dump) on the
tiny COCO config, in subprocesses."""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py'


def _run(args, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONPATH=ROOT)
    proc = subprocess.run(
        [sys.executable] + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_train_resume_test_dump(tmp_path):
    work = str(tmp_path / 'work')
    _run([
        'tools/train.py', CONFIG, '--work-dir', work, '--cfg-options', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=5'
    ], tmp_path)
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    out = _run([
        'tools/train.py', CONFIG, '--work-dir', work, '--resume', '--cfg-options',
        'train_cfg.max_epochs=2'
    ], tmp_path)
    assert 'resumed' in out.lower() or 'resume' in out.lower()
    ckpt = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    assert 'coco/AP' in out
    dump = str(tmp_path / 'preds.pkl')
    out = _run(['tools/test.py', CONFIG, ckpt, '--work-dir', work, '--dump', dump], tmp_path)
    assert 'coco/AP' in out
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 14  # every annotated person of test_coco.json
    logs = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    assert logs
