"""Start ``torch.distributed`` from a launcher's environment, on GPUs and CPUs.

mmengine's ``init_dist`` always calls ``torch.cuda.set_device`` (on a CPU-only
torch: ``module 'torch._C' has no attribute '_cuda_setDevice'``), so on a
machine without CUDA the process group is started here instead, with the
``gloo`` backend and no device call; mmengine's ``Runner`` then finds it
started and skips its own ``init_dist``. With CUDA nothing changes: mmengine
starts NCCL and pins ``cuda:{LOCAL_RANK}``.

Launchers (the same names as mmengine's):

- ``pytorch``: ``python -m torch.distributed.run`` (torchrun) sets ``RANK``,
  ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``,
  ``MASTER_PORT``;
- ``slurm``: ``srun`` sets ``SLURM_PROCID``, ``SLURM_NTASKS``,
  ``SLURM_LOCALID``, ``SLURM_NODELIST``; the master is the first host of the
  node list (``scontrol show hostnames``) unless ``MASTER_ADDR`` is set, the
  port ``MASTER_PORT`` (default 29500).
"""
import datetime
import os
import subprocess
from dataclasses import dataclass
from typing import Optional

LAUNCHERS = ('none', 'pytorch', 'slurm')


class LaunchError(RuntimeError):
    """The launcher's environment is missing (reported as one line)."""


@dataclass(frozen=True)
class DistEnv:
    """Where this process sits in the job.

    Attributes:
        rank: global rank, ``0 .. world_size - 1``.
        world_size: number of processes in the job.
        local_rank: rank on this machine (the GPU index on a GPU node).
        local_world_size: processes on this machine (for splitting CPU threads).
    """
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1


def _int_env(name: str, launcher: str) -> int:
    value = os.environ.get(name)
    if value is None:
        raise LaunchError(
            f'--launcher {launcher}: environment variable {name} is not set; start the '
            'job with "python -m torch.distributed.run" (tools/dist_*.sh) or srun '
            '(tools/slurm_*.sh), or use --launcher none')
    return int(value)


def _slurm_master() -> str:
    nodes = os.environ.get('SLURM_NODELIST', '')
    try:
        out = subprocess.run(['scontrol', 'show', 'hostnames', nodes],
                             capture_output=True,
                             text=True,
                             check=True,
                             timeout=60).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    if not out:
        raise LaunchError('--launcher slurm: MASTER_ADDR is not set and "scontrol show '
                          f'hostnames {nodes}" gave no host')
    return out[0]


def read_dist_env(launcher: str) -> DistEnv:
    """Rank, world size and local rank from the launcher's variables.

    For ``slurm`` this also exports ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` (what ``env://`` initialisation reads).

    Raises:
        ValueError: an unknown launcher.
        LaunchError: a variable the launcher sets is missing (one line).
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'--launcher must be one of {"|".join(LAUNCHERS)}, got "{launcher}"')
    if launcher == 'none':
        return DistEnv()
    if launcher == 'pytorch':
        world = _int_env('WORLD_SIZE', launcher)
        return DistEnv(
            _int_env('RANK', launcher), world, _int_env('LOCAL_RANK', launcher),
            int(os.environ.get('LOCAL_WORLD_SIZE', world)))
    rank = _int_env('SLURM_PROCID', launcher)
    world = _int_env('SLURM_NTASKS', launcher)
    local_rank = int(os.environ.get('SLURM_LOCALID', 0))
    nodes = max(1, int(os.environ.get('SLURM_NNODES', 1)))
    local_world = int(
        os.environ.get('SLURM_NTASKS_PER_NODE', '').split('(')[0] or -(-world // nodes))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = _slurm_master()
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(local_rank),
        LOCAL_WORLD_SIZE=str(local_world))
    return DistEnv(rank, world, local_rank, local_world)


def init_process_group(launcher: str,
                       backend: Optional[str] = None,
                       timeout_s: Optional[float] = None) -> DistEnv:
    """Join the job's process group (no-op for ``'none'`` or when already joined).

    Args:
        launcher: ``'none'``, ``'pytorch'`` or ``'slurm'``.
        backend: ``'nccl'`` or ``'gloo'``; default ``nccl`` with CUDA, else ``gloo``.
            ``cuda:{local_rank}`` is made the current device only for ``nccl``.
        timeout_s: collective timeout in seconds (torch's default when None).

    Returns:
        the process's :class:`DistEnv`.
    """
    import torch
    import torch.distributed as dist
    env = read_dist_env(launcher)
    if launcher == 'none' or (dist.is_available() and dist.is_initialized()):
        return env
    backend = backend or ('nccl' if torch.cuda.is_available() else 'gloo')
    if backend == 'nccl':
        torch.cuda.set_device(env.local_rank)
    kwargs = {}
    if timeout_s is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=float(timeout_s))
    dist.init_process_group(
        backend=backend, init_method='env://', rank=env.rank, world_size=env.world_size, **kwargs)
    return env


def prepare_runner_launch(cfg, launcher: str) -> DistEnv:
    """Make an mmengine ``Runner`` config start on this machine.

    With CUDA, or with ``--launcher mpi``, the config is left alone (mmengine
    starts NCCL itself). Without CUDA and with ``pytorch`` or ``slurm``:
    ``env_cfg.dist_cfg.backend`` becomes ``'gloo'``, the DDP wrapper gets
    ``device_ids=None`` (a CPU module), and the gloo process group is started
    here.

    Args:
        cfg: the mmengine ``Config`` about to be given to ``Runner.from_cfg``.
        launcher: the ``--launcher`` value (``cfg.launcher`` is set to it).

    Returns:
        the process's :class:`DistEnv`.
    """
    import torch
    cfg.launcher = launcher
    if launcher in ('none', 'mpi'):
        return DistEnv()
    if torch.cuda.is_available():
        return read_dist_env(launcher)
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    elif 'DistributedDataParallel' in str(wrapper.get('type', 'MMDistributedDataParallel')):
        wrapper['device_ids'] = None
    return init_process_group(launcher, 'gloo', dist_cfg.get('timeout'))
