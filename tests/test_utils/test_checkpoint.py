"""Checkpoint save/load through mmengine with torch 2.13 (weights_only=True)."""
import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import load_checkpoint, save_checkpoint
from torch import nn

from mmalphapose.utils import enable_safe_checkpoint_loading, safe_torch_load


class _Evil:

    def __reduce__(self):
        return (print, ('pwned', ))


def _runner_like_checkpoint(model):
    hb = HistoryBuffer()
    hb.update(0.5)
    return dict(
        meta=dict(epoch=3, iter=10, seed=np.int64(7), cfg='x = 1'),
        state_dict=model.state_dict(),
        message_hub=dict(
            log_scalars={'train/loss': hb},
            runtime_info={
                'arr': np.arange(3, dtype=np.float32),
                'f': np.float64(1.5)
            }),
    )


def test_runner_style_checkpoint_loads_weights_only(tmp_path):
    enable_safe_checkpoint_loading()
    model = nn.Linear(3, 2)
    path = str(tmp_path / 'ckpt.pth')
    torch.save(_runner_like_checkpoint(model), path)
    # plain torch.load with weights_only=True would fail without the allow-list
    ckpt = safe_torch_load(path)
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    np.testing.assert_array_equal(ckpt['message_hub']['runtime_info']['arr'], [0, 1, 2])
    # mmengine's own loader goes through the same safe path
    other = nn.Linear(3, 2)
    load_checkpoint(other, path, map_location='cpu')
    assert torch.equal(other.weight, model.weight)


def test_mmengine_save_then_load(tmp_path):
    enable_safe_checkpoint_loading()
    model = nn.Conv2d(3, 4, 3)
    path = str(tmp_path / 'm.pth')
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(x=np.float32(2))), path)
    fresh = nn.Conv2d(3, 4, 3)
    load_checkpoint(fresh, path)
    assert torch.equal(fresh.weight, model.weight)


def test_unsafe_pickle_refused_with_clear_message(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'x': _Evil()}, path)
    with pytest.raises(RuntimeError, match='trusted=True'):
        safe_torch_load(path)
    # the global escape hatch stays off
    assert not torch.serialization._default_to_weights_only(None) is False


def test_missing_file_is_clear(tmp_path):
    enable_safe_checkpoint_loading()
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(nn.Linear(1, 1), str(tmp_path / 'nope.pth'))


def test_safe_torch_load_allow_lists_only_for_its_own_call(tmp_path):
    """Without the process-wide switch, safe_torch_load still reads a Runner
    checkpoint, and afterwards torch's global allow-list and mmengine are as
    before (fresh interpreter)."""
    import json
    import os
    import subprocess
    import sys
    path = str(tmp_path / 'ckpt.pth')
    torch.save(_runner_like_checkpoint(nn.Linear(3, 2)), path)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ('import json, torch\n'
            'from mmalphapose.utils import checkpoint as ck\n'
            'before = len(torch.serialization.get_safe_globals())\n'
            f'ckpt = ck.safe_torch_load({path!r})\n'
            'print(json.dumps(dict(\n'
            '    hub=type(ckpt["message_hub"]["log_scalars"]["train/loss"]).__name__,\n'
            '    added=len(torch.serialization.get_safe_globals()) - before,\n'
            '    enabled=ck.safe_checkpoint_loading_enabled())))\n')
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         env=env,
                         cwd=root)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out == dict(hub='HistoryBuffer', added=0, enabled=False)


def test_not_a_checkpoint_is_told_apart_from_a_refused_one(tmp_path):
    from mmalphapose.utils import CheckpointError, UnsafeCheckpointError
    text = tmp_path / 'notes.pth'
    text.write_text('plain text')
    with pytest.raises(CheckpointError, match='is not a PyTorch checkpoint') as err:
        safe_torch_load(str(text))
    assert not isinstance(err.value, UnsafeCheckpointError)
    assert 'trusted' not in str(err.value) and str(text) in str(err.value)
    good = tmp_path / 'ok.pth'
    torch.save({'w': torch.ones(2)}, str(good))
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(CheckpointError, match='corrupt/truncated'):
        safe_torch_load(str(cut))
    evil = tmp_path / 'evil.pth'
    torch.save({'x': _Evil()}, str(evil))
    with pytest.raises(UnsafeCheckpointError, match='asks for the Python global "print"'):
        safe_torch_load(str(evil))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_torch_load(str(tmp_path / 'nope.pth'))


def test_student_state_strips_the_distiller_prefix_only_when_present():
    from mmalphapose.utils import student_state
    distiller = {'student.backbone.w': 1, 'student.head.b': 2, 'teacher_stats': 3}
    assert student_state(distiller) == {'backbone.w': 1, 'head.b': 2}
    plain = {'backbone.w': 1, 'head.b': 2}
    assert student_state(plain) is plain
