"""benchmarks/demo_speed.py: the clip cutting, the read/write limit and the
pose sweep it reports beside the end-to-end speed."""
import os.path as osp

import numpy as np
import pytest

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VIDEO = osp.join(ROOT, 'demo', 'resources', 'demo_basketball.mp4')


def _bench():
    return load_script(osp.join(ROOT, 'benchmarks', 'demo_speed.py'))


def test_cut_clip_and_io_limit(tmp_path):
    bench = _bench()
    path, frames = bench.cut_clip(VIDEO, 3, str(tmp_path))
    assert len(frames) == 3 and osp.isfile(path)
    import cv2
    cap = cv2.VideoCapture(path)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    cap.release()
    assert bench.io_limit(path, str(tmp_path)) > 0
    args = bench.parse_args([])
    assert args.backends == bench.installed_backends() and 'basketball' in args.clips
    assert args.backends[:2] == ['pytorch', 'onnxruntime']
    assert bench.parse_args(['--backends', 'openvino']).backends == ['openvino']


def test_pose_sweep_counts_crops(tmp_path):
    from mmalphapose.apis import init_model
    from mmalphapose.testing import dots_image, write_standin_config
    bench = _bench()
    model = init_model(write_standin_config(str(tmp_path)))
    frames = [dots_image([(50, 60)]), dots_image([(200, 100)])]
    boxes = [np.array([[20, 20, 90, 110]], np.float32), np.zeros((0, 4), np.float32)]
    sweep = bench.pose_sweep(model, frames, boxes, [1, 2], None)
    assert sorted(sweep) == [1, 2] and all(v > 0 for v in sweep.values())


def test_ratio_lines_compare_each_model_with_the_first():
    bench = _bench()
    assert bench.parse_args([]).pose_configs == [None]
    row = ['basketball', 75, 3.5, 'onnxruntime', 'halpe26-student', 'onnxruntime', '2+1', 8.0]
    other = row[:4] + ['halpe136-student', 'onnxruntime', '2+1', 6.4]
    slow = ['basketball', 75, 3.5, 'pytorch', 'halpe26-student', 'pytorch', '2+1', 4.0]
    text = bench.ratio_lines([row, other, slow])
    assert 'basketball onnxruntime: halpe26-student 8.00 / halpe136-student 6.40' in text
    assert '= 1.25x' in text and 'pytorch' not in text
    assert bench.ratio_lines([row]) == ''


def test_repeat_lines_ratio_of_the_means_and_the_spread():
    bench = _bench()
    assert bench.parse_args([]).repeats == 1
    runs = {
        ('armwrestling', 'onnxruntime', 'default.py'): [0.74, 0.70],
        ('armwrestling', 'onnxruntime', 'halpe26.py'): [0.97, 0.84],
        ('basketball', 'onnxruntime', 'default.py'): [4.0],
    }
    lines = bench.repeat_lines(runs).strip().split('\n')
    assert lines[1] == 'armwrestling onnxruntime default.py: 0.74, 0.70 frames/s, mean 0.72'
    # the first model's mean over this one's: 0.72 / 0.905; per repeat 0.74/0.97, 0.70/0.84
    assert lines[2] == ('armwrestling onnxruntime halpe26.py: 0.97, 0.84 frames/s, mean 0.91; '
                        'first model / this: 0.80x (means), 0.76x-0.83x (repeats)')
    assert lines[3] == 'basketball onnxruntime default.py: 4.00 frames/s, mean 4.00'


@pytest.mark.slow
def test_thread_sweep_restores_torch_threads(tmp_path, monkeypatch):
    import torch

    from mmalphapose.apis import init_model
    from mmalphapose.testing import dots_image
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path / 'onnx'))
    bench = _bench()
    cfg = tmp_path / 'tiny.py'  # identity backbone + a 1x1-conv heatmap head: exportable
    cfg.write_text(
        "custom_imports = dict(imports=['mmalphapose.testing.standin_models'], "
        "allow_failed_imports=False)\n"
        "codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(48, 64), sigma=2.0)\n"
        "model = dict(type='TopdownPoseEstimator', backbone=dict(type='StandInIdentityBackbone'),"
        " head=dict(type='FastPoseHeatmapHead', in_channels=3, out_channels=17, "
        "final_kernel_size=1, decoder=codec), test_cfg=dict(flip_test=True), "
        "metainfo=dict(from_file='mmalphapose::_base_/datasets/coco.py'))\n"
        "test_dataloader = dict(dataset=dict(pipeline=[dict(type='LoadImage'), "
        "dict(type='GetBBoxCenterScale', padding=1.25), "
        "dict(type='TopdownAffine', input_size=(48, 64)), dict(type='PackPoseInputs')]))\n")
    model = init_model(str(cfg))
    frames = [dots_image([(50, 60)])]
    boxes = [np.array([[20, 20, 90, 110], [10, 10, 60, 80]], np.float32)]
    before = torch.get_num_threads()
    res = bench.thread_sweep(model, frames, boxes, [1, 2], None, rounds=1)
    assert sorted(res) == [('onnxruntime', 1), ('onnxruntime', 2), ('pytorch', 1),
                           ('pytorch', 2)]
    assert all(v > 0 for v in res.values()) and torch.get_num_threads() == before
    assert bench.parse_args(['--threads-sweep', '1', '2']).threads_sweep == [1, 2]


def test_plot_of_the_table_rows(tmp_path):
    bench = _bench()
    assert bench.parse_args(['--plot', 'x.png']).plot == 'x.png'
    # measure()'s row layout: clip, frames, people/frame, backend, model, ran on, threads,
    # end-to-end, detector, pose, best batch, demo batch, I/O, ...
    rows = [['basketball', 75, 2.0, b, 'student.py', b, '2+1', e, 20.0, p, 4, 4, 90.0] + [0.] * 6
            for b, e, p in (('pytorch', 5.2, 8.1), ('onnxruntime', 7.1, 11.9))]
    out = bench.plot_rows(rows, str(tmp_path / 'speed.png'))
    assert osp.getsize(out) > 1000
