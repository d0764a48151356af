"""mmalphapose.utils.options: the one option validator."""
import argparse

import pytest

from mmalphapose.utils.options import (OPTION_RULES, CfgOptionsAction, arg_type, check_option,
                                       check_out_dir, flag, keypoint_spec)


@pytest.mark.parametrize('name', sorted(OPTION_RULES))
def test_every_rule_refuses_its_bounds_and_nan(name):
    rule = OPTION_RULES[name]
    if rule.low is not None:
        with pytest.raises(ValueError, match=f'{name} must be'):
            check_option(name, rule.low - 1)
    if rule.high is not None:
        with pytest.raises(ValueError, match=f'{name} must be'):
            check_option(name, rule.high + 1)
    with pytest.raises(ValueError, match=name):
        check_option(name, float('nan'))
    assert check_option(name, None) is None
    parse = arg_type(name)
    good = rule.low if rule.low is not None else 0
    assert parse(str(good)) == good
    with pytest.raises(argparse.ArgumentTypeError):
        parse('x')
    assert flag(name).startswith('--') and '_' not in flag(name)


def test_keypoints_cfg_options_and_out_dir(tmp_path, capsys):
    assert keypoint_spec(' body, feet ,') == 'body,feet'
    with pytest.raises(argparse.ArgumentTypeError, match='no part'):
        keypoint_spec(',')
    p = argparse.ArgumentParser()
    p.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    assert p.parse_args(['--cfg-options', 'a.b=1']).cfg_options == {'a.b': 1}
    with pytest.raises(SystemExit):
        p.parse_args(['--cfg-options', '=1'])
    assert '"=1" is not KEY=VALUE' in capsys.readouterr().err
    assert check_out_dir(str(tmp_path / 'a' / 'b')) == str(tmp_path / 'a' / 'b')
    (tmp_path / 'f').write_text('x')
    with pytest.raises(ValueError, match='is a file'):
        check_out_dir(str(tmp_path / 'f'))
    with pytest.raises(ValueError, match='cannot create the folder'):
        check_out_dir(str(tmp_path / 'f' / 'sub'))
