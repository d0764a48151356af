"""`import mmalphapose`, a non-DCN model and a DCN one (pure-PyTorch fallback) work when
mmcv._ext and mmdet are absent."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

BLOCKER = r'''
import sys
import importlib.abc


class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == 'mmcv._ext' or name == 'mmdet' or name.startswith('mmdet.'):
            raise ImportError(f'{name} blocked for this test')
        return None


sys.meta_path.insert(0, _Block())
sys.argv = ['smoke_core.py']
import runpy
runpy.run_path(r'%s', run_name='__main__')
'''


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_import_and_forward_without_compiled_ops():
    code = BLOCKER % osp.join(REPO, 'tests', 'smoke_core.py')
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'core smoke ok' in res.stdout
    # with the ops blocked, DCN runs on the pure-PyTorch fallback
    assert 'DCN: forward ok, pure-PyTorch fallback' in res.stdout, res.stdout
