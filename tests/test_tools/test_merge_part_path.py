"""tools/distill/merge_part_path.py: a body model and a single-path whole-body
model -> the two-path student, whose body keypoints are the body model's and
whose face / hand heatmaps are the whole-body model's."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmalphapose.registry import MODELS
from mmalphapose.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'merge_part_path', osp.join(ROOT, 'tools', 'distill', 'merge_part_path.py'))
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)
DEC = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)


def _model(backbone: str, k: int, head: str = 'FastPoseHeatmapHead', **head_kw):
    register_all_modules(init_default_scope=False)
    torch.manual_seed(k)
    m = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type=backbone, branch='kpt_heatmap'),
            head=dict(
                type=head,
                in_channels=96,
                out_channels=k,
                final_kernel_size=1,
                decoder=DEC,
                **head_kw)))
    for p in m.parameters():  # distinct weights everywhere
        p.data.normal_(0, 0.05)
    return m.eval()


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_merged_model_reproduces_both_sources(tmp_path):
    body, whole = _model('MoveNetFPN', 5), _model('MoveNetFPN', 9)
    # both students keep MoveNet's stem and first stages: make them equal, as trained
    shared = {
        k: v
        for k, v in body.state_dict().items()
        if k.startswith(('backbone.stem.', 'backbone.stages.0.', 'backbone.stages.1.',
                         'backbone.stages.2.'))
    }
    whole.load_state_dict(shared, strict=False)
    torch.save(dict(state_dict=body.state_dict()), tmp_path / 'body.pth')
    # a distiller checkpoint (student.* keys) is accepted too
    torch.save(
        dict(state_dict={
            'student.' + k: v
            for k, v in whole.state_dict().items()
        }), tmp_path / 'whole.pth')
    assert tool.main([
        str(tmp_path / 'body.pth'),
        str(tmp_path / 'whole.pth'),
        str(tmp_path / 'out.pth'), '--num-body', '5'
    ]) == 0
    merged = _model('MoveNetPartFPN', 9, 'PartPathHeatmapHead', num_body_keypoints=5)
    state = torch.load(tmp_path / 'out.pth', weights_only=True)['state_dict']
    assert set(state) == set(merged.state_dict())
    merged.load_state_dict(state)
    x = torch.randn(2, 3, 128, 96)
    with torch.no_grad():
        out, ref_body, ref_whole = merged(x), body(x), whole(x)
    torch.testing.assert_close(out[:, :5], ref_body)
    torch.testing.assert_close(out[:, 5:], ref_whole[:, 5:])


def test_differing_shared_stages_are_reported_and_bad_input_refused(tmp_path, capsys):
    body, whole = _model('MoveNetFPN', 5), _model('MoveNetFPN', 9)
    state, differ = tool.merge_part_path(body.state_dict(), whole.state_dict(), 3, 5)
    assert differ and all(k.startswith(('backbone.stem', 'backbone.stages.')) for k in differ)
    with pytest.raises(tool.ModelFileError, match='num-body'):
        tool.merge_part_path(body.state_dict(), whole.state_dict(), 3, 9)
    torch.save(dict(state_dict=body.state_dict()), tmp_path / 'body.pth')
    torch.save(dict(state_dict=whole.state_dict()), tmp_path / 'whole.pth')
    assert tool.main([
        str(tmp_path / 'body.pth'),
        str(tmp_path / 'whole.pth'),
        str(tmp_path / 'out.pth'), '--num-body', '5'
    ]) == 0
    assert 'shared weights differ' in capsys.readouterr().out
    code = tool.run_cli(
        tool.main,
        [str(tmp_path / 'nope.pth'),
         str(tmp_path / 'whole.pth'),
         str(tmp_path / 'o.pth')])
    assert code == 2 and 'nope.pth' in capsys.readouterr().err


def test_a_two_path_model_reads_back_as_its_single_path_model():
    body, whole = _model('MoveNetFPN', 5), _model('MoveNetFPN', 9)
    merged, _ = tool.merge_part_path(body.state_dict(), whole.state_dict(), 3, 5)
    single = tool.single_path_state(merged)
    assert set(single) == set(whole.state_dict())
    for k, v in single.items():  # part path and face / hand rows from whole, the rest body
        src = whole if k.startswith(
            ('backbone.stages.3', 'backbone.stages.4', 'backbone.stages.5', 'backbone.stages.6',
             'backbone.last', 'backbone.top', 'backbone.laterals', 'backbone.smooth',
             'backbone.head_stem')) else body
        if k.startswith('head.'):
            torch.testing.assert_close(v[5:], whole.state_dict()[k][5:])
            torch.testing.assert_close(v[:5], body.state_dict()[k])
        else:
            torch.testing.assert_close(v, src.state_dict()[k])
    # re-cut at 5 shared stages: the part path keeps stages 5-6 of the part
    recut, differ = tool.merge_part_path(body.state_dict(), merged, 5, 5)
    assert differ  # stages 3-4 of the old part path are not the body's
    torch.testing.assert_close(recut['backbone.part.stages.0.0.expand.weight'],
                               whole.state_dict()['backbone.stages.5.0.expand.weight'])
