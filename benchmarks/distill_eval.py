"""Evaluate distilled students (and the MoveNet teacher for reference).

Measures, for a student config + checkpoint:
* COCO keypoint AP (17 body keypoints, xtcocotools) on the 4-image COCO
  sample with the GT person boxes (annotations with keypoints) and with the
  default ONNX detector's boxes;
* mean OKS against the teachers' labels on the held-out clip
  (``data/distill/halpe26_heldout_clip.json``: body-17 and all 26 points;
  ``halpe136_heldout_clip.json`` for a 136-keypoint student: also all 136);
* for a Halpe-136 student, the whole-body breakdown (body / foot / face /
  hands / whole-body AP, Halpe criterion) on the Halpe-136 GT of the same 4
  COCO images with GT boxes (``CocoMetric`` with the Halpe-136 metainfo).

Example::

    python benchmarks/distill_eval.py "$STUDENT26" \
        checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth --teacher

with ``STUDENT26`` the plain student config (see ``tools/distill/run_all.sh``;
a distiller config is not a model config).
"""
import argparse
import contextlib
import io
import json
import os.path as osp
import sys
import time
from typing import Callable, Dict, List

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmalphapose.structures import PoseMetainfo  # noqa: E402

COCO_SIGMAS = PoseMetainfo.for_num_keypoints(17).sigmas.astype(np.float64)
HALPE26_SIGMAS = PoseMetainfo.for_num_keypoints(26).sigmas.astype(np.float64)

# predictor: (img BGR, boxes (N,4) xyxy) -> (keypoints (N,K,2), scores (N,K))
Predictor = Callable[[np.ndarray, np.ndarray], tuple]


def student_predictor(config: str, checkpoint: str, flip: bool = True) -> Predictor:
    from mmalphapose.apis import TopdownPredictor, init_model
    predictor = TopdownPredictor(init_model(config, checkpoint), flip=flip)

    def predict(img, boxes):
        inst = predictor([img], np.zeros(len(boxes), np.int64), boxes)
        return (np.asarray(inst.keypoints, np.float32), np.asarray(inst.keypoint_scores,
                                                                   np.float32))

    return predict


def teacher_predictor(models_dir: str) -> Predictor:
    from mmalphapose.models.distillers import MoveNetTeacher
    t = MoveNetTeacher(osp.join(models_dir, 'movenet-thunder.onnx'))
    return lambda img, boxes: t.predict(img, boxes)


def oks(pred: np.ndarray, gt: np.ndarray, vis: np.ndarray, area: np.ndarray,
        sigmas: np.ndarray) -> np.ndarray:
    """Per-instance OKS, (N,K,2) vs (N,K,2) with (N,K) visibility; NaN when
    an instance has no visible point."""
    d2 = ((pred - gt)**2).sum(-1)
    e = d2 / (2 * sigmas[None])**2 / (area[:, None] + np.spacing(1)) / 2
    v = vis > 0
    num = (np.exp(-e) * v).sum(1)
    cnt = v.sum(1)
    return np.where(cnt > 0, num / np.maximum(cnt, 1), np.nan)


def coco_ap(gt_file: str, results: List[dict]) -> float:
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    if not results:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_file)
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, 'keypoints', COCO_SIGMAS, use_area=True)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def eval_coco(predict: Predictor,
              coco_dir: str,
              boxes_from: str,
              det_thr: float = 0.3) -> Dict[str, float]:
    gt_file = osp.join(coco_dir, 'test_coco.json')
    gt = json.load(open(gt_file))
    det = None
    if boxes_from == 'detector':
        from mmalphapose.models.detectors import ONNXPersonDetector
        det = ONNXPersonDetector(osp.join(ROOT, 'checkpoints', 'nanodet.onnx'), score_thr=det_thr)
    results, oks_list = [], []
    for im in gt['images']:
        img = cv2.imread(osp.join(coco_dir, im['file_name']))
        anns = [
            a for a in gt['annotations']
            if a['image_id'] == im['id'] and a.get('num_keypoints', 0) > 0
        ]
        if det is None:
            b = np.array([a['bbox'] for a in anns], np.float32).reshape(-1, 4)
            boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
            bscores = np.ones(len(boxes), np.float32)
        else:
            r = det.predict_images([img])[0]
            boxes, bscores = r.bboxes, r.scores
        if len(boxes) == 0:
            continue
        k, s = predict(img, boxes)
        k17, s17 = k[:, :17], s[:, :17]
        for i in range(len(boxes)):
            kp = np.concatenate([k17[i], s17[i][:, None]], 1)
            results.append(
                dict(
                    image_id=im['id'],
                    category_id=1,
                    keypoints=[float(v) for v in kp.ravel()],
                    score=float(bscores[i] * s17[i].mean())))
        if det is None:
            g = np.array([a['keypoints'] for a in anns], np.float32).reshape(-1, 17, 3)
            area = np.array([a['area'] for a in anns], np.float32)
            oks_list.extend(oks(k17, g[..., :2], g[..., 2], area, COCO_SIGMAS).tolist())
    out = dict(ap=coco_ap(gt_file, results))
    if oks_list:
        out['mean_oks'] = float(np.nanmean(oks_list))
    return out


def halpe136_meta() -> dict:
    """The Halpe-136 metainfo (sigmas, parts) as the datasets parse it."""
    from mmalphapose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(dict(from_file='configs/_base_/datasets/halpe136.py'))


def eval_wholebody(predict: Predictor, halpe_json: str, coco_dir: str) -> Dict[str, float]:
    """Whole-body AP breakdown of a 136-keypoint predictor with GT boxes."""
    from mmalphapose.evaluation import CocoMetric
    gt = json.load(open(halpe_json))
    metric = CocoMetric(ann_file=halpe_json)
    metric.dataset_meta = halpe136_meta()
    samples = []
    for im in gt['images']:
        anns = [
            a for a in gt['annotations']
            if a['image_id'] == im['id'] and a.get('num_keypoints', 0) > 0
        ]
        if not anns:
            continue
        img = cv2.imread(osp.join(coco_dir, im['file_name']))
        b = np.array([a['bbox'] for a in anns], np.float32).reshape(-1, 4)
        k, s = predict(img, np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1))
        if k.shape[1] != 136:
            raise ValueError(f'eval_wholebody: the model predicts {k.shape[1]} keypoints, '
                             'expected 136')
        for i, a in enumerate(anns):
            samples.append(
                dict(
                    img_id=im['id'],
                    id=a['id'],
                    pred_instances=dict(
                        keypoints=k[i:i + 1], keypoint_scores=s[i:i + 1], bbox_scores=np.ones(1))))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    return {name: round(float(res[f'{name}/AP']), 4)
            for name in ('body', 'foot', 'face', 'left_hand', 'right_hand')} | \
        dict(wholebody=round(float(res['AP']), 4))


def eval_clip(predict: Predictor, clip_json: str) -> Dict[str, float]:
    """Mean OKS against the teacher labels of the held-out clip."""
    d = json.load(open(clip_json))
    root = osp.dirname(clip_json)
    o17, o26, oall = [], [], []
    nk = len(d['annotations'][0]['keypoints']) // 3 if d['annotations'] else 26
    sig_all = None
    if nk == 136:
        sig_all = np.asarray(halpe136_meta()['sigmas'])
    for im in d['images']:
        anns = [a for a in d['annotations'] if a['image_id'] == im['id']]
        if not anns:
            continue
        img = cv2.imread(osp.join(root, im['file_name']))
        if img is None:
            raise FileNotFoundError(f'{clip_json}: image "{im["file_name"]}" missing; '
                                    'run tools/distill/make_teacher_labels.py')
        b = np.array([a['bbox'] for a in anns], np.float32)
        boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
        area = b[:, 2] * b[:, 3] * 0.53  # COCO-like person area from the box
        t = np.array([a['keypoints'] for a in anns], np.float32).reshape(-1, nk, 3)
        k, _ = predict(img, boxes)
        if sig_all is not None and k.shape[1] == 136:
            oall.extend(oks(k, t[..., :2], t[..., 2], area, sig_all).tolist())
        o17.extend(oks(k[:, :17], t[:, :17, :2], t[:, :17, 2], area, COCO_SIGMAS).tolist())
        if k.shape[1] >= 26:
            o26.extend(oks(k[:, :26], t[:, :26, :2], t[:, :26, 2], area, HALPE26_SIGMAS).tolist())
    out = dict(instances=len(o17), oks_body17=float(np.nanmean(o17)))
    if o26:
        out['oks_halpe26'] = float(np.nanmean(o26))
    if oall:
        out['oks_halpe136'] = float(np.nanmean(oall))
    return out


def evaluate(name: str, predict: Predictor, args) -> dict:
    t0 = time.time()
    res = dict(
        name=name,
        coco_gt_boxes=eval_coco(predict, args.coco_dir, 'gt'),
        coco_det_boxes=eval_coco(predict, args.coco_dir, 'detector', args.det_thr))
    if osp.isfile(args.clip_json):
        res['heldout_clip_vs_teachers'] = eval_clip(predict, args.clip_json)
    if getattr(args, 'wholebody', False):
        res['halpe136_gt_boxes'] = eval_wholebody(predict, args.halpe_json, args.coco_dir)
    res['seconds'] = round(time.time() - t0, 1)
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', nargs='?')
    p.add_argument('checkpoint', nargs='?')
    p.add_argument('--no-flip', action='store_true')
    p.add_argument('--teacher', action='store_true', help='also evaluate MoveNet Thunder')
    p.add_argument('--models-dir', default=osp.join(ROOT, 'checkpoints'))
    p.add_argument('--coco-dir', default=osp.join(ROOT, 'tests', 'data', 'coco'))
    p.add_argument(
        '--clip-json', default=osp.join(ROOT, 'data', 'distill', 'halpe26_heldout_clip.json'))
    p.add_argument('--det-thr', type=float, default=0.3)
    p.add_argument(
        '--halpe-json', default=osp.join(ROOT, 'tests', 'data', 'halpe', 'test_halpe.json'))
    p.add_argument('--out', help='write the results as JSON here')
    args = p.parse_args()
    import torch
    torch.set_num_threads(2)
    all_res = []
    if args.config:
        from mmengine.config import Config
        cfg = Config.fromfile(args.config)
        student = cfg.model.get('student', cfg.model)
        args.wholebody = student.head.out_channels == 136
        all_res.append(
            evaluate(
                osp.basename(args.checkpoint or args.config),
                student_predictor(args.config, args.checkpoint, not args.no_flip), args))
    if args.teacher:
        args.wholebody = False
        all_res.append(
            evaluate('movenet-thunder (teacher)', teacher_predictor(args.models_dir), args))
    print(json.dumps(all_res, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(all_res, f, indent=1)


if __name__ == '__main__':
    main()
