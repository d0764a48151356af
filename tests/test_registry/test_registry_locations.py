"""Every registered name resolves through its registry's ``locations`` only.

One fresh interpreter imports only ``mmalphapose.registry`` (plus third-party
packages, so that forks are cheap) and forks:

* one child that imports every module of the package and lists what each
  mmalphapose registry holds (the ground truth; the test stand-ins of
  ``mmalphapose.testing`` are left out: their configs import them through
  ``custom_imports``);
* then one child per registry (so that one registry's imports cannot help
  another) that calls ``registry.get(name)`` for each of those names, as
  mmengine's lazy import does when a config names a type.
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r'''
import importlib, json, os, pkgutil, sys
import cv2, numpy, torch, mmengine.runner, mmengine.model, mmengine.dataset  # noqa
import mmalphapose.registry as R
from mmengine.registry import Registry
ours = sorted(m for m in sys.modules if m.startswith('mmalphapose'))
assert ours == ['mmalphapose', 'mmalphapose.registry', 'mmalphapose.version'], ours


def in_child(fn):
    """Run fn() in a forked child; return the pid and a pipe with its JSON."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        try:
            out = fn()
        except BaseException as exc:
            out = {'error': f'{type(exc).__name__}: {exc}'}
        os.write(wr, json.dumps(out).encode())
        os._exit(0)
    os.close(wr)
    return pid, rd


def collect(pid, rd):
    chunks = []
    while True:
        chunk = os.read(rd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(rd)
    os.waitpid(pid, 0)
    return json.loads(b''.join(chunks) or b'{"error": "child crashed"}')


def ground_truth():
    import mmalphapose
    failed = {}
    for info in pkgutil.walk_packages(mmalphapose.__path__, 'mmalphapose.'):
        if info.name.endswith('__main__'):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError as exc:  # optional dependency (mmdet, mmcv ops)
            failed[info.name] = str(exc)
    # mmalphapose.testing's stand-ins are reached through custom_imports instead
    regs = {name: {k: v.__module__ for k, v in reg.module_dict.items()
                   if not v.__module__.startswith('mmalphapose.testing')}
            for name, reg in vars(R).items()
            if isinstance(reg, Registry) and reg.scope == 'mmalphapose'}
    third_party = sorted(m for m in sys.modules
                         if m.split('.')[0] not in ('mmalphapose', '__main__'))
    return dict(registries=regs, failed=failed, third_party=third_party)


def lookup(reg_name, keys):
    reg = getattr(R, reg_name)
    missing = []
    for key in keys:
        try:
            if reg.get(key) is None:
                missing.append(key)
        except Exception as exc:
            missing.append(f'{key} ({type(exc).__name__}: {exc})')
    return missing


truth = collect(*in_child(ground_truth))
# preload the third-party modules the package uses, so that each child only
# runs mmalphapose's own modules (third-party imports register nothing of ours)
for name in truth.pop('third_party', []):
    try:
        importlib.import_module(name)
    except Exception:
        pass
ours = sorted(m for m in sys.modules if m.startswith('mmalphapose'))
assert ours == ['mmalphapose', 'mmalphapose.registry', 'mmalphapose.version'], ours
children = {name: in_child(lambda name=name, keys=keys: lookup(name, sorted(keys)))
            for name, keys in truth.get('registries', {}).items() if keys}
truth['missing'] = {name: collect(*child) for name, child in children.items()}
print(json.dumps(truth))
'''


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_every_registered_name_resolves_through_locations():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-c', SCRIPT],
                         capture_output=True,
                         text=True,
                         cwd=ROOT,
                         env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert 'error' not in out, out['error']
    bad_imports = {
        m: e
        for m, e in out['failed'].items() if not any(opt in e for opt in ('mmdet', 'mmcv'))
    }
    assert not bad_imports, f'modules that fail to import: {bad_imports}'
    registries = out['registries']
    for reg in ('MODELS', 'DATASETS', 'TRANSFORMS', 'KEYPOINT_CODECS', 'METRICS', 'POSE_NMS',
                'TRACKERS', 'HOOKS', 'WEIGHT_INITIALIZERS', 'DATA_SAMPLERS'):
        assert registries.get(reg), f'{reg} holds no names'
    assert set(out['missing']) == {k for k, v in registries.items() if v}
    missing = {reg: keys for reg, keys in out['missing'].items() if keys}
    where = {
        reg: sorted({registries[reg].get(k.split(' ')[0], '?')
                     for k in keys})
        for reg, keys in missing.items() if isinstance(keys, list)
    }
    assert not missing, ('names not reachable through their registry locations '
                         f'(fix mmalphapose/registry.py): {missing}; defined in {where}')
