"""benchmarks/flip_by_size.py: the per-person mix of flipped / un-flipped
predictions by box height."""
import os.path as osp

import numpy as np

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(name):
    return load_script(osp.join(ROOT, 'benchmarks', f'{name}.py'))


def test_two_pass_mixes_by_box_height():
    bench = _load('flip_by_size')
    two = bench.TwoPass.__new__(bench.TwoPass)  # the mixing without a model
    calls = []

    def fake(value):
        def predict(img, boxes):
            calls.append(value)
            n = len(boxes)
            return np.full((n, 17, 2), value, np.float32), np.full((n, 17), value, np.float32)
        return predict

    two.on, two.off, two.cache, two.heights = fake(1.0), fake(0.0), {}, []
    two.flip_rule = lambda hs: hs >= 100
    img = np.zeros((8, 8, 3), np.uint8)
    boxes = np.array([[0, 0, 10, 150], [0, 0, 10, 50]], np.float32)
    k, s = two(img, boxes)
    assert k[:, 0, 0].tolist() == [1.0, 0.0] and s[:, 0].tolist() == [1.0, 0.0]
    two.flip_rule = lambda hs: hs < 100
    k, _ = two(img, boxes)  # answered from the cache
    assert k[:, 0, 0].tolist() == [0.0, 1.0] and calls == [1.0, 0.0]
    assert two.heights == [150.0, 50.0]
