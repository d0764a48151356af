"""Export a top-down pose model's network to ONNX (decoding stays in Python).

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT [--out F.onnx]
        [--dynamic-batch] [--fp16 | --int8 [--calib-data DIR]] [--features] [--verify]

CONFIG may be a model name or alias of model-index.yml (``halpe26-student``).
The graph is backbone + neck + ``head.forward``: input ``input`` (N,3,H,W),
normalised as the model's data preprocessor leaves it; outputs ``head_out``
(N,K,h,w) then, with ``--features`` (default: when the model's predict uses
them, e.g. the pose-guided embedding), ``feat0``... the features of
``extract_feat``. ``--verify`` runs onnxruntime and PyTorch on real crops
(the COCO samples of tests/data/coco and their boxes, cropped by the model's
own ``TopdownCrop``) and compares the raw outputs (relative to their largest
magnitude) and the decoded keypoints in image pixels (flip test as the
config says, through ``TopdownPredictor``); exit code 1 when either is out
of tolerance. The pose backend (``apis/backends.py``) does the same export at
first use, into its cache.

``--int8``: static int8 quantisation of the float32 export
(``mmalphapose.apis.int8.quantise_int8``: onnxruntime's QDQ quantiser,
per-channel int8 weights, uint8 activations; the first conv, the
upsampling and the head's last convs kept in float32 with
``--int8-exclude sensitive``, the default; ``--int8-exclude``,
``--calib-method``, ``--int8-options`` and ``--calib-crops`` choose the
nodes kept float32, the range calibration, symmetric / per-tensor /
averaged ranges and a subset of the crops). Calibration crops: with
``--calib-data DIR`` the people of ``DIR/people_photos`` and the detector's
people on frames of ``DIR/videos/*.mp4`` (``int8.calibration_crops``, e.g.
``../shared/data``), else the 14 COCO sample people of tests/data/coco; the
mirror images too, as the flip test feeds them. Without ``--out`` it is
written where the onnxruntime backend's ``int8=True`` option looks for it
(``OnnxRuntimeBackend.int8_path``, the export cache), with its size /
SHA-256 beside it. Quantising needs ``ml_dtypes``
(``requirements/optional.txt``), which is why it happens here, once, and
never at run time: running the int8 file needs only onnxruntime.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, Optional

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO = osp.join(ROOT, 'tests', 'data', 'coco')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config', help='config path or model name/alias of model-index.yml')
    p.add_argument(
        'checkpoint',
        nargs='?',
        default=None,
        help='.pth (default: the weights the model index lists)')
    p.add_argument('--out', default=None, help='output .onnx (default: work_dirs/<config>.onnx)')
    p.add_argument('--dynamic-batch', action='store_true', help='dynamic batch axis')
    p.add_argument('--batch-size', type=int, default=1, help='fixed batch without --dynamic-batch')
    p.add_argument('--fp16', action='store_true', help='float16 network (input/outputs too)')
    p.add_argument(
        '--int8',
        action='store_true',
        help='static int8 quantisation (default --out: the onnxruntime backend\'s cache)')
    p.add_argument(
        '--calib-data',
        default=None,
        help='with --int8: folder with people_photos/ and/or videos/*.mp4 for the calibration '
        'crops (e.g. ../shared/data; default: the COCO samples of tests/data/coco)')
    p.add_argument(
        '--int8-exclude',
        default='sensitive',
        help='with --int8: nodes kept in float32: sensitive (the first conv, the upsampling, '
        'the head\'s last two convs), sensitive:N (the head\'s last N convs), last-conv or '
        'none, then optionally +PART module paths (sensitive+stages.6; int8.parse_exclude)')
    p.add_argument(
        '--calib-method',
        default='MinMax',
        choices=['MinMax', 'Percentile', 'Entropy'],
        help='with --int8: activation range calibration')
    p.add_argument(
        '--int8-options',
        nargs='*',
        default=[],
        choices=['sym', 'tensor', 'avg'],
        help='with --int8: sym (symmetric activation ranges), tensor (per-tensor weights), '
        'avg (MinMax ranges averaged over the calibration batches; int8.QUANT_OPTIONS)')
    p.add_argument(
        '--calib-crops',
        type=int,
        default=0,
        help='with --int8: calibrate on this many of the crops, evenly spaced (0: all)')
    p.add_argument(
        '--features',
        default=None,
        action='store_true',
        help='also output the backbone/neck features (default: when predict uses them)')
    p.add_argument('--verify', action='store_true', help='compare with PyTorch on real crops')
    p.add_argument('--rtol', type=float, default=1e-4, help='raw outputs, relative to max |x|')
    p.add_argument('--px', type=float, default=0.5, help='keypoints, image pixels')
    return p.parse_args(argv)


def coco_crops(max_people: int = 16):
    """Real crops: (images, image_ids (N,), boxes (N,4) xyxy) of the COCO
    samples under tests/data/coco."""
    import cv2
    with open(osp.join(COCO, 'test_coco.json')) as f:
        data = json.load(f)
    index = {img['id']: i for i, img in enumerate(data['images'])}
    images = [cv2.imread(osp.join(COCO, img['file_name'])) for img in data['images']]
    ids, boxes = [], []
    for ann in data['annotations'][:max_people]:
        x, y, w, h = ann['bbox']
        ids.append(index[ann['image_id']])
        boxes.append([x, y, x + w, y + h])
    return images, np.array(ids, np.int64), np.array(boxes, np.float32)


def calibration_inputs(model, data_root: Optional[str] = None) -> np.ndarray:
    """(2N,3,H,W) float32 calibration crops and their mirror images: those
    of ``int8.calibration_crops`` under ``data_root``, else the COCO sample
    people (:func:`coco_crops`)."""
    from mmalphapose.apis.int8 import calibration_crops, preprocess_crops
    if data_root:
        return calibration_crops(model, data_root)
    return preprocess_crops(model, *coco_crops())


def verify(model, onnx_path: str, rtol: float = 1e-4, px: float = 0.5) -> Dict[str, float]:
    """Compare the ONNX network with ``model`` on the COCO sample crops.

    Returns:
        ``max_rel_diff`` (raw outputs, relative to the largest magnitude of
        each PyTorch output), ``max_kpt_diff_px`` (decoded keypoints, image
        pixels), ``max_score_diff``, ``ok`` (1.0 / 0.0) and the tolerances.
    """
    import torch

    from mmalphapose.apis.backends import OnnxRuntimeNetwork, export_wrapper, runtime_model
    from mmalphapose.apis.inference import TopdownCrop, TopdownPredictor
    images, ids, boxes = coco_crops()
    crops, _, _ = TopdownCrop.from_model(model)(images, ids, boxes)
    network = OnnxRuntimeNetwork(onnx_path)
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=crops, data_samples=None), False)
        outs = network.run(data['inputs'].numpy())
        ref = export_wrapper(model, len(outs) > 1)(data['inputs'])
    rel = max(
        float(np.abs(o - r.numpy()).max() / max(float(np.abs(r.numpy()).max()), 1e-12))
        for o, r in zip(outs, ref))
    pt = TopdownPredictor(model)(images, ids, boxes)
    ort = TopdownPredictor(runtime_model(model, network))(images, ids, boxes)
    kpt = float(np.abs(pt.keypoints - ort.keypoints).max())
    score = float(np.abs(pt.keypoint_scores - ort.keypoint_scores).max())
    return dict(
        max_rel_diff=rel,
        max_kpt_diff_px=kpt,
        max_score_diff=score,
        rtol=rtol,
        px=px,
        ok=float(rel <= rtol and kpt <= px))


def main(argv=None) -> int:
    """Exit code: 0 exported (and verified), 1 verification failed, 2 bad
    arguments or model files (one line, ``utils/errors.py``)."""
    from mmalphapose.utils.errors import run_cli
    return run_cli(_main, argv)


def _main(argv=None) -> int:
    args = parse_args(argv)
    if args.int8 and args.fp16:
        print('error: --int8 and --fp16 exclude each other', file=sys.stderr)
        return 2
    if args.int8:
        from mmalphapose.apis.int8 import quantiser
        quantiser()  # before any work: a missing ml_dtypes is a one-line error
        if args.calib_data and not osp.isdir(args.calib_data):
            print(f'error: --calib-data "{args.calib_data}" is not a folder', file=sys.stderr)
            return 2
        from mmalphapose.apis.int8 import parse_exclude
        try:
            parse_exclude(args.int8_exclude)
        except ValueError as exc:
            print(f'error: --int8-exclude: {exc}', file=sys.stderr)
            return 2
    from mmalphapose.apis import init_model
    from mmalphapose.apis.backends import OnnxRuntimeBackend, export_onnx, model_uses_features
    from mmalphapose.apis.int8 import quantise_int8
    from mmalphapose.apis.model_index import find_checkpoint_for, resolve_pose_config
    config = resolve_pose_config(args.config)
    checkpoint = args.checkpoint or find_checkpoint_for(config)
    model = init_model(config, checkpoint, backend='pytorch')
    if not checkpoint:
        print(f'warning: no checkpoint for "{config}": exporting RANDOM weights', file=sys.stderr)
    feats = model_uses_features(model) if args.features is None else args.features
    if args.int8:
        args.dynamic_batch = True  # the backend's graph: dynamic batch, its features
        feats = model_uses_features(model)
        backend = OnnxRuntimeBackend()
        out = args.out or backend.int8_path(model)
        quantise_int8(
            backend.onnx_path(model),
            out,
            calibration_inputs(model, args.calib_data),
            args.int8_exclude,
            args.calib_method,
            options=args.int8_options,
            crops=args.calib_crops)
    else:
        out = args.out or osp.join('work_dirs', osp.splitext(osp.basename(config))[0] + '.onnx')
        export_onnx(
            model,
            out,
            with_features=feats,
            dynamic_batch=args.dynamic_batch,
            batch_size=args.batch_size,
            fp16=args.fp16)
    print(f'wrote {out} (dynamic batch: {args.dynamic_batch}, fp16: {args.fp16}, '
          f'int8: {args.int8}, features: {feats})')
    if not args.verify:
        return 0
    if not args.dynamic_batch:
        print('error: --verify needs --dynamic-batch (it runs 14 crops at once)', file=sys.stderr)
        return 2
    res = verify(model, out, args.rtol, args.px)
    print(f'verify on {len(coco_crops()[1])} COCO sample crops: raw outputs max relative '
          f'diff {res["max_rel_diff"]:.2e} (tol {args.rtol:g}), keypoints max diff '
          f'{res["max_kpt_diff_px"]:.3f} px (tol {args.px:g}), keypoint scores max diff '
          f'{res["max_score_diff"]:.2e}: {"OK" if res["ok"] else "FAILED"}')
    return 0 if res['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
