"""tools/dist_train.sh / dist_test.sh on 2 CPU processes (gloo) with the tiny
COCO config, and the one-line error of a launcher started without its
environment."""
import glob
import math
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py'
ITER = re.compile(r'Epoch\(train\)\s+\[(\d+)\]\[(\d+)/(\d+)\].*?\bloss: ([\d.]+)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _run(cmd):
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        OMP_NUM_THREADS='1',
        PORT=str(_free_port()),
        PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _rank_iterations(work, run_dir):
    """{rank: [(epoch, iter, iters per epoch, loss)]} from each rank's own log
    (``log_level=DEBUG`` makes mmengine write one log per rank)."""
    out = {}
    for log in glob.glob(osp.join(work, run_dir, '*.log')):
        rank = int(re.search(r'rank(\d+)\.log$', log).group(1))
        out[rank] = [(int(a), int(b), int(c), float(d))
                     for a, b, c, d in ITER.findall(open(log).read())]
    return out


def _train_samples() -> int:
    from mmengine.config import Config

    from mmalphapose.registry import DATASETS
    from mmalphapose.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    cfg.train_dataloader.dataset.data_root = osp.join(ROOT, 'tests/data/coco/')
    return len(DATASETS.build(cfg.train_dataloader.dataset))


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU (gloo) path')
def test_two_cpu_processes_train_resume_and_test(tmp_path):
    work = str(tmp_path / 'work')
    opts = ['--work-dir', work, '--cfg-options', 'log_level=DEBUG', 'train_cfg.val_interval=5']
    _run(['bash', 'tools/dist_train.sh', CONFIG, '2'] + opts + ['train_cfg.max_epochs=1'])
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    first_run = sorted(d for d in os.listdir(work) if osp.isdir(osp.join(work, d)))
    iters = _rank_iterations(work, first_run[0])
    # both ranks stepped, each through its half of the data (DistributedSampler)
    per_rank = math.ceil(math.ceil(_train_samples() / 2) / 2)  # batch size 2
    assert sorted(iters) == [0, 1]
    for rank in (0, 1):
        assert [(e, i, n) for e, i, n, _ in iters[rank]] == \
            [(1, k, per_rank) for k in range(1, per_rank + 1)]
    assert [x[3] for x in iters[0]] != [x[3] for x in iters[1]]  # different batches

    out = _run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--resume'] + opts +
               ['train_cfg.max_epochs=2'])
    assert 'resumed' in out.lower()
    second_run = sorted(
        set(d for d in os.listdir(work) if osp.isdir(osp.join(work, d))) - set(first_run))
    iters = _rank_iterations(work, second_run[0])
    for rank in (0, 1):  # only epoch 2 ran: the resume restored epoch 1
        assert [(e, i) for e, i, _, _ in iters[rank]] == \
            [(2, k) for k in range(1, per_rank + 1)]
    ckpt = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt)

    out = _run(['bash', 'tools/dist_test.sh', CONFIG, ckpt, '2', '--work-dir', work])
    assert 'coco/AP' in out and 'loaded' in out


def test_launcher_without_its_environment_is_a_one_line_error(monkeypatch, capsys):
    import importlib.util
    for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'SLURM_PROCID', 'SLURM_NTASKS'):
        monkeypatch.setenv(k, '')  # recorded, so LOCAL_RANK set by the tools is undone
        monkeypatch.delenv(k)
    monkeypatch.chdir(ROOT)
    for tool, argv in (('train', [CONFIG, '--launcher',
                                  'pytorch']), ('test', [CONFIG, 'none', '--launcher', 'slurm'])):
        spec = importlib.util.spec_from_file_location(f'{tool}_tool',
                                                      osp.join(ROOT, 'tools', f'{tool}.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        with pytest.raises(SystemExit) as exc:
            mod.main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and 'is not set' in err \
            and f'tools/{tool}.py: error' in err
