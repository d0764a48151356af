"""benchmarks/part_refiner_sweep.py faces: one pipeline run per photo serves
every refiner setting, each scored like the pipeline (stand-in pipeline and
refiners; the real ones are what the benchmark measures)."""
import argparse
import json
import os.path as osp

import cv2
import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _sweep():
    return load_script(osp.join(ROOT, 'benchmarks', 'part_refiner_sweep.py'))


def test_faces_scores_the_student_and_each_setting_per_size(tmp_path, monkeypatch):
    sweep = _sweep()
    (tmp_path / 'faces68' / 'images').mkdir(parents=True)
    rng = np.random.default_rng(0)
    g = np.asarray([100.0, 100.0]) + rng.uniform(0, 100, (68, 2))
    g[36], g[45] = [100, 130], [200, 130]  # inter-ocular 100
    cv2.imwrite(str(tmp_path / 'faces68' / 'images' / '0.jpg'), np.zeros((400, 400, 3), np.uint8))
    kpts = np.concatenate([g, np.full((68, 1), 2.0)], 1).ravel().tolist()
    (tmp_path / 'faces68' / 'helen_test.json').write_text(
        json.dumps(dict(images=[dict(id=0, file_name='images/0.jpg')],
                        annotations=[dict(id=0, image_id=0, face_box=[100, 100, 100, 100],
                                          face_kpts=kpts)])))
    calls = []

    def pipe(img):  # the student: face points 5 % of the eye distance off
        calls.append(img.shape[0])
        f = img.shape[0] / 400
        k = np.zeros((1, 136, 2), np.float32)
        k[0, 26:94] = (g + [5, 0]) * f
        return InstanceData(keypoints=k, keypoint_scores=np.ones((1, 136), np.float32))

    class _Shift:  # a "refiner" that moves the face by dx (of the 400-px photo)

        def __init__(self, hand_model=None, num_threads=1, dx=0.0):
            self.dx = dx

        def __call__(self, img, inst):
            k = np.asarray(inst.keypoints).copy()
            k[:, 26:94, 0] += self.dx * img.shape[0] / 400
            inst.keypoints = k
            return inst

    monkeypatch.setattr(sweep.W, 'build_pipeline', lambda name, args: pipe)
    monkeypatch.setattr(sweep, '_refiner', lambda **kw: _Shift(**kw))
    args = argparse.Namespace(data_root=str(tmp_path), sizes=['photo', '50'], max_photos=0,
                              threads=1, variants='{"better": {"dx": -5}, "worse": {"dx": 10}}')
    rows = sweep.faces(args)
    assert calls == [400, 200]  # one pipeline run per photo and size (50 px: 100 -> 50)
    assert [r['size'] for r in rows] == ['photo', '50']
    for r in rows:
        assert abs(r['student']['median_nme'] - 0.05) < 1e-3
        assert r['better']['median_nme'] < 1e-3
        assert abs(r['worse']['median_nme'] - 0.15) < 1e-3 and r['worse']['miss_rate'] == 1.0
        assert r['better']['ms_per_photo'] >= 0
