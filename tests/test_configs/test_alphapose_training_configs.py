"""The AlphaPose-mirroring configs train as AlphaPose's code does.

Facts per config from its AlphaPose yaml (MVIG-SJTU/AlphaPose c60106d):
(BEGIN_EPOCH, END_EPOCH, LR_STEP, DPG_MILESTONE, DPG_STEP, BATCH_SIZE).
The LR of every epoch is compared with AlphaPose's loop
(scripts/train.py:286-316): MultiStepLR(LR_STEP) from BEGIN_EPOCH; after
epoch DPG_MILESTONE the LR is reset and a new MultiStepLR(DPG_STEP) counts
from there; the DPG phase (addDPG boxes) starts at the next epoch.
"""
import glob
import os.path as osp

import mmengine.optim  # noqa: F401  (registers the parameter schedulers)
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ONE_X_COCO = (0, 200, [90, 120], 140, [160, 190], 32)
TWO_X = (0, 270, [170, 200], 210, [230, 250], 32)
TWO_X_48 = (0, 270, [170, 200], 210, [230, 250], 48)
BEGIN_5 = (5, 270, [170, 200], 210, [230, 250], 48)
FACTS = {
    'heatmap_fastpose-duc-se-res152_8xb32-200e_coco-256x192':
    ONE_X_COCO,
    'heatmap_fastpose-duc-shuffle-res50_8xb32-200e_coco-256x192':
    ONE_X_COCO,
    'heatmap_fastpose-se-res50-dcn_8xb32-270e_coco-256x192':
    TWO_X,
    'heatmap_fastpose-se-res50_8xb32-200e_coco-256x192':
    ONE_X_COCO,
    'heatmap_fastpose-se-res50_8xb32-270e_coco-256x192':
    TWO_X,
    'heatmap_hrnet-w32_8xb32-270e_coco-256x192':
    TWO_X,
    'heatmap_simplebaseline-res50_8xb32-200e_coco-256x192':
    ONE_X_COCO,
    'heatmap_fastpose-se-res50_8xb32-270e_halpe26-256x192':
    TWO_X,
    'heatmap_fastpose-se-res50_8xb48-200e_halpe26-256x192': (0, 200, [50, 70], 90, [110, 130], 48),
    'sikr_fastpose-se-res50_8xb32-270e_coco-256x192':
    TWO_X,
    'sikr_fastpose-se-res50-dcn_8xb48-270e_halpe26-256x192':
    TWO_X_48,
    'sikr_fastpose-se-res50_8xb48-265e_halpe26-256x192':
    BEGIN_5,
    'combined_fastpose-se-res50-dcn_8xb32-320e_coco-wholebody-256x192':
    (0, 320, [190, 220], 230, [260, 280], 32),
    'combined_fastpose-se-res50_8xb32-270e_coco-wholebody-256x192':
    TWO_X,
    'combined_fastpose-se-res50-dcn_8xb48-320e_halpe136-256x192':
    (0, 320, [190, 220], 230, [260, 280], 48),
    'heatmap_fastpose-se-res50_8xb32-270e_halpe136-256x192':
    TWO_X,
    'sikr_fastpose-se-res152_8xb32-270e_coco-wholebody-256x192':
    TWO_X,
    'sikr_fastpose-se-res50-dcn_8xb48-270e_coco-wholebody-256x192':
    TWO_X_48,
    'sikr_fastpose-se-res50_8xb48-265e_coco-wholebody-256x192':
    BEGIN_5,
    'sikr_fastpose-se-res152_8xb32-270e_halpe136-256x192':
    TWO_X,
    'sikr_fastpose-se-res50-dcn_8xb48-270e_halpe136-256x192':
    TWO_X_48,
    'sikr_fastpose-se-res50_4xb48-265e_halpe136-coco-wholebody-256x192':
    BEGIN_5,
    'sikr_fastpose-se-res50_8xb48-265e_halpe136-256x192':
    BEGIN_5,
}
PATHS = {
    osp.basename(p)[:-3]: p
    for p in glob.glob(osp.join(ROOT, 'configs/*_2d_keypoint/**/*.py'), recursive=True)
}


def alphapose_lrs(begin, end, lr_step, milestone, dpg_step, lr=1e-3):
    """LR of epochs begin..end-1 as scripts/train.py:286-316 runs them."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=lr_step, gamma=0.1)
    lrs = []
    for i in range(begin, end):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
        if i == milestone:
            for g in opt.param_groups:
                g['lr'] = lr
            sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=dpg_step, gamma=0.1)
    return lrs


def config_lrs(cfg):
    """LR of every epoch as mmengine steps the config's schedulers."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=cfg.optim_wrapper.optimizer.lr)
    scheds = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt)) for s in cfg.param_scheduler]
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        for s in scheds:
            s.step()
    return lrs


def test_every_mirroring_config_has_facts():
    mirroring = {
        name
        for name, p in PATHS.items() if open(p).readline().startswith('# AlphaPose config:')
    }
    assert mirroring == set(FACTS)


@pytest.mark.parametrize('name', sorted(FACTS))
def test_schedule_dpg_phase_and_batch_as_alphapose(name):
    begin, end, lr_step, milestone, dpg_step, batch = FACTS[name]
    cfg = Config.fromfile(PATHS[name])
    assert cfg.train_cfg.max_epochs == end - begin
    assert cfg.train_dataloader.batch_size == batch
    ours = config_lrs(cfg)
    ref = alphapose_lrs(begin, end, lr_step, milestone, dpg_step)
    assert ours == pytest.approx(ref, rel=1e-9)
    hooks = [h for h in cfg.custom_hooks if h['type'] == 'DPGPhaseHook']
    assert [h['switch_epoch'] for h in hooks] == [milestone + 1 - begin]


@pytest.mark.parametrize('name', sorted(FACTS))
def test_half_body_groups_and_visibility_as_alphapose(name):
    cfg = Config.fromfile(PATHS[name])
    for t in cfg.train_pipeline:
        if t['type'] == 'RandomHalfBody' and t.get('prob', 0.3) > 0:
            assert list(t['upper_body_ids']) == list(range(11))
            assert t['lower_body_ids'] == 'rest'
    ds = cfg.train_dataloader.dataset
    leaves = [ds] if 'datasets' not in ds else [d.get('dataset', d) for d in ds.datasets]
    for d in leaves:
        filt = d.get('filter_cfg', {})
        assert filt.get('skip_zero_num_keypoints') is True
        if d.type != 'CocoDataset':
            assert filt.get('vis_thr') == 0.35
