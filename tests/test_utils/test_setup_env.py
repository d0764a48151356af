"""register_all_modules: registers everything and sets up the process, as an
MMPose user expects (fresh interpreter)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_register_all_modules_sets_up_the_process():
    code = ('import json\n'
            'from mmengine.registry import DefaultScope\n'
            'from mmalphapose.registry import MODELS, TRACKERS\n'
            'from mmalphapose.utils import checkpoint, register_all_modules\n'
            'before = checkpoint.safe_checkpoint_loading_enabled()\n'
            'register_all_modules(init_default_scope=False)\n'
            'scope_after_false = DefaultScope.get_current_instance()\n'
            'register_all_modules()\n'
            'print(json.dumps(dict(\n'
            '    before=before, enabled=checkpoint.safe_checkpoint_loading_enabled(),\n'
            '    scope_after_false=scope_after_false is not None,\n'
            '    scope=DefaultScope.get_current_instance().scope_name,\n'
            '    models="SIKRHead" in MODELS.module_dict,\n'
            '    trackers="PoseAwareTracker" in TRACKERS.module_dict)))\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=ROOT,
                         env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out == dict(
        before=False,
        enabled=True,
        scope_after_false=False,
        scope='mmalphapose',
        models=True,
        trackers=True)
