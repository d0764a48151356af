"""Safe loading and locating of SMPL model files."""
import os
import pickle
import sys
import types

import numpy as np
import pytest

from mmalphapose.models.body_models import ENV_VAR, load_smpl_model_file, resolve_smpl_model_path
from .synthetic_smpl import make_synthetic_smpl, write_synthetic_smpl


@pytest.mark.parametrize('name,sparse', [('m.pkl', True), ('m.pkl', False), ('m.npz', False)])
def test_load_formats(tmp_path, name, sparse):
    path = str(tmp_path / name)
    write_synthetic_smpl(path, sparse=sparse)
    d = load_smpl_model_file(path)
    ref, _ = make_synthetic_smpl(0)
    for key in ('v_template', 'shapedirs', 'posedirs', 'J_regressor', 'weights'):
        np.testing.assert_allclose(d[key], ref[key])
    assert d['f'].dtype == np.int64 and d['kintree_table'].shape == (2, 24)


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


def test_pickle_with_other_classes_is_refused(tmp_path):
    fields, _ = make_synthetic_smpl(0)
    fields['evil'] = _Evil()
    path = str(tmp_path / 'evil.pkl')
    with open(path, 'wb') as f:
        pickle.dump(fields, f, protocol=2)
    with pytest.raises(ValueError, match=r'evil\.pkl.*refusing to load posix\.system'):
        load_smpl_model_file(path)


def test_chumpy_arrays_read_without_chumpy(tmp_path, monkeypatch):
    # a stand-in "chumpy.ch.Ch" that pickles its value in the state's "x"
    mod = types.ModuleType('chumpy.ch')

    class Ch:

        def __init__(self, x):
            self.x = x

    Ch.__module__ = 'chumpy.ch'
    Ch.__qualname__ = 'Ch'
    mod.Ch = Ch
    monkeypatch.setitem(sys.modules, 'chumpy', types.ModuleType('chumpy'))
    monkeypatch.setitem(sys.modules, 'chumpy.ch', mod)
    fields, _ = make_synthetic_smpl(0)
    ref = fields['shapedirs'].copy()
    fields['shapedirs'] = Ch(fields['shapedirs'])
    path = str(tmp_path / 'ch.pkl')
    with open(path, 'wb') as f:
        pickle.dump(fields, f, protocol=2)
    monkeypatch.delitem(sys.modules, 'chumpy.ch')  # reading must not need it
    np.testing.assert_allclose(load_smpl_model_file(path)['shapedirs'], ref)


def test_bad_fields(tmp_path):
    fields, _ = make_synthetic_smpl(0)
    del fields['weights']
    np.savez(tmp_path / 'a.npz', **fields)
    with pytest.raises(ValueError, match=r'a\.npz" has no field "weights"'):
        load_smpl_model_file(str(tmp_path / 'a.npz'))
    fields, _ = make_synthetic_smpl(0)
    fields['posedirs'] = fields['posedirs'][..., :10]
    np.savez(tmp_path / 'b.npz', **fields)
    with pytest.raises(ValueError, match='"posedirs" has shape'):
        load_smpl_model_file(str(tmp_path / 'b.npz'))


def test_missing_file_message(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    missing = str(tmp_path / 'nope.pkl')
    with pytest.raises(FileNotFoundError) as err:
        resolve_smpl_model_path(missing)
    msg = str(err.value)
    assert '\n' not in msg and missing in msg
    assert 'smpl_model_path' in msg and ENV_VAR in msg and 'smpl.is.tue.mpg.de' in msg
    # the env variable and a folder are used
    write_synthetic_smpl(str(tmp_path / 'SMPL_NEUTRAL.pkl'))
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert resolve_smpl_model_path() == str(tmp_path / 'SMPL_NEUTRAL.pkl')
