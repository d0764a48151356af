"""What int8 and the flip test cost and gain per pose model (issues 15, 33).

For each model (default: the whole-body default ``halpe136-student``), the
onnxruntime backend with its float32 network and with int8 networks
(``mmalphapose.apis.int8.quantise_int8``, the function of
``tools/deployment/export_onnx.py --int8``, quantised here into a temporary
export cache), one per ``--variants`` entry ``EXCLUDE/METHOD/CALIB[/OPTIONS]``:

* ``EXCLUDE``: the nodes kept in float32 (``sensitive``: the first conv,
  the upsampling and the head's last two convs; ``sensitive:N``: the head's
  last N convs; ``last-conv``; ``none``), optionally followed by ``+PART``
  module paths kept float32 too (``sensitive+stages.6+backbone/top``;
  ``int8.parse_exclude``);
* ``METHOD``: onnxruntime's activation range calibration (``MinMax``,
  ``Percentile``, ``Entropy``);
* ``CALIB``: ``coco`` (the 12 person crops of ``tests/data/coco``, the tool's
  earlier default) or ``real`` (``int8.calibration_crops``: people_photos GT
  boxes and detector boxes on frames of ``DATA_ROOT/videos``; none of the
  evaluation images);
* ``OPTIONS`` (optional, comma-separated, ``int8.QUANT_OPTIONS``): ``sym``
  symmetric activation ranges, ``tensor`` per-tensor weights, ``avg`` MinMax
  ranges averaged over the calibration batches;

by default per-channel int8 weights, uint8 activations, QDQ format, the
mirrored crops in the calibration set. In the same run, flip test on:

* the pose network's crops/s at batch 4 (``measure_batch_speed``: crop
  preprocessing excluded, decoding included) with the given threads, best of
  ``--rounds`` interleaved rounds, and the ratio to float32;
* COCO-17 body AP with GT boxes on ``coco_mini_train`` (86 people);
* with ``--pipeline``: body AP on ``coco_mini_train`` through the default
  pipeline (bundled detector -> pose -> P-NMS), the variant's network in it;
* with ``--wholebody`` (136-keypoint models): the metrics of
  ``benchmarks/wholebody_eval.py`` (Halpe-136 and COCO-WholeBody sample part
  AP with GT and detector boxes, HELEN face NME, hands21 PCK@0.2);
* with ``--hands21`` (136-keypoint models, without ``--wholebody``): only
  hands21 PCK@0.2, the quick screen of a variant beside the two body APs.

``--flip-off`` adds the float32 network with the flip test off,
``--flip-min-height H`` the float32 network with the flip test only for
person boxes at least H px tall (``test_cfg.flip_min_height``).

Needs ``onnx``, ``onnxruntime`` and ``ml_dtypes`` (the quantiser;
``requirements/optional.txt``); running an int8 network needs none of it.

Example::

    python benchmarks/int8_cost.py ../shared/data --threads 2 --wholebody --pipeline \\
        --variants none/MinMax/coco none/MinMax/real sensitive/MinMax/real
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

DEFAULT_VARIANTS = ['none/MinMax/coco', 'none/MinMax/real', 'sensitive/MinMax/real']


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        'data_root',
        help='folder with coco_mini_train/, people_photos/, videos/ (and, for --wholebody, '
        'halpe/, coco/, coco_wholebody/, faces68/, hands21/), e.g. ../shared/data')
    p.add_argument('--models', nargs='+', default=['halpe136-student'])
    p.add_argument(
        '--variants',
        nargs='*',
        default=DEFAULT_VARIANTS,
        help='int8 networks, EXCLUDE/METHOD/CALIB (see the module docstring)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--photos', type=int, default=160, help='real calibration: people_photos')
    p.add_argument('--frames', type=int, default=8, help='real calibration: frames per video')
    p.add_argument(
        '--calib-crops',
        type=int,
        default=0,
        help='calibrate on this many of the crops, evenly spaced (0: all; the histogram methods '
        'take minutes per hundred crops)')
    p.add_argument('--flip-off', action='store_true', help='also float32 without the flip test')
    p.add_argument(
        '--flip-min-height',
        type=float,
        nargs='*',
        default=[],
        help='also float32 with test_cfg.flip_min_height H (flip test only for person boxes at '
        'least H px tall; its crops/s here are of full-size boxes, so all flipped)')
    p.add_argument(
        '--wholebody',
        action='store_true',
        help='also the whole-body metrics of a 136-keypoint model')
    p.add_argument(
        '--hands21',
        action='store_true',
        help='also hands21 PCK@0.2 of a 136-keypoint model (one of the --wholebody metrics)')
    p.add_argument(
        '--pipeline',
        action='store_true',
        help='also coco_mini_train body AP through the default pipeline')
    p.add_argument('--out', help='write the results as JSON here')
    args = p.parse_args(argv)
    for v in args.variants:
        try:
            split_variant(v)
        except ValueError as exc:
            p.error(f'--variants: "{v}": {exc}')
    return args


def split_variant(variant: str):
    """``(exclude, method, calib, options)`` of a ``--variants`` entry
    ``EXCLUDE/METHOD/CALIB[/OPTIONS]``.

    Raises:
        ValueError: one line saying which part is wrong.
    """
    from mmalphapose.apis.int8 import CALIB_METHODS, parse_exclude, quant_options
    parts = variant.split('/', 1)
    # EXCLUDE is all before METHOD: its module paths may hold '/' (+backbone/top)
    rest = parts[1].split('/') if len(parts) == 2 else []
    if len(rest) < 2:
        raise ValueError('not EXCLUDE/METHOD/CALIB[/OPTIONS]')
    k = next((i for i, r in enumerate(rest) if r in CALIB_METHODS), None)
    if k is None:
        raise ValueError(f'METHOD must be one of {CALIB_METHODS}')
    exclude = '/'.join([parts[0]] + rest[:k])
    method, tail = rest[k], rest[k + 1:]
    if not tail or tail[0] not in ('coco', 'real') or len(tail) > 2:
        raise ValueError('CALIB must be coco or real, then at most /OPTIONS')
    options = tuple(o for o in tail[1].split(',') if o) if len(tail) == 2 else ()
    parse_exclude(exclude)
    quant_options(options)
    return exclude, method, tail[0], options


def with_flip(model, flip: bool):
    """``model`` (weights shared) with the flip test set to ``flip`` for
    every person (no ``flip_min_height``)."""
    rt = copy.copy(model)
    cfg = dict(getattr(model, 'test_cfg', None) or {}, flip_test=bool(flip))
    cfg.pop('flip_min_height', None)
    rt.test_cfg = cfg
    return rt


def build_variants(model, args, cache_dir: str) -> Dict[str, object]:
    """The runtime models of ``model``: float32 (flip, and without flip
    with ``--flip-off``) and one int8 network per ``--variants`` entry
    (quantised into ``cache_dir`` first; flip on). Also prints what each
    quantisation took."""
    from mmalphapose.apis.backends import OnnxRuntimeBackend, OnnxRuntimeNetwork, runtime_model
    from mmalphapose.apis.int8 import calibration_crops, preprocess_crops, quantise_int8
    sys.path.insert(0, osp.join(ROOT, 'tools', 'deployment'))
    from export_onnx import coco_crops
    backend = OnnxRuntimeBackend(cache_dir=cache_dir, num_threads=args.threads)
    fp32 = backend.build(model)
    out = {'float32': with_flip(fp32, True)}
    if args.flip_off:
        out['float32, no flip'] = with_flip(fp32, False)
    for h in args.flip_min_height:
        rt = with_flip(fp32, True)
        rt.test_cfg['flip_min_height'] = h
        out[f'float32, flip >= {h:g} px'] = rt
    calib = {}
    for v in args.variants:
        exclude, method, source, options = split_variant(v)
        if source not in calib:
            t0 = time.time()
            calib[source] = calibration_crops(model, args.data_root, args.photos, args.frames) \
                if source == 'real' else preprocess_crops(model, *coco_crops())
            print(f'calibration set {source}: {len(calib[source])} crops (mirrors included), '
                  f'{time.time() - t0:.0f} s', flush=True)
        path = osp.join(cache_dir, v.replace('/', '_') + '.int8.onnx')
        t0 = time.time()
        quantise_int8(
            backend.onnx_path(model),
            path,
            calib[source],
            exclude,
            method,
            options=options,
            crops=args.calib_crops)
        print(f'{v}: quantised in {time.time() - t0:.0f} s', flush=True)
        net = OnnxRuntimeNetwork(path, args.threads)
        rt = runtime_model(model, net)
        rt.default_pose_batch = fp32.default_pose_batch
        out[f'int8 {v}'] = with_flip(rt, True)
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


def hands21_pck(model, data_root: str) -> float:
    """hands21 PCK@0.2 of a 136-keypoint ``model`` as ``--wholebody``
    measures a single network: the hand box as its person box, the hand
    (left or right) with the higher mean score."""
    from wholebody_eval import hand_pck, model_predictor, network_hand
    return hand_pck(network_hand(model_predictor(model)), osp.join(data_root, 'hands21'))['pck']


def pipeline_ap(name: str, model, data_root: str) -> float:
    """coco_mini_train body AP through the default pipeline
    (``wholebody_eval.PipelineModel``) with ``model`` as its pose network."""
    from wholebody_eval import PipelineModel, pipeline_body_ap
    pipe = PipelineModel(name)
    pipe.pose.pose.predictor.model = model
    return pipeline_body_ap(pipe, data_root)


FLAT = {
    'body AP, coco_mini_train (GT boxes)': ('coco_mini_train_body_ap', ),
    'body AP, coco_mini_train (pipeline)': ('pipeline_body_ap', ),
    'whole-body AP, COCO-WholeBody sample (GT boxes)':
    ('wholebody', 'coco_wholebody_gt_boxes', 'wholebody'),
    'whole-body AP, COCO-WholeBody sample (detector boxes)':
    ('wholebody', 'coco_wholebody_det_boxes', 'wholebody'),
    'foot AP, COCO-WholeBody sample (GT boxes)': ('wholebody', 'coco_wholebody_gt_boxes', 'foot'),
    'face AP, COCO-WholeBody sample (GT boxes)': ('wholebody', 'coco_wholebody_gt_boxes', 'face'),
    'left-hand AP, COCO-WholeBody sample (GT boxes)':
    ('wholebody', 'coco_wholebody_gt_boxes', 'left_hand'),
    'whole-body AP, Halpe-136 sample (GT boxes)': ('wholebody', 'halpe136_gt_boxes', 'wholebody'),
    'whole-body AP, Halpe-136 sample (detector boxes)':
    ('wholebody', 'halpe136_det_boxes', 'wholebody'),
    'HELEN face NME (face box x2; lower is better)':
    ('wholebody', 'helen_face_nme_person_box_2x_face', 'nme'),
    'hands21 PCK@0.2': ('wholebody', 'hands21_pck02', 'pck'),
}


def _get(res: dict, path):
    for k in path:
        if not isinstance(res, dict) or k not in res:
            return None
        res = res[k]
    return res if isinstance(res, (int, float)) else None


def table(name: str, res: Dict[str, dict]) -> List[str]:
    """Markdown: one column per network, the change against float32 in
    brackets."""
    keys = list(res)
    base = res['float32']
    rows = [
        f'{name} | ' + ' | '.join(keys) + ' |', '| --- |' + ' --- |' * len(keys),
        '| crops/s (batch 4) | ' + ' | '.join(
            f'{res[k]["crops_per_s"]:.1f} ({res[k]["crops_per_s"] / base["crops_per_s"]:.2f}x)'
            for k in keys) + ' |'
    ]
    for label, path in FLAT.items():
        b = _get(base, path)
        if b is None:
            continue
        cells = []
        for k in keys:
            v = _get(res[k], path)
            cells.append('-' if v is None else (f'{v:.3f}' if k == 'float32' else
                                                f'{v:.3f} ({v - b:+.3f})'))
        rows.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return rows


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from wholebody_eval import evaluate, mini_train_body_ap, model_predictor

    from mmalphapose.apis import init_model
    from mmalphapose.apis.int8 import calibration_crops
    results: Dict[str, dict] = {}
    lines: List[str] = [f'start {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
                        f'load average {os.getloadavg()[0]:.1f}']
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            model = init_model(name)  # PyTorch: the base of every runtime model
            models = build_variants(model, args, tmp)
            crops = torch.from_numpy(
                calibration_crops(model, args.data_root, photos=8, frames_per_video=0)[:8])
            speed = speeds(models, crops, args.rounds)
            det = None
            if args.wholebody and model.dataset_meta['num_keypoints'] == 136:
                from mmalphapose.models.detectors import ONNXPersonDetector
                from mmalphapose.utils.resources import resolve_resource
                det = ONNXPersonDetector(
                    resolve_resource('checkpoints/nanodet.onnx', 'detector'), score_thr=0.3)
            res = {}
            for k, m in models.items():
                t0 = time.time()
                r = dict(crops_per_s=round(speed[k], 1))
                r['coco_mini_train_body_ap'] = round(
                    mini_train_body_ap(model_predictor(m, None), args.data_root), 4)
                if args.pipeline:
                    r['pipeline_body_ap'] = pipeline_ap(name, m, args.data_root)
                if det is not None and 'no flip' not in k:
                    r['wholebody'] = evaluate(f'{name} {k}', m, args, det)
                elif args.hands21 and model.dataset_meta['num_keypoints'] == 136:
                    r['wholebody'] = dict(hands21_pck02=dict(pck=hands21_pck(m, args.data_root)))
                res[k] = r
                print(f'{name} {k} ({time.time() - t0:.0f} s): {json.dumps(r)}', flush=True)
            results[name] = res
            lines += table(name, res) + ['']
    lines.append(f'end {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
                 f'load average {os.getloadavg()[0]:.1f}')
    print(f'\n{args.threads} threads, flip test on unless said; speed: best of {args.rounds} '
          'interleaved rounds')
    print('\n'.join(lines))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    main()
