"""``import mmalphapose`` is light and has no side effects (fresh interpreters)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=ROOT,
                         env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_import_pulls_neither_torch_nor_the_runner():
    out = _run(
        'import json, sys, warnings\n'
        'with warnings.catch_warnings(record=True) as rec:\n'
        '    warnings.simplefilter("always")\n'
        '    import mmalphapose\n'
        'print(json.dumps(dict(\n'
        '    heavy=sorted(m for m in ("torch", "mmengine", "mmengine.runner", "mmcv", "cv2",\n'
        '                             "numpy") if m in sys.modules),\n'
        '    ours=sorted(m for m in sys.modules if m.startswith("mmalphapose")),\n'
        '    warnings=[str(w.message) for w in rec],\n'
        '    version=mmalphapose.__version__)))\n')
    assert out['heavy'] == []
    assert out['ours'] == ['mmalphapose', 'mmalphapose.version']
    assert out['warnings'] == []  # no version check at import
    assert out['version'].count('.') == 2


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_import_leaves_mmengine_checkpoint_loading_alone():
    """mmengine's local loader and HistoryBuffer pickling are untouched by the
    imports; the explicit call changes both, and a second call changes nothing."""
    out = _run('import json\n'
               'from mmengine.logging.history_buffer import HistoryBuffer\n'
               'from mmengine.runner.checkpoint import CheckpointLoader\n'
               'def state():\n'
               '    return [CheckpointLoader._schemes[""].__module__,\n'
               '            HistoryBuffer.__getstate__.__module__]\n'
               'before = state()\n'
               'import mmalphapose, mmalphapose.registry, mmalphapose.utils\n'
               'from mmalphapose.utils import checkpoint as ck\n'
               'after_import = state()\n'
               'enabled_on_import = ck.safe_checkpoint_loading_enabled()\n'
               'mmalphapose.utils.enable_safe_checkpoint_loading()\n'
               'loader = CheckpointLoader._schemes[""]\n'
               'mmalphapose.utils.enable_safe_checkpoint_loading()\n'
               'print(json.dumps(dict(before=before, after_import=after_import,\n'
               '    enabled_on_import=enabled_on_import, after_enable=state(),\n'
               '    idempotent=CheckpointLoader._schemes[""] is loader)))\n')
    assert out['before'] == out['after_import']
    assert out['before'] == ['mmengine.runner.checkpoint', 'mmengine.logging.history_buffer']
    assert not out['enabled_on_import']
    assert out['after_enable'] == ['mmalphapose.utils.checkpoint'] * 2
    assert out['idempotent']


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_alphapose_is_resolved_lazily():
    """``mmalphapose.AlphaPose`` is looked up in ``mmalphapose.apis`` on first
    access only; unknown names raise AttributeError."""
    out = _run('import json, sys\n'
               'import mmalphapose\n'
               'before = "mmalphapose.apis" in sys.modules\n'
               'try:\n'
               '    mmalphapose.no_such_name\n'
               '    unknown = "no error"\n'
               'except AttributeError as exc:\n'
               '    unknown = str(exc)\n'
               'from mmalphapose import AlphaPose\n'
               'import mmalphapose.apis\n'
               'print(json.dumps(dict(before=before, unknown=unknown,\n'
               '                      listed="AlphaPose" in dir(mmalphapose),\n'
               '                      same=AlphaPose is mmalphapose.apis.AlphaPose)))\n')
    assert out['before'] is False
    assert out['same']
    assert 'no_such_name' in out['unknown']
    assert out['listed']
