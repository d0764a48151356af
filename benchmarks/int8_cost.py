"""What int8 costs and gains for a pose network in onnxruntime (issue 15).

The model's float32 ONNX export (the onnxruntime backend's cache file) is
quantised with onnxruntime's static QDQ quantiser (per-channel int8 weights,
uint8 activations), calibrated on the person crops of ``tests/data/coco``; a
second variant keeps the last conv (the heatmap layer) in float32. For the
float32 and the int8 networks, in the same run:

* the network's crops/s at batch 4 (flip test on, as the pose stage runs it,
  ``measure_batch_speed``) with the given threads, best of ``--rounds``
  interleaved rounds;
* COCO-17 body AP with GT boxes on ``coco_mini_train`` (not used for
  calibration), through the model's own decoding.

Needs ``onnx``, ``onnxruntime`` and ``ml_dtypes`` (onnxruntime's quantiser;
0.4.1 works with numpy 1.26). Nothing here is used at run time: int8 is not
a pose backend option.

Example::

    python benchmarks/int8_cost.py ../shared/data/coco_mini_train --threads 2
"""
import argparse
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
        'mini_root',
        help='coco_mini_train folder (images + '
        'person_keypoints_train2017_mini.json)')
    p.add_argument('--model', default='halpe26-student', help='model name or config')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--rounds', type=int, default=3)
    return p.parse_args(argv)


def calibration_inputs(model) -> np.ndarray:
    """(N,3,H,W) preprocessed crops of the COCO sample people, and their
    mirror images (the flip test's inputs)."""
    import torch
    from export_onnx import coco_crops

    from mmalphapose.apis.inference import TopdownCrop
    images, ids, boxes = coco_crops()
    crops, _, _ = TopdownCrop.from_model(model)(images, ids, boxes)
    with torch.no_grad():
        x = model.data_preprocessor(dict(inputs=crops, data_samples=None), False)['inputs']
    x = x.numpy()
    return np.concatenate([x, x[..., ::-1]]).astype(np.float32)


def quantise(fp32_path: str, out_path: str, inputs: np.ndarray, keep_last_conv: bool) -> None:
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    class Reader(CalibrationDataReader):

        def __init__(self, name: str):
            self.items = iter([{name: inputs[i:i + 1]} for i in range(len(inputs))])

        def get_next(self):
            return next(self.items, None)

    graph = onnx.load(fp32_path).graph
    exclude: List[str] = []
    if keep_last_conv:
        convs = [n.name for n in graph.node if n.op_type == 'Conv']
        exclude = convs[-1:]
    quantize_static(
        fp32_path,
        out_path,
        Reader(graph.input[0].name),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=exclude)


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from wholebody_eval import body_ap, model_predictor

    from mmalphapose.apis import init_model
    from mmalphapose.apis.backends import (OnnxRuntimeNetwork, build_pose_backend,
                                           measure_batch_speed, runtime_model)
    model = init_model(args.model)  # PyTorch: the base of every runtime model
    rt = build_pose_backend(model, 'onnxruntime', num_threads=args.threads)
    fp32_path = rt.onnx_network.path
    inputs = calibration_inputs(model)
    models = {'float32': rt}
    with tempfile.TemporaryDirectory() as tmp:
        for name, keep in (('int8', False), ('int8, heatmap layer float32', True)):
            path = osp.join(tmp, f'int8_{int(keep)}.onnx')
            quantise(fp32_path, path, inputs, keep)
            models[name] = runtime_model(model, OnnxRuntimeNetwork(path, args.threads))
        crops = torch.from_numpy(np.ascontiguousarray(inputs[:8]))  # 8 real crops
        speed = {k: 0.0 for k in models}
        for _ in range(args.rounds):
            for k, m in models.items():
                speed[k] = max(speed[k], measure_batch_speed(m, crops, (4, ))[0][1])
        ann = osp.join(args.mini_root, 'person_keypoints_train2017_mini.json')
        res = {}
        for k, m in models.items():
            ap = body_ap(model_predictor(m, None), ann, args.mini_root)
            res[k] = dict(crops_per_s=round(speed[k], 1), body_ap=ap)
    base = res['float32']
    print(f'{args.model}, {args.threads} threads, batch 4, flip test; body AP on '
          f'{osp.basename(osp.normpath(args.mini_root))} (GT boxes)')
    print('| network | crops/s | speed-up | body AP | AP change |')
    print('| --- | --- | --- | --- | --- |')
    for k, r in res.items():
        print(f'| {k} | {r["crops_per_s"]:.1f} | {r["crops_per_s"] / base["crops_per_s"]:.2f}x | '
              f'{r["body_ap"]:.3f} | {r["body_ap"] - base["body_ap"]:+.3f} |')
    return res


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    main()
