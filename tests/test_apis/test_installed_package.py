"""A non-editable install works from any directory: the wheel carries the
configs, the model index and the bundled models, and the demo and
``AlphaPose()(frame)`` run from a temporary directory with it.

The wheel is installed into a fresh venv that sees the test venv's other
packages (torch, mmengine, ...) through a plain path entry, so the editable
install of this checkout cannot shadow it.
"""
import json
import os
import os.path as osp
import site
import subprocess
import sys
import venv

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp('install')
    wheels = root / 'wheels'
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w',
        str(wheels), REPO
    ],
                   check=True)
    env_dir = root / 'venv'
    venv.create(env_dir, with_pip=False)
    py = env_dir / 'bin' / 'python'
    purelib = subprocess.run(
        [str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()'
         '["purelib"])'],
        check=True,
        capture_output=True,
        text=True).stdout.strip()
    # the other packages of this venv, without its .pth files (no editable finder)
    with open(osp.join(purelib, 'test_deps.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    wheel = next(wheels.glob('mmalphapose-*.whl'))
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', purelib,
        str(wheel)
    ],
                   check=True)
    work = root / 'elsewhere'
    work.mkdir()
    return py, work


def _run(py, work, code_or_args, timeout=600):
    args = ['-c', code_or_args] if isinstance(code_or_args, str) else code_or_args
    env = dict(os.environ, PYTHONPATH='')
    return subprocess.run(
        [str(py)] + args, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_installed_package_resources_and_one_call_api(installed):
    py, work = installed
    res = _run(
        py, work, f'''
import cv2, mmalphapose
from mmalphapose.utils.resources import resource_root
from mmalphapose.apis import default_pose_model, default_detector
assert 'site-packages' in mmalphapose.__file__ or '{work}' not in mmalphapose.__file__
assert str(resource_root()).endswith('.mim'), resource_root()
cfg, ckpt = default_pose_model()
assert cfg and ckpt and default_detector()[0], (cfg, ckpt)
from mmalphapose.apis import AlphaPose
kpts, scores, ids = AlphaPose()(cv2.imread('{REPO}/tests/data/coco/000000197388.jpg'))
assert kpts.shape[0] >= 2 and kpts.shape[1:] == (136, 2) and (ids >= 1).all(), ids
print('people', kpts.shape[0], mmalphapose.__file__)
''')
    assert res.returncode == 0, res.stderr[-3000:]
    assert REPO not in res.stdout.split()[-1]  # the installed copy, not this checkout


@pytest.mark.slow
def test_installed_demo_runs_from_another_directory(installed):
    py, work = installed
    res = _run(py, work, [
        '-m', 'mmalphapose.apis.cli', f'{REPO}/tests/data/coco', '--out-dir', 'out', '--workers',
        '0'
    ])
    assert res.returncode == 0, res.stderr[-3000:]
    recs = json.load(open(work / 'out' / 'coco.json'))
    assert len({r['image_id'] for r in recs}) >= 4 and len(recs[0]['keypoints']) == 136 * 3
