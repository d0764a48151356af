"""tools/infer.py, tools/dist_infer.sh and tools/slurm_infer.sh: sharded,
resumable inference on the sample images and clip with the stand-in model."""
import glob
import importlib.util
import json
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys

import cv2
import pytest
import torch

from mmalphapose.testing import write_standin_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_infer():
    spec = importlib.util.spec_from_file_location('infer_tool', osp.join(ROOT, 'tools', 'infer.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def inputs(tmp_path, data_root):
    """4 COCO images, a sub-folder with the 20-frame clip and a same-named image."""
    root = tmp_path / 'in'
    (root / 'sub').mkdir(parents=True)
    for p in glob.glob(osp.join(data_root, 'coco', '*.jpg')):
        shutil.copy(p, root)
    shutil.copy(osp.join(data_root, 'videos', 'basketball_20f.mp4'), root / 'sub')
    shutil.copy(osp.join(data_root, 'coco', '000000000785.jpg'), root / 'sub')
    return str(root)


@pytest.fixture
def standin(tmp_path):
    return write_standin_config(str(tmp_path))


def _json_outputs(out_dir):
    """{relative path: parsed JSON} of the pose outputs (not markers / manifest)."""
    found = {}
    for p in glob.glob(osp.join(out_dir, '**', '*.json'), recursive=True):
        rel = osp.relpath(p, out_dir)
        if not rel.endswith('.done.json') and rel != 'manifest.json':
            found[rel] = json.load(open(p))
    return found


def _run_in_process(argv):
    """tools/infer.py main() here (launcher none), keeping this process's threads."""
    threads, cv_threads = torch.get_num_threads(), cv2.getNumThreads()
    try:
        return _load_infer().main(argv)
    finally:
        torch.set_num_threads(threads)
        cv2.setNumThreads(cv_threads)


def test_single_process_run_then_resume_redoes_only_the_missing_inputs(
        inputs, standin, tmp_path, capsys):
    out = str(tmp_path / 'out')
    args = [
        inputs, '--out-dir', out, '--pose-config', standin, '--det-config', 'none', '--workers',
        '0', '--stage-threads', '1'
    ]
    assert _run_in_process(args) == 0
    first = _json_outputs(out)
    assert sorted(first) == [
        '000000000785.json', '000000040083.json', '000000196141.json', '000000197388.json',
        'sub/000000000785.json', 'sub/basketball_20f.json'
    ]
    assert len({r['image_id'] for r in first['sub/basketball_20f.json']}) == 20
    man = json.load(open(osp.join(out, 'manifest.json')))
    assert man['totals'] == dict(
        inputs=6,
        complete=6,
        failed=0,
        missing=0,
        frames=25,
        people=25,
        seconds=man['totals']['seconds'])
    video = man['inputs'][osp.join(inputs, 'sub', 'basketball_20f.mp4')]
    assert video['outputs'] == ['sub/basketball_20f.json', 'sub/basketball_20f_vis.mp4']

    # "killed" while doing two inputs: their markers are missing, one JSON is cut short
    os.remove(osp.join(out, 'sub', 'basketball_20f.done.json'))
    os.remove(osp.join(out, '000000196141.done.json'))
    with open(osp.join(out, 'sub', 'basketball_20f.json'), 'w') as f:
        f.write('[{"image_id": "0.jpg", ')
    kept = osp.join(out, '000000040083.json')
    os.utime(kept, (1, 1))
    capsys.readouterr()
    assert _run_in_process(args) == 0
    log = capsys.readouterr().out
    assert '2 of 2 pending inputs (6 in all)' in log
    assert log.count('complete, skipped') == 0  # complete inputs never reach a shard
    assert os.stat(kept).st_mtime == 1  # not rewritten
    assert _json_outputs(out) == first


def test_bad_inputs_and_options_are_one_line_errors(tmp_path, standin, capsys):
    infer = _load_infer()
    missing = str(tmp_path / 'missing.mp4')
    assert infer.main([missing, '--out-dir', str(tmp_path / 'o')]) == 2
    err = capsys.readouterr().err.strip()
    assert 'missing.mp4' in err and len(err.splitlines()) == 1
    image = osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg')
    assert infer.main([image, '--out-dir',
                       str(tmp_path / 'o'), '--smpl', '--format', 'coco'
                       ]) == 2  # the demo's own option checks hold here too
    err = capsys.readouterr().err.strip()
    assert '--smpl' in err and len(err.splitlines()) == 1
    with pytest.raises(SystemExit):  # --out-dir is required
        infer.main([missing])
    with pytest.raises(SystemExit):  # inputs come first
        infer.main(['--out-dir', str(tmp_path / 'o'), missing])


def test_threads_are_split_between_the_ranks_of_a_machine():
    infer = _load_infer()
    cores = len(os.sched_getaffinity(0))
    assert infer.split_threads(1, workers=0) == cores
    assert infer.split_threads(cores * 2, workers=0) == 1
    assert infer.split_threads(1, workers=1) == max(1, cores // 2)
    assert infer.split_threads(4, workers=1, stage_threads=3) == 3
    assert infer.pick_device('cpu', 3) == 'cpu'
    if not torch.cuda.is_available():
        assert infer.pick_device('auto', 1) == 'cpu'
        with pytest.raises(ValueError, match='CUDA is not available'):
            infer.pick_device('cuda', 0)


def _env(**extra):
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        OMP_NUM_THREADS='1',
        PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _run(cmd, env, ok=True):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_two_gloo_processes_match_one_and_resume(inputs, standin, tmp_path):
    opts = ['--pose-config', standin, '--det-config', 'none']
    single = str(tmp_path / 'single')
    _run([sys.executable, 'tools/infer.py', inputs, '--out-dir', single] + opts, _env())
    reference = _json_outputs(single)
    assert len(reference) == 6

    # a run that was stopped after two inputs: their markers exist, nothing else
    out = str(tmp_path / 'two')
    done = [osp.join(out, '000000040083.done.json'), osp.join(out, 'sub', '000000000785.done.json')]
    for marker in done:
        os.makedirs(osp.dirname(marker), exist_ok=True)
        with open(marker, 'w') as f:
            json.dump(
                dict(input='x', outputs=[], frames=1, people=1, seconds=0.1, error=None, rank=0), f)
    log = _run(['bash', 'tools/dist_infer.sh', '2', inputs, '--out-dir', out] + opts,
               _env(PORT=_free_port()))
    assert '[rank 0/2]' in log and '[rank 1/2]' in log
    assert '4 pending inputs (6 in all)' in log
    assert '6/6 inputs complete' in log
    got = _json_outputs(out)
    assert sorted(got) == sorted(set(reference) - {'000000040083.json', 'sub/000000000785.json'})
    assert all(got[k] == reference[k] for k in got)
    man = json.load(open(osp.join(out, 'manifest.json')))
    assert man['world_size'] == 2
    assert {r['rank'] for r in man['inputs'].values()} == {0, 1}

    # the two inputs' markers removed: the re-run does exactly them, on both ranks
    for marker in done:
        os.remove(marker)
    log = _run(['bash', 'tools/dist_infer.sh', '2', inputs, '--out-dir', out] + opts,
               _env(PORT=_free_port()))
    assert '1 of 2 pending inputs (6 in all)' in log
    assert _json_outputs(out) == reference


FAKE_SRUN = r'''#!/usr/bin/env bash
# srun stand-in: start --ntasks copies of the command with slurm's variables
N=1
while [ $# -gt 0 ]; do
    case "$1" in
        -p) shift 2 ;;
        --ntasks=*) N=${1#--ntasks=}; shift ;;
        -*) shift ;;
        *) break ;;
    esac
done
pids=()
for ((i = 0; i < N; i++)); do
    SLURM_PROCID=$i SLURM_NTASKS=$N SLURM_LOCALID=$i SLURM_NNODES=1 \
    SLURM_NODELIST=localhost "$@" &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
exit $rc
'''


@pytest.mark.slow
def test_slurm_infer_script_with_a_stand_in_srun(inputs, standin, tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(FAKE_SRUN)
    (bin_dir / 'srun').chmod(0o755)
    out = str(tmp_path / 'slurm')
    env = _env(
        GPUS=2,
        CPU_ONLY=1,
        CPUS_PER_TASK=1,
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=_free_port(),
        PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')
    log = _run([
        'bash', 'tools/slurm_infer.sh', 'cpu', 'pose', inputs, '--out-dir', out, '--pose-config',
        standin, '--det-config', 'none'
    ], env)
    assert '[rank 1/2]' in log and '6/6 inputs complete' in log
    man = json.load(open(osp.join(out, 'manifest.json')))
    assert man['world_size'] == 2 and man['totals']['complete'] == 6
