"""Launcher environments (torchrun, slurm) and the CPU (gloo) start of
mmalphapose.utils.dist_launch."""
import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mmalphapose.utils.dist_launch import (DistEnv, LaunchError, init_process_group,
                                           prepare_runner_launch, read_dist_env)

LAUNCH_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
               'SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID', 'SLURM_NODELIST', 'SLURM_NNODES',
               'SLURM_NTASKS_PER_NODE')


@pytest.fixture
def clean_env(monkeypatch):
    """No launcher variables; everything set during the test (also by the code
    under test, which exports RANK etc. for slurm) is undone afterwards."""
    for k in LAUNCH_VARS:
        monkeypatch.setenv(k, '')  # recorded, so restored (or removed) at teardown
        monkeypatch.delenv(k)
    return monkeypatch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_none_and_torchrun_env(clean_env):
    assert read_dist_env('none') == DistEnv(0, 1, 0, 1)
    clean_env.setenv('RANK', '5')
    clean_env.setenv('WORLD_SIZE', '8')
    clean_env.setenv('LOCAL_RANK', '1')
    assert read_dist_env('pytorch') == DistEnv(5, 8, 1, 8)
    clean_env.setenv('LOCAL_WORLD_SIZE', '4')
    assert read_dist_env('pytorch') == DistEnv(5, 8, 1, 4)


def test_slurm_env_exports_what_env_init_reads(clean_env):
    import os
    clean_env.setenv('SLURM_PROCID', '3')
    clean_env.setenv('SLURM_NTASKS', '6')
    clean_env.setenv('SLURM_LOCALID', '0')
    clean_env.setenv('SLURM_NNODES', '2')
    clean_env.setenv('SLURM_NODELIST', 'node[1-2]')
    clean_env.setenv('MASTER_ADDR', 'node1')  # no scontrol here
    assert read_dist_env('slurm') == DistEnv(3, 6, 0, 3)
    assert (os.environ['RANK'], os.environ['WORLD_SIZE'], os.environ['LOCAL_RANK'],
            os.environ['MASTER_PORT']) == ('3', '6', '0', '29500')
    clean_env.setenv('SLURM_NTASKS_PER_NODE', '2(x3)')
    assert read_dist_env('slurm').local_world_size == 2


def test_missing_launcher_env_is_one_line(clean_env):
    with pytest.raises(LaunchError, match='WORLD_SIZE is not set.*torch.distributed.run'):
        read_dist_env('pytorch')
    with pytest.raises(LaunchError, match='SLURM_PROCID'):
        read_dist_env('slurm')
    with pytest.raises(ValueError, match='launcher must be one of'):
        read_dist_env('mpi')


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path')
def test_cpu_runner_config_gets_gloo_and_a_cpu_ddp_wrapper(clean_env):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert prepare_runner_launch(cfg, 'none') == DistEnv()
    assert cfg.env_cfg.dist_cfg.backend == 'nccl' and 'model_wrapper_cfg' not in cfg
    clean_env.setenv('RANK', '0')
    clean_env.setenv('WORLD_SIZE', '1')
    clean_env.setenv('LOCAL_RANK', '0')
    clean_env.setenv('MASTER_ADDR', '127.0.0.1')
    clean_env.setenv('MASTER_PORT', str(_free_port()))
    try:
        env = prepare_runner_launch(cfg, 'pytorch')
        assert env == DistEnv(0, 1, 0, 1)
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
        assert cfg.launcher == 'pytorch' and cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg.device_ids is None
        # a second call (mmengine's Runner path) finds the group started
        assert init_process_group('pytorch') == env
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
