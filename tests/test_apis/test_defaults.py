import pytest

from mmalphapose.apis.defaults import (default_detector, default_pose_model,
                                       find_checkpoint_for, resolve_pose_config)


def _touch(path, text=''):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_pose_prefers_config_with_checkpoint(tmp_path):
    pose = "model = dict(type='TopdownPoseEstimator')"
    _touch(tmp_path / 'configs/distillation/a_halpe26-x.py', pose)
    _touch(tmp_path / 'configs/distillation/b_halpe26-y.py', pose)
    _touch(tmp_path / 'configs/distillation/c_teachers_halpe26.py',
           "model = dict(type='ONNXTeacherPoseEstimator')")
    assert default_pose_model(tmp_path) == (str(tmp_path / 'configs/distillation/a_halpe26-x.py'),
                                            None)
    _touch(tmp_path / 'checkpoints/b_halpe26-y.pth')
    assert default_pose_model(tmp_path) == (
        str(tmp_path / 'configs/distillation/b_halpe26-y.py'),
        str(tmp_path / 'checkpoints/b_halpe26-y.pth'))


def test_checkpoint_name_conventions(tmp_path):
    cfg = str(tmp_path / 'configs/x/fastpose-se18_sikr_halpe26-96x72.py')
    assert find_checkpoint_for(cfg, tmp_path) is None
    _touch(tmp_path / 'checkpoints/fastpose-se18_sikr_halpe26-96x72_epoch16.pth')
    assert find_checkpoint_for(cfg, tmp_path).endswith('96x72_epoch16.pth')


def test_detector_needs_both_files(tmp_path):
    _touch(tmp_path / 'configs/detection/det.py')
    assert default_detector(tmp_path) == (None, None)
    _touch(tmp_path / 'checkpoints/nanodet.onnx')
    assert default_detector(tmp_path)[1].endswith('nanodet.onnx')


def test_resolve_aliases_and_names(tmp_path):
    cfg = _touch(tmp_path / 'configs/body/sikr_res50_coco-256x192.py')
    assert resolve_pose_config('coco', tmp_path) == str(cfg)
    assert resolve_pose_config('sikr_res50_coco-256x192', tmp_path) == str(cfg)
    assert resolve_pose_config(str(cfg), tmp_path) == str(cfg)
    with pytest.raises(FileNotFoundError, match='nothing-like-this'):
        resolve_pose_config('nothing-like-this', tmp_path)


def test_checkpoint_named_by_dataset_and_folder(tmp_path):
    cfg = str(tmp_path / 'configs/distillation/fastpose-se18_sikr_halpe26-distill-96x72.py')
    _touch(tmp_path / 'checkpoints/coco_distilled.pth')  # other dataset: not taken
    assert find_checkpoint_for(cfg, tmp_path) is None
    _touch(tmp_path / 'checkpoints/halpe26_distilled.pth')
    assert find_checkpoint_for(cfg, tmp_path).endswith('halpe26_distilled.pth')
