"""tools/distill/export_student.py: student-only, float16, weights_only-loadable."""
import importlib.util
import os.path as osp

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'export_student', osp.join(ROOT, 'tools', 'distill', 'export_student.py'))
exp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(exp)


def test_student_state_strips_and_halves():
    ckpt = dict(
        state_dict={
            'student.backbone.w': torch.ones(2, 2),
            'student.bn.num_batches_tracked': torch.tensor(5),
            'teacher.x': torch.zeros(3)
        },
        optimizer={'state': {}})
    s = exp.student_state(ckpt)
    assert set(s) == {'backbone.w', 'bn.num_batches_tracked'}
    assert s['backbone.w'].dtype == torch.float16
    assert s['bn.num_batches_tracked'].dtype == torch.int64
    s32 = exp.student_state(ckpt, fp16=False)
    assert s32['backbone.w'].dtype == torch.float32


def test_export_roundtrip(tmp_path, monkeypatch):
    src = tmp_path / 'epoch_1.pth'
    lin = torch.nn.Linear(3, 2)
    torch.save(
        dict(
            state_dict={
                f'student.{k}': v
                for k, v in lin.state_dict().items()
            },
            meta=dict(epoch=1, iter=10)), src)
    dst = tmp_path / 'out.pth'
    monkeypatch.setattr('sys.argv', ['x', str(src), str(dst), '--config', 'cfg.py'])
    exp.main()
    out = torch.load(dst, map_location='cpu', weights_only=True)
    assert out['meta']['dataset_meta']['num_keypoints'] == 26
    lin2 = torch.nn.Linear(3, 2)
    lin2.load_state_dict(out['state_dict'])  # fp16 values widened on copy
    torch.testing.assert_close(lin2.weight, lin.weight, atol=1e-3, rtol=1e-3)
    assert len(exp.sha256(str(dst))) == 64
