"""mmalphapose.utils.config.load_config: errors that name the config file."""
import pytest

from mmalphapose.utils.config import load_config


def test_load_config_errors_name_the_file(tmp_path):
    good = tmp_path / 'good.py'
    good.write_text('model = dict(type="A", depth=18)\n')
    cfg = load_config(str(good), {'model.depth': 50})
    assert cfg.model.depth == 50
    bad = tmp_path / 'syntax.py'
    bad.write_text('x = (\n')
    with pytest.raises(ValueError, match=r'syntax.py": syntax error at line 1'):
        load_config(str(bad))
    raises = tmp_path / 'raises.py'
    raises.write_text('x = 1 / 0\n')
    with pytest.raises(ValueError, match=r'raises.py" cannot be loaded: ZeroDivisionError'):
        load_config(str(raises))
    base = tmp_path / 'base.py'
    base.write_text('_base_ = ["missing_base.py"]\n')
    with pytest.raises(FileNotFoundError, match='missing_base.py'):
        load_config(str(base))
