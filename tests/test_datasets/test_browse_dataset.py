"""tools/misc/browse_dataset.py end to end (config -> drawn crops)."""
import importlib.util
import os.path as osp


def test_browse_dataset_cli(tmp_path, repo_root, data_root):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"""
train_dataloader = dict(dataset=dict(
    type='Halpe136Dataset', data_root={data_root!r},
    ann_file='halpe/test_halpe.json', data_prefix=dict(img='coco/'),
    pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
              dict(type='RandomFlip', prob=0.5), dict(type='RandomHalfBody'),
              dict(type='RandomBBoxTransform'), dict(type='TopdownAffine', input_size=(192, 256)),
              dict(type='PackPoseInputs')]))
""")
    out = tmp_path / 'out'
    spec = importlib.util.spec_from_file_location(
        'browse_dataset', osp.join(repo_root, 'tools', 'misc', 'browse_dataset.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main([str(cfg), '--output-dir', str(out), '--max-samples', '3', '--scale', '1'])
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 and all(f.startswith('halpe136_') for f in files)
