"""benchmarks/wholebody_eval.py --pipeline: which person's face is the
annotated one, the miss rule, the downscaling, and the written-people body AP,
on stand-in pipelines (the real ones are what the benchmark measures)."""
import json
import os.path as osp

import cv2
import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _bench():
    return load_script(osp.join(ROOT, 'benchmarks', 'wholebody_eval.py'))


def _helen(tmp_path, faces):
    """A HELEN-style file: one 400x400 photo per (face box xywh, 68 points)."""
    (tmp_path / 'images').mkdir()
    images, anns = [], []
    for i, (box, pts) in enumerate(faces):
        name = f'images/{i}.jpg'
        cv2.imwrite(str(tmp_path / name), np.full((400, 400, 3), 128, np.uint8))
        images.append(dict(id=i, file_name=name, width=400, height=400))
        kpts = np.concatenate([pts, np.full((68, 1), 2.0)], 1)
        anns.append(dict(id=i, image_id=i, face_box=list(box), face_kpts=kpts.ravel().tolist()))
    path = tmp_path / 'helen_test.json'
    path.write_text(json.dumps(dict(images=images, annotations=anns)))
    return str(path)


def _face(x, y, side):
    rng = np.random.default_rng(0)
    pts = np.asarray([x, y]) + rng.uniform(0, side, (68, 2))
    pts[36], pts[45] = [x, y + side / 3], [x + side, y + side / 3]  # eye corners: side apart
    return (x, y, side, side), pts


class _Stub:
    """A pipeline that writes fixed people (in the input image's pixels at
    ``scale`` 1) and records the image sizes it saw."""

    def __init__(self, faces_per_call):
        self.faces, self.sizes = faces_per_call, []

    def __call__(self, img):
        self.sizes.append(img.shape[:2])
        f = img.shape[0] / 400
        people = self.faces[len(self.sizes) - 1]
        k = np.zeros((len(people), 136, 2), np.float32)
        for i, pts in enumerate(people):
            k[i, 26:94] = pts * f
        return InstanceData(keypoints=k, keypoint_scores=np.ones(k.shape[:2], np.float32))


def test_pipeline_face_picks_the_person_on_the_face_and_counts_misses(tmp_path):
    bench = _bench()
    box0, g0 = _face(100, 100, 150)
    box1, g1 = _face(50, 50, 150)
    box2, g2 = _face(200, 200, 100)
    helen = _helen(tmp_path, [(box0, g0), (box1, g1), (box2, g2)])
    off = g0 + [0.05 * 150, 0]  # NME 0.05 (inter-ocular = 150)
    elsewhere = g0 + 300  # outside the face box
    far = g1 + [0.2 * 150, 0]  # inside, NME 0.2: a miss
    stub = _Stub([[elsewhere, off], [far], [elsewhere - 300 + 500]])
    res = bench.pipeline_face(stub, helen)
    assert res['faces'] == 3
    assert abs(res['median_nme'] - 0.2) < 1e-3  # 0.05, 0.2 and inf (no point inside)
    assert abs(res['miss_rate'] - 2 / 3) < 1e-3 and abs(res['no_face_points'] - 1 / 3) < 1e-3
    assert abs(res['mean_nme_found'] - 0.125) < 1e-3
    # downscaled so the face is 50 px (never upscaled); NME is scale-free
    stub = _Stub([[off], [far], [g2]])
    res = bench.pipeline_face(stub, helen, face_px=50)
    assert [s[0] for s in stub.sizes] == [133, 133, 200]
    assert res['face_px_median'] == 50.0 and res['miss_rate'] < 0.34


def test_pipeline_names_pick_the_refiner(monkeypatch):
    import argparse

    import pytest
    bench = _bench()
    built = []
    monkeypatch.setattr(bench, 'PipelineModel', lambda model, refiner, thr, nms: built.append(
        (model, refiner, nms)))
    args = argparse.Namespace(threads=1, refiner_cfg='{"min_face_size": 30}', bbox_thr=0.2,
                              nms_thr=None)
    bench.build_pipeline('halpe136-student', args)  # as the index configures it
    bench.build_pipeline('halpe136-student-refiner', args)  # --no-part-refine
    bench.build_pipeline('halpe136-student+refiner={"min_hand_size": 40}', args)
    assert built[0] == ('halpe136-student', None, None)
    assert built[1] == ('halpe136-student', False, None)
    model, refiner, _ = built[2]
    assert model == 'halpe136-student'
    assert (refiner.min_face_size, refiner.min_hand_size) == (30, 40)  # --refiner-cfg + JSON
    with pytest.raises(ValueError, match='MODEL\\+refiner=JSON'):
        bench.build_pipeline('halpe136-student+fast', args)
    # "@flip=H": the flip rule of that pipeline's model (its own test_cfg dict)
    from types import SimpleNamespace
    model = SimpleNamespace(test_cfg={'flip_test': False})  # the students' configs
    pipe = SimpleNamespace(pose=SimpleNamespace(pose=SimpleNamespace(
        predictor=SimpleNamespace(model=model))))
    shared_cfg = model.test_cfg
    monkeypatch.setattr(bench, 'PipelineModel', lambda model, refiner, thr, nms: pipe)
    assert bench.build_pipeline('halpe136-student-refiner@flip=96', args) is pipe
    assert model.test_cfg == {'flip_test': True, 'flip_min_height': 96.0}
    assert shared_cfg == {'flip_test': False}  # not changed in place
    bench.build_pipeline('halpe136-student@flip=all', args)
    assert model.test_cfg == {'flip_test': True, 'flip_min_height': None}
    bench.build_pipeline('halpe136-student@flip=off', args)
    assert model.test_cfg == {'flip_test': False, 'flip_min_height': None}


def test_pipelines_fps_interleaves_and_counts_cpu_time(monkeypatch):
    bench = _bench()
    order = []

    class _Pipe:

        def __init__(self, name, spin):
            self.name, self.spin = name, spin
            self.pose = type('P', (), {'reset': lambda self: None})()

        def __call__(self, img):
            order.append(self.name)
            t = bench.time.process_time()
            while bench.time.process_time() - t < self.spin:  # CPU work
                pass

    frames = [np.zeros((8, 8, 3), np.uint8)] * 5

    class _Cap:

        def __init__(self, path):
            self.left = list(frames)

        def read(self):
            return (True, self.left.pop()) if self.left else (False, None)

        def release(self):
            pass

    monkeypatch.setattr(bench.cv2, 'VideoCapture', _Cap)
    res = bench.pipelines_fps(dict(a=_Pipe('a', 0.002), b=_Pipe('b', 0.02)), 'x.mp4', 4)
    assert order[:2] == ['a', 'b']  # one warm-up frame each
    assert order[2:] == ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']  # the order rotates
    assert set(res['a']) == {'fps', 'cpu_fps'}
    assert res['a']['cpu_fps'] > 2 * res['b']['cpu_fps']  # b does ten times the work


def test_network_hand_takes_the_better_scored_hand():
    """A single network's hand stage: the box as the person box, the hand
    (left 94-114, right 115-135) whose mean score is higher."""
    wb = _bench()
    kpts = np.arange(136 * 2, dtype=np.float32).reshape(1, 136, 2)
    boxes = []

    def predict(img, box):
        boxes.append(box)
        scores = np.full((1, 136), 0.2, np.float32)
        scores[0, 115:136] = 0.6 if img.mean() > 0 else 0.1  # right hand better on bright
        return kpts, scores

    hand = wb.network_hand(predict)
    box = np.array([1, 2, 30, 40], np.float32)
    np.testing.assert_array_equal(hand(np.ones((8, 8, 3), np.uint8), box), kpts[0, 115:136])
    np.testing.assert_array_equal(hand(np.zeros((8, 8, 3), np.uint8), box), kpts[0, 94:115])
    assert boxes[0].shape == (1, 4) and boxes[0][0].tolist() == box.tolist()
