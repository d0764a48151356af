"""The explicit table of bundled models and the config aliases."""
from pathlib import Path

import pytest

from mmalphapose.apis import defaults as D


def _touch(path: Path, text: str = '') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_first_bundled_model_whose_files_exist(tmp_path):
    (stud_name, stud_cfg, stud_ckpt, stud_needs), (teach_name, teach_cfg, _, teach_needs) = \
        D.BUNDLED_POSE_MODELS[:2]
    assert (stud_name, teach_name) == ('halpe26-student', 'halpe26-teachers')
    assert D.default_pose_model(tmp_path) == (None, None)
    _touch(tmp_path / stud_cfg)
    # a config without its weights: returned with None (the inferencer warns)
    assert D.default_pose_model(tmp_path) == (str(tmp_path / stud_cfg), None)
    _touch(tmp_path / teach_cfg)
    for f in teach_needs[:-1]:  # one teacher file missing: nothing complete yet
        _touch(tmp_path / f)
    assert D.default_pose_model(tmp_path) == (str(tmp_path / stud_cfg), None)
    _touch(tmp_path / teach_needs[-1])
    # the student lacks its checkpoint: the complete teachers are the default
    assert D.default_pose_model(tmp_path) == (str(tmp_path / teach_cfg), None)
    _touch(tmp_path / stud_ckpt)
    for f in stud_needs:
        assert (tmp_path / f).is_file()  # the teacher file its backbone comes from
    assert D.default_pose_model(tmp_path) == (str(tmp_path / stud_cfg),
                                              str(tmp_path / stud_ckpt))


def test_real_repository_defaults_exist():
    cfg, ckpt = D.default_pose_model()
    assert cfg is not None and Path(cfg).is_file()
    det_cfg, det_onnx = D.default_detector()
    assert det_cfg.endswith('.py') and det_onnx.endswith('nanodet.onnx')


def test_detector_needs_both_files(tmp_path):
    cfg, onnx = D.BUNDLED_DETECTOR
    _touch(tmp_path / cfg)
    assert D.default_detector(tmp_path) == (None, None)
    _touch(tmp_path / onnx)
    assert D.default_detector(tmp_path) == (str(tmp_path / cfg), str(tmp_path / onnx))


def test_checkpoint_for_config_is_exact(tmp_path):
    cfg = str(tmp_path / 'configs/x/fastpose-se18_sikr_halpe26-96x72.py')
    _touch(tmp_path / 'checkpoints/fastpose-se18_sikr_halpe26-96x72_epoch16.pth')
    assert D.find_checkpoint_for(cfg, tmp_path) is None  # no guessing
    _touch(tmp_path / 'checkpoints/fastpose-se18_sikr_halpe26-96x72.pth')
    assert D.find_checkpoint_for(cfg, tmp_path).endswith('halpe26-96x72.pth')


def test_resolve_aliases_and_names(tmp_path):
    cfg = _touch(tmp_path / D.POSE_ALIASES['coco'])
    assert D.resolve_pose_config('coco', tmp_path) == str(cfg)
    assert D.resolve_pose_config(Path(cfg).stem, tmp_path) == str(cfg)
    assert D.resolve_pose_config(str(cfg), tmp_path) == str(cfg)
    with pytest.raises(FileNotFoundError, match='nothing-like-this'):
        D.resolve_pose_config('nothing-like-this', tmp_path)


def test_every_alias_points_at_a_config():
    for name, path in D.POSE_ALIASES.items():
        assert (D.ROOT / path).is_file(), (name, path)
