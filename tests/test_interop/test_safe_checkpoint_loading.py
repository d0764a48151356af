"""``mmalphapose.safe_checkpoint_loading`` named in a config's ``custom_imports``:
train -> save -> load (MMPose's ``init_model`` and the Runner's ``resume``) in
MMPose's Runner on torch >= 2.6, each in a fresh interpreter (so nothing else in
the test process has switched the loader on); without the opt-in the same
checkpoint is refused."""
import os.path as osp
import subprocess
import sys

import pytest

pytest.importorskip('mmpose')

from .conftest import REPO  # noqa: E402

CONFIG = 'projects/sikr_head/configs/td-sikr_res18_1xb4-20it_coco-sample-256x192.py'

SCRIPT = r'''
import importlib.util, os.path as osp, sys
sys.path.insert(0, {repo!r})
if importlib.util.find_spec('torchvision') is None:  # as tests/test_interop/conftest.py
    sys.path.insert(0, osp.join({repo!r}, 'tests', 'test_interop', 'torchvision_stub'))
from mmengine.config import Config
from mmengine.runner import Runner
opt_in = {opt_in!r}
work_dir = {work_dir!r}
if opt_in:
    cfg = Config.fromfile({config!r})  # imports custom_imports, the opt-in among them
else:
    cfg = Config.fromfile({config!r}, import_custom_modules=False)
    cfg.custom_imports['imports'].remove('mmalphapose.safe_checkpoint_loading')
    import mmalphapose.codecs, mmalphapose.models  # noqa: F401  (what the config needs)
from mmalphapose.utils.checkpoint import safe_checkpoint_loading_enabled
print('enabled', safe_checkpoint_loading_enabled())
cfg.work_dir = work_dir
ckpt = osp.join(work_dir, 'iter_2.pth')
if {train!r}:
    cfg.train_cfg = dict(by_epoch=False, max_iters=2, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2, by_epoch=False)
    Runner.from_cfg(cfg).train()
    print('saved', osp.isfile(ckpt))
from mmpose.apis import init_model
try:
    model = init_model(cfg, ckpt, device='cpu')
except Exception as exc:
    print('init_model failed', type(exc).__name__)
    sys.exit(0)
print('init_model ok', model.dataset_meta['dataset_name'])
cfg.train_cfg = dict(by_epoch=False, max_iters=3, val_interval=100)
cfg.resume, cfg.load_from = True, ckpt
runner = Runner.from_cfg(cfg)
runner.train()
print('resumed from iter', runner.iter)
'''


def _run(tmp_path, opt_in: bool, train: bool) -> str:
    code = SCRIPT.format(
        repo=REPO,
        opt_in=opt_in,
        work_dir=str(tmp_path),
        config=osp.join(REPO, CONFIG),
        train=train)
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    return res.stdout


@pytest.mark.slow
def test_train_save_load_resume_in_mmposes_runner(tmp_path):
    out = _run(tmp_path, opt_in=True, train=True)
    assert 'enabled True' in out and 'saved True' in out, out
    assert 'init_model ok coco' in out, out
    assert 'resumed from iter 3' in out, out
    # the same Runner checkpoint without the opt-in: torch refuses it
    out = _run(tmp_path, opt_in=False, train=False)
    assert 'enabled False' in out and 'init_model failed UnpicklingError' in out, out


def test_every_project_config_opts_in():
    import glob

    from mmengine.config import Config
    configs = glob.glob(osp.join(REPO, 'projects', '*', 'configs', '*.py'))
    assert len(configs) >= 5
    for path in configs:
        cfg = Config.fromfile(path, import_custom_modules=False)
        assert 'mmalphapose.safe_checkpoint_loading' in cfg.custom_imports['imports'], path
