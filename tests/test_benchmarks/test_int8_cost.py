"""benchmarks/int8_cost.py: the variant arguments, the flip settings of the
compared models, the table."""
import os.path as osp

import pytest

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(name):
    return load_script(osp.join(ROOT, 'benchmarks', f'{name}.py'))


def test_variants_are_checked(capsys):
    bench = _load('int8_cost')
    args = bench.parse_args(['data', '--variants', 'sensitive/MinMax/real', 'none/Entropy/coco'])
    assert args.variants == ['sensitive/MinMax/real', 'none/Entropy/coco']
    assert bench.parse_args(['data', '--variants']).variants == []
    for bad in ('sensitive/MinMax', 'all/MinMax/real', 'none/Max/real', 'none/MinMax/web',
                'sensitive:x/MinMax/real', 'none/MinMax/real/fast', 'none/MinMax/real/sym/x'):
        with pytest.raises(SystemExit):
            bench.parse_args(['data', '--variants', bad])
        assert '--variants' in capsys.readouterr().err


def test_split_variant_exclusion_specs_and_options():
    bench = _load('int8_cost')
    assert bench.split_variant('sensitive/MinMax/real') == ('sensitive', 'MinMax', 'real', ())
    assert bench.split_variant('sensitive:3+stages.6+backbone/top/Percentile/coco/sym,tensor') \
        == ('sensitive:3+stages.6+backbone/top', 'Percentile', 'coco', ('sym', 'tensor'))
    assert bench.split_variant('none/Entropy/real/') == ('none', 'Entropy', 'real', ())
    with pytest.raises(ValueError, match='METHOD'):
        bench.split_variant('none/real')


def test_with_flip_sets_the_flip_test_for_everybody():
    bench = _load('int8_cost')

    class M:
        test_cfg = dict(flip_test=False, flip_min_height=96, center_prior=0.5)

    m = M()
    on = bench.with_flip(m, True)
    assert on.test_cfg == dict(flip_test=True, center_prior=0.5)
    assert m.test_cfg['flip_min_height'] == 96  # the model itself is unchanged


def test_table_gives_changes_against_float32():
    bench = _load('int8_cost')
    res = {
        'float32': dict(crops_per_s=10.0, coco_mini_train_body_ap=0.357,
                        wholebody=dict(hands21_pck02=dict(pck=0.66))),
        'int8 sensitive/MinMax/real': dict(crops_per_s=15.0, coco_mini_train_body_ap=0.349,
                                           wholebody=dict(hands21_pck02=dict(pck=0.63))),
    }
    rows = bench.table('m', res)
    text = '\n'.join(rows)
    assert '15.0 (1.50x)' in text and '0.349 (-0.008)' in text and '0.630 (-0.030)' in text
    assert 'pipeline' not in text  # rows without a value are left out


def test_hands21_takes_the_hand_with_the_higher_mean_score(monkeypatch):
    """--hands21: the single network's rule of wholebody_eval (hand box as
    the person box, the better-scored of its two hands)."""
    import numpy as np
    bench = _load('int8_cost')
    import wholebody_eval
    scores = np.zeros((1, 136), np.float32)

    def predict(img, boxes):
        k = np.zeros((1, 136, 2), np.float32)
        k[0, 94:115], k[0, 115:136] = 1, 2  # left hand at 1, right hand at 2
        return k, scores

    monkeypatch.setattr(wholebody_eval, 'model_predictor', lambda model: predict)
    monkeypatch.setattr(wholebody_eval, 'hand_pck',
                        lambda f, root: dict(pck=float(f(None, np.zeros(4))[0, 0])))
    scores[0, 94:115], scores[0, 115:136] = 0.9, 0.1
    assert bench.hands21_pck(None, 'data') == 1.0
    scores[0, 94:115] = 0.05
    assert bench.hands21_pck(None, 'data') == 2.0
    assert bench.parse_args(['data', '--hands21']).hands21
