"""The interop profile (``make test-interop``): mmalphapose inside MMPose 1.3.2
and MMDetection configs. Every module skips when MMPose (or MMDetection) is
not installed, so the default suite does not need them.

MMPose imports torchvision in one place only (``ToPILImage`` in
``mmpose/visualization/simcc_vis.py``); where torchvision is missing, the
stand-in package next to this file is put on ``sys.path``. The repository
root goes on ``sys.path`` too, for the ``projects.*`` glue modules.
"""
import importlib.util
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HAS_MMPOSE = importlib.util.find_spec('mmpose') is not None

if HAS_MMPOSE and importlib.util.find_spec('torchvision') is None:
    sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'torchvision_stub'))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


@pytest.fixture
def in_repo_root():
    """Run with the repository root as working directory (the project configs
    name ``tests/data/coco/`` relative to it)."""
    old = os.getcwd()
    os.chdir(REPO)
    yield REPO
    os.chdir(old)


def run_project(config: str,
                work_dir: str,
                max_iters: int,
                cfg_options: Optional[dict] = None) -> Tuple[List[float], Dict[str, float]]:
    """Train ``config`` (a path relative to the repository root) for
    ``max_iters`` iterations in mmengine's Runner, then validate once.

    Returns the logged training losses (one per iteration) and the metrics.
    """
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters + 1)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0].tolist()
    metrics = runner.val()
    return losses, metrics
