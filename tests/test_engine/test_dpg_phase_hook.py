"""DPGPhaseHook inserts AlphaPose's DPG box jitter from the switch epoch on."""
import logging
from types import SimpleNamespace

import numpy as np
import pytest
from torch.utils.data import DataLoader

from mmalphapose.datasets import CocoDataset
from mmalphapose.registry import HOOKS

PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
]


def _runner(data_root, persistent=False):
    ds = CocoDataset(
        ann_file='coco/test_coco.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        pipeline=PIPELINE)
    loader = DataLoader(
        ds,
        batch_size=1,
        num_workers=1 if persistent else 0,
        persistent_workers=persistent,
        collate_fn=lambda x: x)
    return SimpleNamespace(train_dataloader=loader, epoch=0, logger=logging.getLogger('dpg'))


def _names(ds):
    return [type(t).__name__ for t in ds.pipeline.transforms]


def test_switches_at_epoch_and_jitters_boxes(data_root):
    runner = _runner(data_root)
    ds = runner.train_dataloader.dataset
    hook = HOOKS.build(dict(type='DPGPhaseHook', switch_epoch=2))
    gt = ds[0]['bbox'].copy()
    for epoch in (0, 1):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert _names(ds) == ['LoadImage', 'GetBBoxCenterScale']
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert _names(ds) == ['LoadImage', 'PartGuidedProposal', 'GetBBoxCenterScale']
    np.random.seed(0)
    out = ds[0]
    np.testing.assert_array_equal(out['pgpg_gt_bbox'], gt)
    assert not np.allclose(out['bbox'], gt)
    runner.epoch = 3  # inserted once
    hook.before_train_epoch(runner)
    assert _names(ds).count('PartGuidedProposal') == 1


def test_resumed_run_switches_at_first_epoch_and_restarts_workers(data_root):
    runner = _runner(data_root, persistent=True)
    loader = runner.train_dataloader
    runner.epoch = 7
    hook = HOOKS.build(dict(type='DPGPhaseHook', switch_epoch=5))
    hook.before_train_epoch(runner)
    assert 'PartGuidedProposal' in _names(loader.dataset)
    assert loader._iterator is None and not loader._DataLoader__initialized
    runner.epoch = 8
    hook.before_train_epoch(runner)
    assert loader._DataLoader__initialized


def test_errors(data_root):
    with pytest.raises(ValueError, match='switch_epoch'):
        HOOKS.build(dict(type='DPGPhaseHook', switch_epoch=-1))
    runner = _runner(data_root)
    hook = HOOKS.build(dict(type='DPGPhaseHook', switch_epoch=0, insert_before='TopdownAffine'))
    with pytest.raises(ValueError, match='no TopdownAffine'):
        hook.before_train_epoch(runner)


@pytest.mark.slow
def test_in_a_training_run(repo_root, tmp_path, monkeypatch):
    """Two epochs of the tiny SIKR config with the hook at epoch 1: the
    second epoch trains on addDPG boxes, through the runner's dataloader."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    monkeypatch.chdir(repo_root)
    cfg = Config.fromfile(
        'configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py')
    cfg.work_dir = str(tmp_path)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.custom_hooks = [dict(type='DPGPhaseHook', switch_epoch=1)]
    runner = Runner.from_cfg(cfg)
    seen = []
    orig = runner.train_loop.run_epoch

    def run_epoch():  # the pipeline an epoch trained with (hook ran inside)
        orig()
        seen.append(_names(runner.train_dataloader.dataset))

    runner.train_loop.run_epoch = run_epoch
    runner.train()
    assert ['PartGuidedProposal' in names for names in seen] == [False, True]
