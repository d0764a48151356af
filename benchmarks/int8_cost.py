"""What int8 and the flip test cost and gain per pose model (issues 15, 33).

For each model (default: the Halpe-26 and the Halpe-136 students), the
onnxruntime backend with its float32 network and with ``int8=True`` (the
static int8 network of ``tools/deployment/export_onnx.py --int8``, quantised
here into a temporary export cache with the tool's own functions: per-channel
int8 weights, uint8 activations, calibrated on the person crops of
``tests/data/coco`` and their mirror images), each with the flip test on and
off, in the same run:

* the pose network's crops/s at batch 4 (``measure_batch_speed``: crop
  preprocessing excluded, flip as set, decoding included) with the given
  threads, best of ``--rounds`` interleaved rounds, and its ratio to the
  float32 flip-on network;
* COCO-17 body AP with GT boxes on ``coco_mini_train`` (86 people; not used
  for calibration), through the model's own decoding;
* for a whole-body model with ``--wholebody`` (flip on only): the metrics of
  ``benchmarks/wholebody_eval.py`` (Halpe-136 and COCO-WholeBody sample part
  AP with GT and detector boxes, HELEN face NME, hands21 PCK@0.2).

Needs ``onnx``, ``onnxruntime`` and ``ml_dtypes`` (the quantiser;
``requirements/optional.txt``); running an int8 network needs none of it.

Example::

    python benchmarks/int8_cost.py ../shared/data --threads 2 --wholebody
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, List

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'deployment'))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        'data_root',
        help='folder with coco_mini_train/ (and, for --wholebody, halpe/, coco/, '
        'coco_wholebody/, faces68/, hands21/), e.g. ../shared/data')
    p.add_argument('--models', nargs='+', default=['halpe26-student', 'halpe136-student'])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument(
        '--wholebody',
        action='store_true',
        help='also the whole-body metrics of a 136-keypoint model (float32 and int8)')
    p.add_argument('--out', help='write the results as JSON here')
    return p.parse_args(argv)


def with_flip(model, flip: bool):
    """``model`` (weights shared) with the flip test set to ``flip``."""
    rt = copy.copy(model)
    rt.test_cfg = dict(getattr(model, 'test_cfg', None) or {}, flip_test=bool(flip))
    return rt


def variants(model, threads: int, cache_dir: str) -> Dict[str, object]:
    """The runtime models {float32, int8} x {flip, no flip} of ``model``
    (the int8 network quantised into ``cache_dir`` first)."""
    from export_onnx import calibration_inputs, quantise_int8

    from mmalphapose.apis.backends import OnnxRuntimeBackend, build_pose_backend
    backend = OnnxRuntimeBackend(cache_dir=cache_dir)
    quantise_int8(backend.onnx_path(model), backend.int8_path(model), calibration_inputs(model))
    out = {}
    for net, int8 in (('float32', False), ('int8', True)):
        rt = build_pose_backend(
            model, 'onnxruntime', num_threads=threads, cache_dir=cache_dir, int8=int8)
        out[f'{net}, flip'] = with_flip(rt, True)
        out[f'{net}, no flip'] = with_flip(rt, False)
    return out


def speeds(models: Dict[str, object], crops, rounds: int) -> Dict[str, float]:
    """crops/s at batch 4 of each model, best of ``rounds`` interleaved
    rounds."""
    from mmalphapose.apis.backends import measure_batch_speed
    best = {k: 0.0 for k in models}
    for _ in range(rounds):
        for k, m in models.items():
            best[k] = max(best[k], measure_batch_speed(m, crops, (4, ))[0][1])
    return best


def table(name: str, res: Dict[str, dict]) -> List[str]:
    """Markdown rows: variant, crops/s, ratio to float32 + flip, body AP and
    its change."""
    base = res['float32, flip']
    rows = [
        f'{name}: | network, flip test | crops/s | speed vs float32 + flip | body AP | '
        'AP change |', '| --- | --- | --- | --- | --- |'
    ]
    for k, r in res.items():
        rows.append(f'| {k} | {r["crops_per_s"]:.1f} | '
                    f'{r["crops_per_s"] / base["crops_per_s"]:.2f}x | {r["body_ap"]:.3f} | '
                    f'{r["body_ap"] - base["body_ap"]:+.3f} |')
    return rows


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from export_onnx import calibration_inputs
    from wholebody_eval import evaluate, mini_train_body_ap, model_predictor

    from mmalphapose.apis import init_model
    results: Dict[str, dict] = {}
    lines: List[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            model = init_model(name)  # PyTorch: the base of every runtime model
            models = variants(model, args.threads, tmp)
            crops = torch.from_numpy(np.ascontiguousarray(calibration_inputs(model)[:8]))
            speed = speeds(models, crops, args.rounds)
            res = {}
            for k, m in models.items():
                ap = mini_train_body_ap(model_predictor(m, None), args.data_root)
                res[k] = dict(crops_per_s=round(speed[k], 1), body_ap=round(ap, 4))
                print(f'{name} {k}: {res[k]}', flush=True)
            if args.wholebody and model.dataset_meta['num_keypoints'] == 136:
                from mmalphapose.models.detectors import ONNXPersonDetector
                from mmalphapose.utils.resources import resolve_resource
                det = ONNXPersonDetector(
                    resolve_resource('checkpoints/nanodet.onnx', 'detector'), score_thr=0.3)
                for k in ('float32, flip', 'int8, flip'):
                    res[k]['wholebody'] = evaluate(f'{name} {k}', models[k], args, det)
                    print(json.dumps(res[k]['wholebody']), flush=True)
            results[name] = res
            lines += table(name, res) + ['']
    print(f'\n{args.threads} threads, batch 4; body AP on coco_mini_train (GT boxes)')
    print('\n'.join(lines))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    main()
