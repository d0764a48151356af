"""Pose (+ tracking) over many images and videos, sharded over processes and
resumable.

    python tools/infer.py INPUTS... --out-dir D [--launcher none|pytorch|slurm] [demo options]
    tools/dist_infer.sh NPROC INPUTS... --out-dir D [demo options]      # one machine
    tools/slurm_infer.sh PARTITION JOB INPUTS... --out-dir D [demo options]

INPUTS (first on the command line, before any option): folders (walked
recursively), globs, ``.txt`` lists or files. Every other option of
``demo/topdown_demo.py`` (``--pose-config``, ``--track``, ``--format`` ...) is
accepted and means the same. Each rank takes its deterministic shard of the
inputs (balanced by file size), writes the outputs of each input and then
its ``<stem>.done.json`` marker; complete inputs are skipped, so re-running
the same command after a crash or pre-emption does only what is missing.
Rank 0 writes ``D/manifest.json`` when all ranks are done. See
``docs/distributed.md`` and :mod:`mmalphapose.apis.sharding`.

Device: ``cuda:{LOCAL_RANK}`` when CUDA is available (one GPU per rank), else
the CPU with the machine's cores split between its ranks. Exit status: 0 all
inputs complete, 1 some failed (listed in the manifest), 2 bad arguments,
130 interrupted.
"""
import argparse
import datetime
import os
import os.path as osp
import sys
import time

# torch's OpenMP threads busy-wait by default (as the demo, before torch loads)
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
from mmalphapose.apis import cli  # noqa: E402
from mmalphapose.apis.backends import keep_freed_memory  # noqa: E402
from mmalphapose.utils.options import arg_type, check_device, device_arg  # noqa: E402

TOOL = 'tools/infer.py'


def split_argv(argv):
    """(inputs, options): the leading arguments up to the first option are inputs."""
    argv = list(sys.argv[1:] if argv is None else argv)
    n = next((i for i, a in enumerate(argv) if a.startswith('-')), len(argv))
    return argv[:n], argv[n:]


def parse_args(argv=None):
    """(run options, demo options). Raises SystemExit(2) on bad arguments."""
    inputs, rest = split_argv(argv)
    p = argparse.ArgumentParser(
        prog=TOOL,
        usage=f'{TOOL} INPUTS... --out-dir D [options] [demo options]',
        description=__doc__.split('\n\n')[0].replace('\n', ' '))
    p.add_argument('--out-dir', required=True, help='output folder (the resume state)')
    p.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='how the processes were started (torch.distributed.run / srun)')
    p.add_argument(
        '--device',
        type=device_arg,
        default='auto',
        help='auto: cuda:{LOCAL_RANK} with CUDA, else cpu')
    p.add_argument(
        '--dist-timeout',
        type=arg_type('dist_timeout'),
        default=7 * 24 * 3600,
        help='seconds a rank waits for the others at the final barrier')
    if any(a in ('-h', '--help') for a in rest) or not rest and not inputs:
        p.print_help()
        print('\ndemo options (demo/topdown_demo.py):')
        cli.parse_args(['--help'])
    args, demo_argv = p.parse_known_args(rest)
    if not inputs:
        p.error('give INPUTS (folders, globs, .txt lists or files) before the options')
    args.inputs = inputs
    demo = cli.parse_args([inputs[0]] + demo_argv)
    return args, demo


def pick_device(device: str, local_rank: int) -> str:
    """``cuda:{local_rank}`` for ``auto``/``cuda`` with CUDA, else as given."""
    import torch
    if device in ('auto', 'cuda'):
        if not torch.cuda.is_available():
            if device == 'cuda':
                check_device(device)  # the one-line reason
            return 'cpu'
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f'local rank {local_rank} has no GPU (only '
                             f'{torch.cuda.device_count()} visible): start one process per GPU')
        return f'cuda:{local_rank}'
    return check_device(device)


def split_threads(local_world_size: int, workers: int, stage_threads=None) -> int:
    """Intra-op threads per stage: the cores of this process (the machine's
    cores over its ranks), halved when the stages overlap (``workers > 0``)."""
    if stage_threads:
        return int(stage_threads)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    per_rank = max(1, cores // max(1, local_world_size))
    return max(1, per_rank // 2) if workers > 0 else per_rank


def _share_plan(env, out_dir: str, inputs):
    """Rank 0 lists the inputs and the pending ones and sends the plan to all
    ranks (so every rank shards the same list)."""
    from mmalphapose.apis.sharding import list_inputs, pending_items
    plan = [None]
    if env.rank == 0:
        try:
            items = list_inputs(inputs, exclude=out_dir)
            plan = [dict(items=items, pending=pending_items(out_dir, items), error=None)]
        except (FileNotFoundError, OSError) as exc:
            plan = [dict(items=[], pending=[], error=str(exc))]
    if env.world_size > 1:
        import torch.distributed as dist
        dist.broadcast_object_list(plan, src=0)
    return plan[0]


def main(argv=None) -> int:
    """Exit code: 0 all inputs complete, 1 some failed, 2 bad arguments or
    model files (one line, see utils/errors.py), 130 interrupted."""
    from mmalphapose.utils.errors import run_cli
    return run_cli(_main, argv)


def _main(argv=None) -> int:
    t0 = time.perf_counter()
    args, demo = parse_args(argv)
    keep_freed_memory()
    from mmalphapose.apis.sharding import assign_shards, build_manifest, run_shard, write_manifest
    from mmalphapose.utils.dist_launch import LaunchError, init_process_group
    from mmalphapose.utils.errors import interrupt_exit_code
    from mmalphapose.utils.options import check_out_dir
    if args.launcher == 'none' and int(os.environ.get('WORLD_SIZE', 1)) > 1:
        print(
            f'{TOOL}: error: started by a launcher (WORLD_SIZE={os.environ["WORLD_SIZE"]}) '
            'with --launcher none: every process would do every input; pass '
            '--launcher pytorch (or slurm)',
            file=sys.stderr)
        return 2
    try:  # gloo even next to GPUs: the run only needs a broadcast and a barrier
        env = init_process_group(args.launcher, 'gloo', args.dist_timeout)
    except LaunchError as exc:
        print(f'{TOOL}: error: {exc}', file=sys.stderr)
        return 2
    import torch.distributed as dist
    distributed = dist.is_available() and dist.is_initialized()
    out_dir = osp.abspath(args.out_dir)
    if env.rank == 0:
        check_out_dir(out_dir)
    plan = _share_plan(env, out_dir, args.inputs)
    if plan['error']:
        if env.rank == 0:
            print(f'{TOOL}: error: {plan["error"]}', file=sys.stderr)
        return 2
    shard = assign_shards(plan['pending'], env.world_size)[env.rank]
    print(
        f'[rank {env.rank}/{env.world_size}] {len(shard)} of {len(plan["pending"])} '
        f'pending inputs ({len(plan["items"])} in all)',
        flush=True)
    status = 0
    if shard:
        try:
            import cv2
            device = pick_device(args.device, env.local_rank)
            threads = split_threads(env.local_world_size, demo.workers, demo.stage_threads)
            cv2.setNumThreads(threads)
            inferencer = cli.build_inferencer(demo, device, threads, show_progress=False)
        except (FileNotFoundError, ValueError, ImportError) as exc:
            print(f'{TOOL}: error: {" ".join(str(exc).split())}', file=sys.stderr)
            return 2
        print(
            f'[rank {env.rank}] {device}, {threads} threads per stage\n'
            f'{inferencer.describe()}',
            flush=True)
        if inferencer.random_weights:
            print('WARNING: the pose model has RANDOM WEIGHTS; keypoints are meaningless.')
        try:
            run_shard(
                inferencer,
                shard,
                out_dir,
                cli.run_options(demo),
                env.rank,
                log=lambda line: print(line, flush=True))
        except KeyboardInterrupt:
            print(f'[rank {env.rank}] INTERRUPTED: re-run the same command to finish', flush=True)
            return interrupt_exit_code()  # 130 Ctrl-C, 143 SIGTERM
    if distributed:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=args.dist_timeout))
    if env.rank == 0:
        manifest = build_manifest(out_dir, plan['items'], env.world_size,
                                  round(time.perf_counter() - t0, 3))
        path = write_manifest(out_dir, manifest)
        tot = manifest['totals']
        print(
            f'{tot["complete"]}/{tot["inputs"]} inputs complete, {tot["failed"]} failed, '
            f'{tot["missing"]} missing; {tot["frames"]} frames, {tot["people"]} people; '
            f'{manifest["wall_seconds"]:.1f} s wall on {env.world_size} process(es)\n'
            f'manifest: {path}',
            flush=True)
        status = 0 if tot['complete'] == tot['inputs'] else 1
    if distributed:
        dist.destroy_process_group()
    return status


if __name__ == '__main__':
    sys.exit(main())
