"""benchmarks/det_frequency.py: the agreement of two runs' people."""
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def bench():
    return load_script(osp.join(ROOT, 'benchmarks', 'det_frequency.py'))


def _pose(x0, y0, scale=1.0):
    """A 17-point pose spread over about 40 x 100 px."""
    rng = np.random.default_rng(0)
    pts = rng.uniform([0, 0], [40, 100], size=(17, 2)) * scale
    return pts + [x0, y0]


def test_frame_oks_identity_shift_and_unconfident(bench):
    a, b = _pose(0, 0), _pose(300, 0)
    ref = np.stack([a, b])
    scores = np.ones((2, 17))
    oks = bench.frame_oks(ref, scores, np.stack([a, b + 3.0]))
    assert oks[0, 0] == pytest.approx(1.0)
    assert 0.5 < oks[1, 1] < 1.0  # a 3 px shift of a 40 x 100 px person
    assert oks[0, 1] < 1e-6 and oks[1, 0] < 1e-6
    # a reference with fewer than two confident keypoints is compared over all 17
    low = np.full((1, 17), 0.1)
    assert bench.frame_oks(a[None], low, a[None])[0, 0] == pytest.approx(1.0)
    # only the confident keypoints count: a far-off unconfident keypoint is ignored
    moved = a.copy()
    moved[0] += 500
    part = np.ones((1, 17))
    part[0, 0] = 0.0
    assert bench.frame_oks(a[None], part, moved[None])[0, 0] == pytest.approx(1.0)


def test_agreement_counts_matches_misses_and_extras(bench):
    a, b, c = _pose(0, 0), _pose(300, 0), _pose(600, 0)
    ones = np.ones((1, 17))
    ref = {'0.jpg': (np.stack([a, b]), np.ones((2, 17))), '1.jpg': (c[None], ones)}
    run = {'0.jpg': (np.stack([b, a + 1.0, c]), np.ones((3, 17)))}  # 1.jpg: missed
    res = bench.agreement(ref, run)
    assert res['reference_people'] == 3 and res['people'] == 3
    assert res['recall'] == pytest.approx(2 / 3)
    assert res['precision'] == pytest.approx(2 / 3)  # c in 0.jpg matches nobody there
    assert 0.9 < res['median_oks'] <= 1.0
    same = bench.agreement(ref, ref)
    assert same['recall'] == same['precision'] == 1.0 and same['median_oks'] == 1.0


def test_read_people_groups_by_frame(bench, tmp_path):
    kp = [float(v) for v in range(26 * 3)]
    recs = [
        dict(image_id='0.jpg', keypoints=kp),
        dict(image_id='0.jpg', keypoints=kp),
        dict(image_id='5.jpg', keypoints=kp)
    ]
    path = tmp_path / 'clip.json'
    path.write_text(json.dumps(recs))
    people = bench.read_people(str(path))
    assert sorted(people) == ['0.jpg', '5.jpg']
    k, s = people['0.jpg']
    assert k.shape == (2, 17, 2) and s.shape == (2, 17)
    assert k[0, 1].tolist() == [3.0, 4.0] and s[0, 1] == 5.0
