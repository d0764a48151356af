"""Train a model from a config with mmengine's Runner.

Example: ``python tools/train.py configs/body_2d_keypoint/.../xxx.py --work-dir work_dirs/x``

CONFIG is a config path, a model name or alias of ``model-index.yml``, or a
config file name (without ``.py``) found under ``configs/``; one that is none
of these is a one-line error (exit status 2). ``--amp`` picks fp16
``AmpOptimWrapper`` on a GPU and the bf16 ``AutocastOptimWrapper`` on the CPU
(and says when the CPU has no bf16 units).
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from mmalphapose.utils.options import CfgOptionsAction


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='config path, model name/alias or config name')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or the latest one in work_dir when no path is given'
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: fp16 on a GPU, bf16 autocast on the CPU')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale lr by the batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. train_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line switches to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        from mmalphapose.engine.optim_wrappers import amp_optim_wrapper
        cfg.optim_wrapper, note = amp_optim_wrapper(cfg.optim_wrapper)
        print(note, flush=True)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict(base_batch_size=256))
        cfg.auto_scale_lr.enable = True
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def load_config(name: str) -> Config:
    """Config from a path, model name/alias or config name; a bad name is a
    one-line error and exit status 2."""
    from mmalphapose.apis import resolve_pose_config
    from mmalphapose.utils.config import load_config as _load
    try:
        return _load(resolve_pose_config(name))
    except (FileNotFoundError, ValueError) as exc:
        print(' '.join(f'tools/train.py: error: {exc}'.split()), file=sys.stderr)
        sys.exit(2)


def start_launcher(cfg: Config, launcher: str, tool: str) -> None:
    """Join the job's process group: NCCL on GPUs through mmengine, gloo on a
    CPU machine (mmengine's ``init_dist`` needs CUDA); see
    :mod:`mmalphapose.utils.dist_launch`. A launcher started without its
    environment is a one-line error (exit status 2)."""
    from mmalphapose.utils.dist_launch import LaunchError, prepare_runner_launch
    try:
        prepare_runner_launch(cfg, launcher)
    except LaunchError as exc:
        print(f'{tool}: error: {exc}', file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> None:
    args = parse_args(argv)
    from mmalphapose.utils import check_versions, enable_safe_checkpoint_loading
    from mmalphapose.utils.io import enable_atomic_checkpoint_saving
    check_versions()
    # Runner checkpoints (resume, load_from) load with weights_only=True
    enable_safe_checkpoint_loading()
    # epoch_N.pth is written to a temp file and renamed: a full disk or a kill
    # never leaves a truncated checkpoint
    enable_atomic_checkpoint_saving()
    cfg = load_config(args.config)
    cfg = merge_args(cfg, args)
    start_launcher(cfg, args.launcher, 'tools/train.py')
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    from mmalphapose.utils.errors import run_cli
    sys.exit(run_cli(main))
