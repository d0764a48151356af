"""Overfit check (slow): each head fits a fixed batch of real COCO crops."""
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('overfit', osp.join(ROOT, 'benchmarks/overfit.py'))
overfit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(overfit)


@pytest.mark.slow
@pytest.mark.parametrize('head', ['sikr', 'heatmap', 'combined'])
def test_overfit_few_crops(head):
    res = overfit.run_overfit(head, iters=200, log_every=0)
    assert res['ratio'] > 10, res['losses'][::20]
    # keypoints within a few pixels of the 64x96 crop
    assert res['median_px'] < 4.0, res
