import subprocess
import sys
import warnings

from mmalphapose.utils import collect_env as ce
from mmalphapose.utils import lazy_import, version_check


def test_collect_env_lists_the_stack():
    env = ce.collect_env()
    for key in ('PyTorch', 'mmengine', 'mmcv', 'mmdet', 'numpy', 'opencv-python',
                'mmcv compiled ops', 'mmalphapose'):
        assert key in env
    out = subprocess.run([sys.executable, '-m', 'mmalphapose.utils.collect_env'],
                         capture_output=True,
                         text=True,
                         check=True).stdout
    assert 'PyTorch: 2.' in out and 'mmcv compiled ops:' in out


def test_version_outside_range_warns_not_raises(monkeypatch):
    monkeypatch.setattr(version_check, 'installed_version', lambda pkg: '9.9.9'
                        if pkg == 'mmengine' else None)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter('always')
        version_check.check_versions(force=True)
    assert any('mmengine' in str(w.message) for w in rec)


def test_missing_ops_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(lazy_import, 'has_mmcv_ops', lambda: False)
    try:
        lazy_import.import_mmcv_ops('DCN layers')
    except ImportError as exc:
        msg = str(exc)
        assert 'DCN layers' in msg and 'full' in msg and 'mmcv==2.1.0' in msg
    else:
        raise AssertionError('expected ImportError')


def test_missing_mmdet_error_is_clear():
    try:
        lazy_import.import_mmdet('the mmdet detector', submodule='no_such_module_xyz')
    except ImportError as exc:
        assert 'full' in str(exc) and 'ONNX person detector' in str(exc)
    else:
        raise AssertionError('expected ImportError')
