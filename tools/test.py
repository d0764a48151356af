"""Evaluate a checkpoint on a config's test set with mmengine's Runner.

Examples::

    python tools/test.py CONFIG CHECKPOINT --dump results.pkl
    python tools/test.py halpe26-student          # the bundled weights of the model index

CONFIG is a config path, a model name or alias of ``model-index.yml``, or a
config file name (without ``.py``) found under ``configs/``. CHECKPOINT may be
left out for a model of the index: its bundled weights are used (none for a
model whose config names its own ONNX weight files). A distillation config
(``model.student``) is evaluated with its student.

The checkpoint is checked against the model before testing: a checkpoint of
another architecture or keypoint count is refused with its missing,
unexpected and mis-shaped keys named (:func:`mmalphapose.utils.check_state_dict`),
never evaluated with random weights. Bad paths and such refusals are one-line
errors with exit status 2.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config
from mmengine.runner import Runner

from mmalphapose.utils.options import CfgOptionsAction

NO_CHECKPOINT = 'none'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='config path, model name/alias or config name')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        default=None,
        help='checkpoint file (default: the weights the model index lists for the '
        f'config; "{NO_CHECKPOINT}" to evaluate the weights the config builds)')
    parser.add_argument('--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', help='write the computed metrics to this JSON file')
    parser.add_argument('--dump', type=str, help='dump predictions to a pickle file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. test_dataloader.batch_size=4')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


def resolve_inputs(config: str, checkpoint: Optional[str]):
    """(config path, checkpoint path or None) from the command line."""
    from mmalphapose.apis import find_checkpoint_for, find_model, resolve_pose_config
    try:
        cfg_path = resolve_pose_config(config)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    if checkpoint == NO_CHECKPOINT:
        return cfg_path, None
    if checkpoint is None:
        entry = find_model(config)
        found = find_checkpoint_for(cfg_path)
        if found:
            return cfg_path, found
        if entry is not None and not entry.weights:
            return cfg_path, None  # the config names its own (ONNX) weight files
        raise UsageError(f'no checkpoint given for "{config}" and the model index lists '
                         f'no weights for it; pass CHECKPOINT (or "{NO_CHECKPOINT}")')
    from mmalphapose.utils.errors import require_file
    try:
        require_file(checkpoint, 'checkpoint')
    except (OSError, ValueError) as exc:  # missing, a folder, a FIFO
        raise UsageError(str(exc)) from None
    return cfg_path, checkpoint


def student_config(cfg: Config) -> Config:
    """A distillation config is evaluated with its student model."""
    model = cfg.get('model') or {}
    if isinstance(model, dict) and 'student' in model:
        cfg.model = model['student']
    return cfg


def merge_args(cfg: Config, args: argparse.Namespace, config_path: str) -> Config:
    cfg.launcher = args.launcher
    cfg.load_from = None  # loaded (and checked) by load_checked_checkpoint
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise UsageError('--dump must end with .pkl or .pickle')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = [*cfg.test_evaluator, dump_metric]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if not cfg.get('test_dataloader') or not cfg.get('test_evaluator') \
            or cfg.get('test_cfg') is None:
        raise UsageError(f'config "{config_path}" has no test_dataloader / test_evaluator / '
                         'test_cfg; add them or set them with --cfg-options')
    check_test_data(cfg, config_path)
    return cfg


def check_test_data(cfg: Config, config_path: str) -> None:
    """The test set's annotation file and image folder exist (else the
    DataLoader workers fail with a message that names no file).

    Raises:
        UsageError: naming the missing file and how to point the config at
            the data.
    """
    ds = cfg.test_dataloader.get('dataset', {}) if isinstance(cfg.test_dataloader, dict) else {}
    while isinstance(ds, dict) and 'dataset' in ds and 'ann_file' not in ds:
        ds = ds['dataset']  # wrappers (RepeatDataset, ...)
    if not isinstance(ds, dict):
        return
    root = ds.get('data_root') or ''
    ann = ds.get('ann_file')
    hint = ('; point the config at your copy with --cfg-options '
            'test_dataloader.dataset.data_root=DIR (and test_evaluator.ann_file=FILE), '
            'see docs/train_test.md')
    if ann and not str(ann).startswith(('http://', 'https://', 's3://')):
        path = ann if osp.isabs(ann) else osp.join(root, ann)
        if not osp.isfile(path):
            raise UsageError(f'the test set of "{config_path}" is not here: annotation file '
                             f'"{path}" not found{hint}')
    img = (ds.get('data_prefix') or {}).get('img') if isinstance(ds.get('data_prefix'),
                                                                 dict) else None
    if img is not None:
        folder = img if osp.isabs(img) else osp.join(root, img)
        if folder and not osp.isdir(folder):
            raise UsageError(f'the test set of "{config_path}" is not here: image folder '
                             f'"{folder}" not found{hint}')


def load_checked_checkpoint(runner: Runner, checkpoint: str, config_path: str) -> None:
    """Load ``checkpoint`` into the runner's model after
    :func:`check_state_dict` accepted it (``weights_only=True``)."""
    from mmengine.model import is_model_wrapper

    from mmalphapose.utils import check_state_dict, safe_torch_load, student_state
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    ckpt = safe_torch_load(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    if isinstance(state, dict) and not any(k.startswith('student.') for k in model.state_dict()):
        state = student_state(state)
    state = check_state_dict(model, state, checkpoint, config_path)
    model.load_state_dict(state, strict=False)
    print(f'tools/test.py: loaded {checkpoint} ({len(state)} tensors, all model keys)', flush=True)


def _fail(exc: Exception) -> None:
    print(' '.join(f'tools/test.py: error: {exc}'.split()), file=sys.stderr)
    sys.exit(2)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmalphapose.utils import check_versions, enable_safe_checkpoint_loading
    check_versions()
    # Runner checkpoints (resume, load_from) load with weights_only=True
    enable_safe_checkpoint_loading()
    try:
        config_path, checkpoint = resolve_inputs(args.config, args.checkpoint)
        from mmalphapose.utils.config import load_config
        cfg = merge_args(student_config(load_config(config_path)), args, config_path)
    except UsageError as exc:
        _fail(exc)
    from mmalphapose.utils.dist_launch import LaunchError, prepare_runner_launch
    try:  # gloo on a CPU machine (mmengine's init_dist needs CUDA), NCCL on GPUs
        prepare_runner_launch(cfg, args.launcher)
    except LaunchError as exc:
        _fail(exc)
    runner = Runner.from_cfg(cfg)
    if checkpoint is None:
        print(
            f'tools/test.py: no checkpoint: evaluating the weights "{config_path}" builds',
            flush=True)
    else:
        try:
            load_checked_checkpoint(runner, checkpoint, config_path)
        except (ValueError, RuntimeError) as exc:  # mismatch / unsafe pickle
            _fail(exc)
    metrics = runner.test()
    if args.out:
        import json
        with open(args.out, 'w') as f:
            json.dump({
                k: float(v) if hasattr(v, '__float__') else v
                for k, v in metrics.items()
            },
                      f,
                      indent=2)
    print(metrics)
    return metrics


if __name__ == '__main__':
    from mmalphapose.utils.errors import run_cli
    sys.exit(run_cli(main))
