"""The model index: bundled models, aliases, defaults and the README table."""
import shutil
from pathlib import Path

import pytest

from mmalphapose.apis import model_index as M
from mmalphapose.utils.resources import resource_root


def _touch(path: Path, text: str = '') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def root(tmp_path):
    """An empty resource root holding only the real model index."""
    shutil.copy(resource_root() / M.INDEX_FILE, tmp_path / M.INDEX_FILE)
    return tmp_path


def _pose(name):
    return next(e for e in M.load_model_index() if e.name == name)


def test_first_bundled_model_whose_files_exist(root):
    stud, teach = _pose('halpe136-student'), _pose('halpe26-teachers')
    assert stud.default and M.load_model_index()[0] is stud
    assert M.default_pose_model(root) == (None, None)
    _touch(root / stud.config)
    # a config without its weights: returned with None (the inferencer warns)
    assert M.default_pose_model(root) == (str(root / stud.config), None)
    _touch(root / teach.config)
    for f in teach.needs[:-1]:  # one teacher file missing: nothing complete yet
        _touch(root / f)
    assert M.default_pose_model(root) == (str(root / stud.config), None)
    _touch(root / teach.needs[-1])
    # the student lacks its checkpoint: the complete teachers are the default
    assert M.default_pose_model(root) == (str(root / teach.config), None)
    _touch(root / stud.weights)
    assert (root / stud.needs[0]).is_file()  # the teacher file its backbone comes from
    refiner_nets = [f for f in stud.needs if not (root / f).is_file()]
    assert refiner_nets  # its part refiner's face / hand nets: not complete without them
    assert M.default_pose_model(root) == (str(root / teach.config), None)
    for f in refiner_nets:
        _touch(root / f)
    assert M.default_pose_model(root) == (str(root / stud.config), str(root / stud.weights))


def test_real_package_defaults_exist():
    cfg, ckpt = M.default_pose_model()
    assert cfg is not None and Path(cfg).is_file() and Path(ckpt).is_file()
    det_cfg, det_onnx = M.default_detector()
    assert det_cfg.endswith('.py') and det_onnx.endswith('nanodet.onnx')


def test_detector_needs_both_files(root):
    det = next(e for e in M.load_model_index() if e.task == 'detection')
    _touch(root / det.config)
    assert M.default_detector(root) == (None, None)
    _touch(root / det.weights)
    assert M.default_detector(root) == (str(root / det.config), str(root / det.weights))


def test_checkpoint_for_config_is_exact(root):
    cfg = str(root / 'configs/x/fastpose-se18_sikr_halpe26-96x72.py')
    _touch(root / 'checkpoints/fastpose-se18_sikr_halpe26-96x72_epoch16.pth')
    assert M.find_checkpoint_for(cfg, root) is None  # no guessing
    _touch(root / 'checkpoints/fastpose-se18_sikr_halpe26-96x72.pth')
    assert M.find_checkpoint_for(cfg, root).endswith('halpe26-96x72.pth')
    # an indexed config gets the weights the index names
    stud = _pose('halpe26-student')
    _touch(root / stud.config)
    assert M.find_checkpoint_for(str(root / stud.config), root) is None
    _touch(root / stud.weights)
    assert M.find_checkpoint_for(str(root / stud.config), root) == str(root / stud.weights)


def test_resolve_aliases_and_names(root):
    stud = _pose('halpe26-student')
    cfg = _touch(root / stud.config)
    for name in (stud.name, ) + stud.aliases:
        assert M.resolve_pose_config(name, root) == str(cfg)
    assert M.resolve_pose_config(Path(cfg).stem, root) == str(cfg)
    assert M.resolve_pose_config(str(cfg), root) == str(cfg)
    with pytest.raises(FileNotFoundError, match='nothing-like-this'):
        M.resolve_pose_config('nothing-like-this', root)


def test_every_alias_names_a_model_with_weights():
    root = resource_root()
    for entry in M.load_model_index():
        assert (root / entry.config).is_file(), entry
        if entry.aliases:
            assert entry.available(root), entry  # aliases only for complete models
        if entry.weights and entry.sha256:
            import hashlib
            digest = hashlib.sha256((root / entry.weights).read_bytes()).hexdigest()
            assert digest == entry.sha256, entry.name


def test_readme_table_comes_from_the_index():
    readme = (resource_root() / 'README.md').read_text()
    assert M.model_table() in readme


def test_bad_index_entry_is_named(tmp_path):
    (tmp_path / M.INDEX_FILE).write_text('Models:\n  - Name: x\n    Task: pose\n')
    with pytest.raises(ValueError, match='model 0 has no "Config"'):
        M.load_model_index(tmp_path)
