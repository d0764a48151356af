"""mmalphapose.testing.scripts: a repository script as a module."""
import sys

import pytest

from mmalphapose.testing import load_script


def test_loads_a_fresh_module_that_sees_its_siblings(tmp_path):
    (tmp_path / 'helper_sibling_x.py').write_text('VALUE = 41\n')
    (tmp_path / 'script_x.py').write_text(
        'import helper_sibling_x\nCOUNT = [0]\nRESULT = helper_sibling_x.VALUE + 1\n')
    first = load_script(str(tmp_path / 'script_x.py'))
    assert first.RESULT == 42 and first.__name__ == '_script_x'
    first.COUNT[0] += 1
    assert load_script(str(tmp_path / 'script_x.py')).COUNT == [0]  # a fresh module
    assert sys.path.count(str(tmp_path)) == 1 and '_script_x' not in sys.modules
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_script(str(tmp_path / 'nope.py'))
