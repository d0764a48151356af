"""benchmarks/gpu_check.py: the agreement measures, the backend choice and
the CPU dry run of the whole check (slow: it runs the demo, the agreement
check and two training iterations)."""
import os.path as osp

import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = 'configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py'


def _check():
    return load_script(osp.join(ROOT, 'benchmarks', 'gpu_check.py'))


def test_keypoint_agreement_counts_confident_keypoints():
    check = _check()
    ref = InstanceData(
        keypoints=np.zeros((2, 3, 2), np.float32),
        keypoint_scores=np.array([[0.9, 0.9, 0.1], [0.9, 0.1, 0.1]], np.float32))
    got = InstanceData(keypoints=ref.keypoints.copy(), keypoint_scores=ref.keypoint_scores + 0.01)
    got.keypoints[0, 1] = (3, 4)  # 5 px off, confident
    got.keypoints[1, 2] = (30, 40)  # 50 px off, not confident: left out
    res = check.keypoint_agreement(ref, got)
    assert res['keypoints'] == 3 and res['max_px'] == 5.0 and res['median_px'] == 0.0
    assert res['max_score_diff'] == pytest.approx(0.01, abs=1e-4)


def test_box_agreement():
    check = _check()
    a = [np.array([[0, 0, 10, 10], [5, 5, 20, 20]], np.float32), np.zeros((0, 4), np.float32)]
    b = [a[0][::-1] + 0.5, np.zeros((1, 4), np.float32)]
    res = check.box_agreement(a, b)
    assert res == dict(frames_same_count='1/2', max_box_diff_px=0.5)


def test_arguments_and_backends():
    check = _check()
    args = check.parse_args([])
    assert args.device == 'cuda' and list(args.backends) == ['pytorch', 'onnxruntime', 'tensorrt']
    assert check.backend_argv('tensorrt') == ['--backend', 'onnxruntime']
    assert check.backend_argv('pytorch') == ['--backend', 'pytorch']


@pytest.mark.slow
def test_cpu_dry_run(tmp_path):
    check = _check()
    out = str(tmp_path / 'gpu_check.json')
    res = check.main([
        '--device', 'cpu', '--frames', '2', '--clips', 'basketball', '--agree-frames', '2',
        '--train-iters', '3', '--train-warmup', '1', '--train-batch', '2', '--out', out,
        '--train-config', TINY  # the R50 config's bf16 steps take minutes on a busy CPU
    ])
    assert osp.isfile(out)
    demo = res['demo']
    assert demo['basketball pytorch']['fps'] > 0 and demo['basketball onnxruntime']['fps'] > 0
    assert 'skipped' in demo['basketball tensorrt']  # no TensorRT on the CPU
    assert demo['basketball onnxruntime']['providers'] == ['CPUExecutionProvider']
    agree = res['agreement']
    assert agree['basketball pytorch']['max_px'] == pytest.approx(0, abs=1e-3)
    assert agree['basketball onnxruntime']['max_px'] < 0.5
    assert agree['basketball pytorch']['frames_same_count'] == '2/2'
    train = res['training']
    assert train['iters_timed'] == 2 and train['iters_per_s'] > 0
    assert train['optim_wrapper'] == 'AutocastOptimWrapper'  # --amp on the CPU: bf16
