"""tools/train.py and tools/test.py: config names and aliases, one-line errors,
refusing a checkpoint of another architecture, --amp on the CPU, and a
tools/test.py path for every bundled model on the sample data."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = 'sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96'  # a config *name*
STUDENT_CKPT = osp.join(ROOT, 'checkpoints', 'movenet-fpn_heatmap_halpe26-distill-256x256.pth')
# documented in docs/train_test.md: the students' test set -> the bundled samples
SAMPLE_OPTIONS = [
    'test_dataloader.dataset.data_root=tests/data/',
    'test_dataloader.dataset.ann_file=halpe/test_halpe.json',
    'test_dataloader.dataset.data_prefix.img=coco/', 'test_dataloader.num_workers=0',
    'test_evaluator.ann_file=tests/data/halpe/test_halpe.json'
]


def _load_tool(name):
    path = osp.join(ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_tool_{name}', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(args, timeout=900):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable] + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_bad_config_is_one_line_exit_2(tool, capsys):
    mod = _load_tool(tool)
    with pytest.raises(SystemExit) as exc:
        mod.main(['configs/no/such_config.py'] + (['x.pth'] if tool == 'test' else []))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'Traceback' not in err
    assert 'such_config.py' in err and 'not found' in err


def test_test_tool_resolves_names_and_refuses_missing_checkpoint(tmp_path, capsys):
    mod = _load_tool('test')
    path, ckpt = mod.resolve_inputs(TINY, 'none')
    assert path.endswith(TINY + '.py') and osp.isfile(path) and ckpt is None
    with pytest.raises(SystemExit) as exc:
        mod.main([TINY, str(tmp_path / 'missing.pth')])
    assert exc.value.code == 2
    assert 'missing.pth' in capsys.readouterr().err
    with pytest.raises(mod.UsageError, match='no checkpoint given'):
        mod.resolve_inputs(TINY, None)


def test_test_tool_refuses_checkpoint_of_another_architecture(tmp_path, capsys):
    mod = _load_tool('test')
    other = tmp_path / 'other_arch.pth'
    torch.save(
        dict(
            state_dict={
                'backbone.stem.weight': torch.zeros(8, 3, 3, 3),
                'head.final_layer.weight': torch.zeros(26, 96, 1, 1)
            }), str(other))
    with pytest.raises(SystemExit) as exc:
        mod.main([TINY, str(other), '--work-dir', str(tmp_path / 'w')])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert 'missing key' in err and 'backbone.conv1.weight' in err
    assert 'unexpected key' in err and 'backbone.stem.weight' in err
    assert 'mis-shaped' in err and 'head.final_layer.weight' in err


def test_check_state_dict_names_keypoint_count():
    from mmalphapose.models.heads import SIKRHead
    from mmalphapose.utils import check_state_dict
    head = torch.nn.Module()
    head.head = SIKRHead(
        8, 17, decoder=dict(type='SIKRLabel', input_size=(48, 64), heatmap_size=(12, 16)))
    state = {k: v.clone() for k, v in head.state_dict().items()}
    assert set(
        check_state_dict(head, {
            'module.' + k: v
            for k, v in state.items()
        }, 'a.pth', 'c.py')) == set(state)
    state['head.final_layer.weight'] = torch.zeros(26, 8, 3, 3)
    state['head.final_layer.bias'] = torch.zeros(26)
    with pytest.raises(ValueError, match='predicts 26 keypoints.*17 keypoints'):
        check_state_dict(head, state, 'a.pth', 'c.py')


def test_amp_picks_bf16_autocast_on_cpu(tmp_path, capsys):
    from mmalphapose.engine.optim_wrappers import amp_optim_wrapper, cpu_bf16_support
    with_units = tmp_path / 'cpuinfo_amx'
    with_units.write_text('processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16 amx_bf16\n')
    without = tmp_path / 'cpuinfo_plain'
    without.write_text('processor\t: 0\nflags\t\t: fpu sse avx2\n')
    base = dict(optimizer=dict(type='Adam', lr=1e-3))
    cfg, note = amp_optim_wrapper(base, 'cpu', str(with_units))
    assert cfg['type'] == 'AutocastOptimWrapper' and cfg['dtype'] == 'bfloat16'
    assert cfg['device_type'] == 'cpu' and cfg['optimizer'] == base['optimizer']
    if torch.backends.mkldnn.is_available():
        assert 'avx512_bf16' in note and 'slower' not in note
        assert cpu_bf16_support(str(without))[0] is False
    cfg, note = amp_optim_wrapper(base, 'cpu', str(without))
    assert cfg['type'] == 'AutocastOptimWrapper' and 'no bf16 units' in note
    assert 'type' not in base  # input untouched
    cfg, note = amp_optim_wrapper(dict(cfg), 'cuda')
    assert cfg['type'] == 'AmpOptimWrapper' and cfg['loss_scale'] == 'dynamic'
    assert 'dtype' not in cfg and 'device_type' not in cfg
    # the tool: --amp on this CPU-only machine builds a config the Runner accepts
    train = _load_tool('train')
    args = train.parse_args([TINY, '--amp', '--work-dir', str(tmp_path / 'w')])
    merged = train.merge_args(train.load_config(TINY), args)
    if not torch.cuda.is_available():
        assert merged.optim_wrapper.type == 'AutocastOptimWrapper'
        from mmalphapose.registry import OPTIM_WRAPPERS
        from mmalphapose.utils import register_all_modules
        register_all_modules(init_default_scope=False)
        wrapper = OPTIM_WRAPPERS.build(
            dict(
                merged.optim_wrapper,
                optimizer=torch.optim.Adam(torch.nn.Linear(2, 2).parameters())))
        assert wrapper.dtype == torch.bfloat16
    assert '--amp' in capsys.readouterr().out


def _bundled_pose_models():
    from mmalphapose.apis import load_model_index
    from mmalphapose.utils.resources import resource_root
    root = resource_root()
    return [e for e in load_model_index() if e.task == 'pose' and e.available(root)]


@pytest.mark.slow
@pytest.mark.parametrize('name', [e.name for e in _bundled_pose_models()])
def test_every_bundled_model_has_a_test_path_on_the_samples(name, tmp_path):
    from mmengine.config import Config

    from mmalphapose.apis import find_model, resolve_pose_config
    cfg = Config.fromfile(resolve_pose_config(name))
    args = ['tools/test.py', name, '--work-dir', str(tmp_path)]
    loader = cfg.get('test_dataloader') or {}
    if 'tests/data' not in str((loader.get('dataset') or {}).get('data_root', '')):
        args += ['--cfg-options'] + SAMPLE_OPTIONS
    proc = _run(args)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert 'coco/AP' in proc.stdout + proc.stderr
    assert find_model(name) is not None


@pytest.mark.slow
def test_tiny_wholebody_config_trains_and_tests(tmp_path):
    work = str(tmp_path / 'work')
    cfg = 'combined_fastpose-se-res18_1xb2-2e_coco-wholebody-tiny-128x96'
    proc = _run(
        ['tools/train.py', cfg, '--work-dir', work, '--cfg-options', 'train_cfg.max_epochs=1'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = _run(['tools/test.py', cfg, osp.join(work, 'epoch_1.pth'), '--work-dir', work])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    for part in ('body', 'foot', 'face', 'left_hand', 'right_hand'):
        assert f'coco/{part}/AP' in out


@pytest.mark.parametrize('name, message', [('corrupt.pth', 'is not a PyTorch checkpoint'),
                                           ('hostile.pth', 'holds code')])
def test_test_tool_bad_checkpoint_is_one_line_exit_2(name, message, capsys):
    path = osp.join(ROOT, 'tests', 'data', 'bad', name)
    with pytest.raises(SystemExit) as exc:
        _load_tool('test').main([TINY, path])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # (mmengine may warn before)
    assert last.startswith('tools/test.py: error: ') and message in last and path in last
    assert 'CheckpointError: ' not in err  # no exception line of a traceback
