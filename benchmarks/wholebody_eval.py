"""Whole-body evaluation of Halpe-136 models: the teacher ensemble
(``halpe136-teachers``) and the distilled Halpe-136 student side by side.

For each model (``init_model`` + ``inference_topdown``; GT or detector boxes):

* per-part AP (body / foot / face / left hand / right hand / whole-body) on the
  Halpe-136 sample (``DATA_ROOT/halpe/test_halpe.json``, Halpe criterion) and
  on the COCO-WholeBody sample (``coco_wholebody/test_coco_wholebody.json``,
  predictions mapped 136 -> 133), with the GT person boxes and with the
  bundled NanoDet detector's boxes (score >= ``--det-thr``); images in
  ``DATA_ROOT/coco``;
* face NME (mean error / outer eye-corner distance, points 36 and 45) on
  ``faces68/helen_test.json``: the whole model (face box from its own body
  keypoints) with the GT face box x 2 as the person box (HELEN images may show
  several faces; this box names the annotated one) and with the whole image
  as the person box; for the ensemble also the face net alone on the GT
  landmark box (the port's accuracy);
* hand PCK@0.2 (error < 0.2 x the longest side of the GT hand box) on
  ``hands21`` (16 hand crops): the ensemble's hand stage on the GT hand box
  (orientation unknown: upright, then the rotation search); the student on
  the GT hand box as its person box (the better-scored of its two hands);
* body AP (COCO-17, xtcocotools) on ``coco_mini_train`` with GT boxes;
* speed: people per second over the Halpe-sample GT-box run (after one warm-up
  call), this machine's torch / onnxruntime threads.

A body reference model (``--reference-config``, default the Halpe-26 student)
gets the two measures a body model shares with these: speed and
``coco_mini_train`` body AP, for the student's no-regression check.

``--pipeline`` instead runs every model of ``--pipeline-models`` as a user runs
it: the bundled detector -> person boxes -> pose -> P-NMS -> the config's part
refiner if any (the ``AlphaPose`` one-call API, no tracking; ``halpe136-student``
of the model index has one); ``MODEL-refiner`` runs it without the config's
refiner (``--no-part-refine``), ``MODEL+refiner`` with the
``WholeBodyPartRefiner`` of ``--refiner-cfg`` instead and ``MODEL+refiner=JSON``
with these arguments over it (settings compared in one run):

* face NME (inter-ocular) and miss rate on the HELEN *test photos* (one
  annotated face each), at their size and downscaled so the annotated face is
  ``--face-px`` (50) pixels: the person whose face points fall most inside the
  GT face box is the one meant; a face is missed when no person has a face
  point inside it or its NME is > 0.1; the median counts a missed face with
  no point inside as infinite;
* body AP (COCO-17, xtcocotools) on ``coco_mini_train`` from the people the
  pipeline writes, ranked by their written person score (``scores``) as the
  ``--format coco`` output is;
* for a refiner, hands21 PCK@0.2 of its hand stage on the GT hand box (the
  crops show no body, so the detector -> body step cannot run on them);
* frames/s of each pipeline on the first frames of ``--speed-clips``
  (75 basketball frames, 30 arm-wrestling frames), all models interleaved
  frame by frame so that they share the machine's load.

Examples::

    python benchmarks/wholebody_eval.py ../shared/data --out wholebody.json
    python benchmarks/wholebody_eval.py ../shared/data --pipeline --threads 1 \
        --pipeline-models halpe26-student halpe136-student-refiner halpe136-student
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

TEACHER_CFG = 'configs/distillation/onnx-teachers_halpe136-256x256.py'
STUDENT_CFG = ('configs/wholebody_2d_keypoint/heatmap/halpe136/'
               'heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py')
STUDENT_CKPT = 'checkpoints/movenet-partfpn_heatmap_halpe136-distill-256x256.pth'
REFERENCE_CFG = ('configs/body_2d_keypoint/heatmap/halpe26/'
                 'heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py')
REFERENCE_CKPT = 'checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth'
#: Halpe-136 index of each COCO-WholeBody-133 keypoint (body, feet, face, hands)
HALPE136_TO_COCO133 = list(range(17)) + [20, 22, 24, 21, 23, 25] + list(range(26, 136))

# (img BGR, boxes (N,4) xyxy) -> (keypoints (N,136,2), scores (N,136))
Predictor = Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]


def model_predictor(model, num_keypoints: Optional[int] = 136) -> Predictor:
    """``predict(img, boxes) -> (keypoints (N,K,2), scores (N,K))``; K must
    be ``num_keypoints`` (None: any K >= 17, for a body reference model)."""
    from mmalphapose.apis import inference_topdown

    def predict(img: np.ndarray, boxes: np.ndarray):
        samples = inference_topdown(model, img, np.asarray(boxes, np.float32).reshape(-1, 4))
        k = np.stack([np.asarray(s.pred_instances.keypoints, np.float32)[0] for s in samples])
        s = np.stack(
            [np.asarray(s.pred_instances.keypoint_scores, np.float32).reshape(-1) for s in samples])
        if (num_keypoints is not None and k.shape[1] != num_keypoints) or k.shape[1] < 17:
            raise ValueError(f'wholebody_eval: the model predicts {k.shape[1]} keypoints, '
                             f'expected {num_keypoints or "at least 17"}')
        return k, s

    return predict


def _xyxy(xywh) -> np.ndarray:
    b = np.asarray(xywh, np.float32).reshape(-1, 4)
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)


def _load(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'wholebody_eval: "{path}" not found')
    with open(path) as f:
        return json.load(f)


def part_ap(predict: Predictor,
            gt_file: str,
            image_dir: str,
            meta_file: str,
            detector=None,
            converter: Optional[List[int]] = None) -> Dict[str, float]:
    """Per-part AP with GT boxes (``detector=None``) or detector boxes."""
    from mmalphapose.datasets import parse_pose_metainfo
    from mmalphapose.evaluation import CocoMetric
    from mmalphapose.utils.resources import resolve_resource
    gt = _load(gt_file)
    meta = parse_pose_metainfo(dict(from_file=resolve_resource(meta_file, 'metainfo')))
    conv = None if converter is None else dict(
        num_keypoints=len(converter), mapping=[(s, d) for d, s in enumerate(converter)])
    metric = CocoMetric(ann_file=gt_file, pred_converter=conv)
    metric.dataset_meta = meta
    samples = []
    for im in gt['images']:
        img = cv2.imread(osp.join(image_dir, im['file_name']))
        if img is None:
            raise FileNotFoundError(f'{gt_file}: image "{im["file_name"]}" not in {image_dir}')
        if detector is None:
            anns = [
                a for a in gt['annotations'] if a['image_id'] == im['id']
                and a.get('num_keypoints', 1) > 0 and not a.get('iscrowd', 0)
            ]
            boxes = _xyxy([a['bbox'] for a in anns])
            bscores = np.ones(len(boxes), np.float32)
        else:
            r = detector.predict_images([img])[0]
            boxes, bscores = np.asarray(r.bboxes, np.float32), np.asarray(r.scores, np.float32)
        if len(boxes) == 0:
            continue
        k, s = predict(img, boxes)
        for i in range(len(boxes)):
            samples.append(
                dict(
                    img_id=im['id'],
                    id=None,
                    pred_instances=dict(
                        keypoints=k[i:i + 1],
                        keypoint_scores=s[i:i + 1],
                        bboxes=boxes[i:i + 1],
                        bbox_scores=bscores[i:i + 1])))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    out = {
        name: round(float(res[f'{name}/AP']), 3)
        for name in ('body', 'foot', 'face', 'left_hand', 'right_hand') if f'{name}/AP' in res
    }
    out['wholebody'] = round(float(res['AP']), 3)
    return out


def body_ap(predict: Predictor, gt_file: str, image_dir: str) -> float:
    """COCO-17 AP with the GT boxes of the annotations that have keypoints."""
    from mmalphapose.datasets import parse_pose_metainfo
    from mmalphapose.evaluation import CocoMetric
    from mmalphapose.utils.resources import resolve_resource
    gt = _load(gt_file)
    metric = CocoMetric(
        ann_file=gt_file,
        pred_converter=dict(num_keypoints=17, mapping=[(i, i) for i in range(17)]))
    metric.dataset_meta = parse_pose_metainfo(
        dict(from_file=resolve_resource('configs/_base_/datasets/coco.py', 'metainfo')))
    samples = []
    for im in gt['images']:
        anns = [
            a for a in gt['annotations'] if a['image_id'] == im['id']
            and a.get('num_keypoints', 0) > 0 and not a.get('iscrowd', 0)
        ]
        if not anns:
            continue
        img = cv2.imread(osp.join(image_dir, im['file_name']))
        boxes = _xyxy([a['bbox'] for a in anns])
        k, s = predict(img, boxes)
        samples.append(
            dict(
                img_id=im['id'],
                id=None,
                pred_instances=dict(
                    keypoints=k, keypoint_scores=s, bboxes=boxes, bbox_scores=np.ones(len(boxes)))))
    metric.process(None, samples)
    return round(float(metric.compute_metrics(metric.results)['AP']), 3)


def face_nme(predict_faces: Callable[[np.ndarray, dict], np.ndarray],
             helen_json: str) -> Dict[str, float]:
    """Mean NME (inter-ocular, outer corners) over the faces of a HELEN file;
    ``predict_faces(img, ann) -> (68,2)``."""
    gt = _load(helen_json)
    root = osp.dirname(helen_json)
    ims = {i['id']: i for i in gt['images']}
    nmes = []
    for a in gt['annotations']:
        img = cv2.imread(osp.join(root, ims[a['image_id']]['file_name']))
        g = np.asarray(a['face_kpts'], np.float32).reshape(68, 3)[:, :2]
        p = predict_faces(img, a)
        nmes.append(np.linalg.norm(p - g, axis=1).mean() / np.linalg.norm(g[36] - g[45]))
    nmes = np.asarray(nmes)
    return dict(
        nme=round(float(nmes.mean()), 4),
        median=round(float(np.median(nmes)), 4),
        faces=len(nmes),
        failure_rate_0_1=round(float((nmes > 0.1).mean()), 3))


def hand_pck(predict_hand: Callable[[np.ndarray, np.ndarray], np.ndarray],
             hands_root: str,
             thr: float = 0.2) -> Dict[str, float]:
    """PCK@thr on hands21; ``predict_hand(img, box_xyxy (4,)) -> (21,2)``."""
    per_set: Dict[str, List[float]] = {}
    files = sorted(glob.glob(osp.join(hands_root, '*', '*.json')))
    if not files:
        raise FileNotFoundError(f'wholebody_eval: no hands21 JSON under "{hands_root}"')
    for f in files:
        d = _load(f)
        ims = {i['id']: i for i in d['images']}
        for a in d['annotations']:
            img = cv2.imread(osp.join(osp.dirname(f), ims[a['image_id']]['file_name']))
            g = np.asarray(a['keypoints'], np.float32).reshape(21, 3)
            box = _xyxy(a['bbox'])[0]
            p = predict_hand(img, box)
            vis = g[:, 2] > 0
            ok = np.linalg.norm(p - g[:, :2], axis=1)[vis] < thr * max(a['bbox'][2:4])
            per_set.setdefault(osp.basename(osp.dirname(f)), []).extend(ok.tolist())
    allv = [v for vs in per_set.values() for v in vs]
    return dict(
        pck=round(float(np.mean(allv)), 3),
        **{
            k: round(float(np.mean(v)), 3)
            for k, v in per_set.items()
        })


def network_hand(predict: Predictor) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The hand stage of a single 136-keypoint network on hands21: the hand
    box as its person box, the hand (left 94-114 or right 115-135) with the
    higher mean score; ``(img, box (4,)) -> (21, 2)`` points."""

    def hand(img: np.ndarray, box: np.ndarray) -> np.ndarray:
        k, s = predict(img, box[None])
        left, right = s[0, 94:115].mean(), s[0, 115:136].mean()
        return k[0, 94:115] if left >= right else k[0, 115:136]

    return hand


def head_box(face_xywh, shape, scale: float = 2.0) -> np.ndarray:
    """(1,4) person box for a HELEN face: the GT face box scaled by
    ``scale`` about its centre, clipped to the image (HELEN images may show
    several faces; this box says which one is meant, as a GT person box
    does in COCO)."""
    x, y, w, h = face_xywh
    cx, cy, half = x + w / 2, y + h / 2, max(w, h) * scale / 2
    return np.array(
        [[max(cx - half, 0),
          max(cy - half, 0),
          min(cx + half, shape[1]),
          min(cy + half, shape[0])]], np.float32)


def people_per_second(predict: Predictor, gt_file: str, image_dir: str) -> float:
    gt = _load(gt_file)
    jobs = []
    for im in gt['images']:
        anns = [
            a for a in gt['annotations']
            if a['image_id'] == im['id'] and a.get('num_keypoints', 1) > 0
        ]
        if anns:
            jobs.append((cv2.imread(osp.join(image_dir,
                                             im['file_name'])), _xyxy([a['bbox'] for a in anns])))
    predict(*jobs[0])  # warm-up
    t0, n = time.perf_counter(), 0
    for img, boxes in jobs:
        predict(img, boxes)
        n += len(boxes)
    return round(n / (time.perf_counter() - t0), 2)


def mini_train_body_ap(predict: Predictor, data_root: str) -> float:
    """:func:`body_ap` on ``coco_mini_train`` (86 people, GT boxes)."""
    mini = osp.join(data_root, 'coco_mini_train')
    return body_ap(predict, osp.join(mini, 'person_keypoints_train2017_mini.json'), mini)


class PipelineModel:
    """The default pipeline as a user runs it (``AlphaPose(model,
    track='none')``): bundled detector -> person boxes -> pose -> P-NMS ->
    [PartRefineStage]. ``refiner``: a part refiner run in a PartRefineStage
    after P-NMS, where the builder puts the config's (None: the config's
    ``part_refiner`` if any; False: none). ``__call__(img)`` returns the
    frame's InstanceData (``keypoints``, ``keypoint_scores``, ``scores``)."""

    def __init__(self, model: str, refiner=None, bbox_thr: float = 0.2,
                 nms_thr: Optional[float] = None) -> None:
        from mmalphapose import AlphaPose
        from mmalphapose.apis.stages import NMSStage, PartRefineStage
        self.pose = AlphaPose(model, track='none', bbox_thr=bbox_thr)
        self.pose.detect.nms_thr = nms_thr  # the demo's --nms-thr (DetectStage)
        steps = self.pose.pose.steps
        has = [isinstance(s, PartRefineStage) for s in steps]
        if refiner is False or (refiner is not None and any(has)):
            steps[:] = [s for s, h in zip(steps, has) if not h]
        if refiner:
            nms = [i for i, s in enumerate(steps) if isinstance(s, NMSStage)]
            steps.insert(nms[0] + 1 if nms else 0, PartRefineStage(refiner))

    def __call__(self, img: np.ndarray):
        from mmalphapose.apis.inputs import Frame
        pose = self.pose  # AlphaPose.__call__'s steps, keeping the InstanceData
        record = Frame(pose.source, pose.frame_index, f'{pose.frame_index}.jpg', img)
        pose.frame_index += 1
        pose.pose.process(pose.detect.detect([record]))
        return record.instances


def _face_ids(num_keypoints: int) -> np.ndarray:
    from mmalphapose.structures.pose_metainfo import PoseMetainfo
    face = PoseMetainfo.for_num_keypoints(num_keypoints).parts.get('face')
    if face is None or len(face) != 68:
        raise ValueError(f'wholebody_eval: a {num_keypoints}-keypoint model has no 68-point face')
    return np.asarray(face)


def helen_photos(helen_json: str, face_px: Optional[float] = None, max_photos: int = 0):
    """The HELEN test photos as ``(image BGR, face points (68,2), face box
    xywh (4,))``; ``face_px``: each photo downscaled so its annotated face's
    longest side is this many pixels (never upscaled)."""
    gt = _load(helen_json)
    root = osp.dirname(helen_json)
    ims = {i['id']: i for i in gt['images']}
    anns = gt['annotations'][:max_photos] if max_photos > 0 else gt['annotations']
    for a in anns:
        img = cv2.imread(osp.join(root, ims[a['image_id']]['file_name']))
        if img is None:
            raise FileNotFoundError(f'{helen_json}: image of annotation {a["id"]} not found')
        g = np.asarray(a['face_kpts'], np.float32).reshape(68, 3)[:, :2]
        box = np.asarray(a['face_box'], np.float32)
        f = 1.0 if face_px is None else min(1.0, face_px / float(max(box[2:])))
        if f < 1.0:
            img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            g, box = g * f, box * f
        yield img, g, box


def face_nme_of_people(keypoints: np.ndarray, g: np.ndarray, box: np.ndarray) -> float:
    """NME (inter-ocular) of the person meant by a GT face: the one whose
    68 face points (of ``keypoints`` (N,K,2)) fall most inside the face box
    (xywh), the lower NME breaking ties; inf when no person has a face point
    inside it."""
    if len(keypoints) == 0:
        return float(np.inf)
    k = np.asarray(keypoints, np.float32)
    face = k[:, _face_ids(k.shape[1])]  # (N,68,2)
    inside = ((face >= box[:2]) & (face <= box[:2] + box[2:])).all(-1).sum(1)
    if inside.max() == 0:
        return float(np.inf)
    err = np.linalg.norm(face - g, axis=-1).mean(1) / np.linalg.norm(g[36] - g[45])
    return float(err[np.lexsort((err, -inside))[0]])


def nme_summary(nmes, sizes=None, miss_nme: float = 0.1) -> Dict[str, float]:
    """Median NME (a face with no point inside counts as infinite), mean
    of the found faces, miss rate (NME > ``miss_nme`` or not found)."""
    nmes = np.asarray(nmes, np.float64)
    found = nmes[np.isfinite(nmes)]
    out = dict(
        median_nme=round(float(np.median(nmes)), 4),
        mean_nme_found=round(float(found.mean()), 4) if len(found) else None,
        miss_rate=round(float((nmes > miss_nme).mean()), 3),
        no_face_points=round(float((~np.isfinite(nmes)).mean()), 3),
        faces=len(nmes))
    if sizes is not None:
        out['face_px_median'] = round(float(np.median(sizes)), 1)
    return out


def pipeline_face(pipe: PipelineModel,
                  helen_json: str,
                  face_px: Optional[float] = None,
                  max_photos: int = 0,
                  miss_nme: float = 0.1) -> Dict[str, float]:
    """Face NME / miss rate of the pipeline on the HELEN test photos (see
    the module docstring); ``face_px``: downscale each photo so its annotated
    face's longest side is this many pixels (never upscaled)."""
    nmes, sizes = [], []
    for img, g, box in helen_photos(helen_json, face_px, max_photos):
        sizes.append(float(max(box[2:])))
        inst = pipe(img)
        nmes.append(face_nme_of_people(inst.keypoints if len(inst) else np.zeros((0, 136, 2)),
                                       g, box))
    return nme_summary(nmes, sizes, miss_nme)


def pipeline_body_ap(pipe: PipelineModel, data_root: str, max_images: int = 0) -> float:
    """COCO-17 AP on ``coco_mini_train`` of the people the pipeline writes,
    scored by their written person score."""
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    mini = osp.join(data_root, 'coco_mini_train')
    gt_file = osp.join(mini, 'person_keypoints_train2017_mini.json')
    gt = _load(gt_file)
    images = gt['images'][:max_images] if max_images > 0 else gt['images']
    dets = []
    for im in images:
        img = cv2.imread(osp.join(mini, im['file_name']))
        if img is None:
            raise FileNotFoundError(f'{gt_file}: image "{im["file_name"]}" not in {mini}')
        inst = pipe(img)
        if not len(inst):
            continue
        k = np.asarray(inst.keypoints, np.float64)[:, :17]
        s = np.asarray(inst.keypoint_scores, np.float64).reshape(len(k), -1)[:, :17]
        for kp, ks, score in zip(k, s, np.asarray(inst.scores, np.float64).reshape(-1)):
            dets.append(
                dict(
                    image_id=im['id'],
                    category_id=1,
                    keypoints=np.concatenate([kp, ks[:, None]], 1).reshape(-1).tolist(),
                    score=float(score)))
    if not dets:
        return 0.0
    coco = COCO(gt_file)
    ev = COCOeval(coco, coco.loadRes(dets), 'keypoints', use_area=True)
    ev.params.imgIds = [im['id'] for im in images]
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return round(float(ev.stats[0]), 3)


def pipelines_fps(pipes: Dict[str, PipelineModel], video: str,
                  frames: int) -> Dict[str, Dict[str, float]]:
    """Frames/s of each pipeline on the first ``frames`` frames of a video,
    interleaved (each frame goes through every pipeline in turn, the order
    rotating), so that a busy machine's load falls on all alike (one warm-up
    frame first; decoding not counted). ``{name: {'fps': wall-clock frames/s,
    'cpu_fps': frames per CPU-second of this process}}``: on a machine that
    other jobs load, the CPU time is the steadier measure of the work done
    (with one thread per stage, as ``--threads 1`` runs it, it is the time an
    idle core would take)."""
    cap = cv2.VideoCapture(video)
    imgs = []
    while len(imgs) < frames + 1:
        ok, img = cap.read()
        if not ok:
            break
        imgs.append(img)
    cap.release()
    if len(imgs) < 2:
        raise FileNotFoundError(f'wholebody_eval: cannot read frames of "{video}"')
    names = list(pipes)
    spent = {name: np.zeros(2) for name in names}
    for name in names:
        pipes[name].pose.reset()
        pipes[name](imgs[0])
    for i, img in enumerate(imgs[1:]):
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = np.array([time.perf_counter(), time.process_time()])
            pipes[name](img)
            spent[name] += np.array([time.perf_counter(), time.process_time()]) - t0
    n = len(imgs) - 1
    return {
        name: dict(fps=round(n / wall, 3), cpu_fps=round(n / cpu, 3))
        for name, (wall, cpu) in spent.items()
    }


SPEED_CLIPS = {
    'basketball': (osp.join(ROOT, 'demo', 'resources', 'demo_basketball.mp4'), 75),
    'armwrestling':
    (osp.join(osp.dirname(ROOT), 'shared', 'data', 'videos',
              'mmaction2_demo_armwrestling.mp4'), 30),
}


def build_pipeline(name: str, args) -> PipelineModel:
    """``MODEL`` (as the model index configures it), ``MODEL-refiner`` (its
    config's part refiner off, ``--no-part-refine``), ``MODEL+refiner`` (the
    WholeBodyPartRefiner with ``--refiner-cfg`` in a PartRefineStage) or
    ``MODEL+refiner=JSON`` (with these arguments over ``--refiner-cfg``, to
    compare settings in one run) of ``--pipeline-models``; any of them with
    ``@flip=H`` has its model's flip test on for the boxes at least H px tall
    (``test_cfg.flip_min_height``; ``@flip=all``: everybody flipped,
    ``@flip=off``: nobody)."""
    name, at, flip = name.partition('@flip=')
    if at:
        pipe = build_pipeline(name, args)
        model = pipe.pose.pose.predictor.model
        model.test_cfg = dict(model.test_cfg or {},
                              flip_test=flip != 'off',
                              flip_min_height=None if flip in ('all', 'off') else float(flip))
        return pipe
    if name.endswith('-refiner'):
        return PipelineModel(name[:-len('-refiner')], False, args.bbox_thr, args.nms_thr)
    model, _, refine = name.partition('+')
    refiner = None
    if refine:
        if refine != 'refiner' and not refine.startswith('refiner='):
            raise ValueError(f'--pipeline-models: "{name}" is not MODEL, MODEL-refiner, '
                             'MODEL+refiner or MODEL+refiner=JSON')
        from mmalphapose.registry import MODELS
        cfg = dict(type='WholeBodyPartRefiner', num_threads=args.threads)
        cfg.update(json.loads(args.refiner_cfg))
        cfg.update(json.loads(refine.partition('=')[2] or '{}'))
        refiner = MODELS.build(cfg)
    return PipelineModel(model, refiner, args.bbox_thr, args.nms_thr)


def evaluate_pipeline(pipe: PipelineModel, name: str, args) -> dict:
    """The accuracy measures of one ``--pipeline-models`` entry."""
    refiner = next((s.refiner for s in pipe.pose.pose.steps if hasattr(s, 'refiner')), None)
    d = args.data_root
    t0 = time.time()
    res: Dict[str, object] = dict(model=name)
    todo = args.measures
    pipe.pose.reset()
    if 'body' in todo:
        res['coco_mini_train_pipeline_body_ap'] = pipeline_body_ap(pipe, d, args.max_images)
    helen = osp.join(d, 'faces68', 'helen_test.json')
    if 'face' in todo and pipe.pose.metainfo['num_keypoints'] in (133, 136):
        res['helen_photos_face'] = pipeline_face(pipe, helen, None, args.max_photos)
        res[f'helen_photos_face_{args.face_px:g}px'] = pipeline_face(
            pipe, helen, args.face_px, args.max_photos)
    if 'hands' in todo and refiner and refiner.hand is not None:
        def hand_stage(img, box):
            # no body on a hands21 crop, so no forearm: the orientation is unknown and
            # the quarter-turn search runs from any presence (the refiner's
            # hand_retry_min is for crops along a forearm; docs/wholebody.md)
            k, _ = refiner.hand.predict(img, box[None], np.array([-np.pi / 2], np.float32),
                                        refiner.hand_retry_thr)
            return k[0]

        res['hands21_pck02_refiner_gt_box'] = hand_pck(hand_stage, osp.join(d, 'hands21'))
    res['seconds'] = round(time.time() - t0, 1)
    return res


def evaluate(name: str, model, args, detector) -> dict:
    predict = model_predictor(model)
    d = args.data_root
    res: Dict[str, object] = dict(model=name)
    halpe = osp.join(d, 'halpe', 'test_halpe.json')
    cwb = osp.join(d, 'coco_wholebody', 'test_coco_wholebody.json')
    images = osp.join(d, 'coco')
    t0 = time.time()
    res['people_per_s'] = people_per_second(predict, halpe, images)
    for boxes, det in (('gt_boxes', None), ('det_boxes', detector)):
        res[f'halpe136_{boxes}'] = part_ap(predict, halpe, images,
                                           'configs/_base_/datasets/halpe136.py', det)
        res[f'coco_wholebody_{boxes}'] = part_ap(
            predict,
            cwb,
            images,
            'configs/_base_/datasets/coco_wholebody.py',
            det,
            converter=HALPE136_TO_COCO133)

    def whole_image_face(img, ann):
        h, w = img.shape[:2]
        k, _ = predict(img, np.array([[0, 0, w, h]], np.float32))
        return k[0, 26:94]

    def face_box_person(img, ann):
        k, _ = predict(img, head_box(ann['face_box'], img.shape[:2]))
        return k[0, 26:94]

    helen = osp.join(d, 'faces68', 'helen_test.json')
    res['helen_face_nme_person_box_2x_face'] = face_nme(face_box_person, helen)
    res['helen_face_nme_whole_image'] = face_nme(whole_image_face, helen)
    hands_root = osp.join(d, 'hands21')
    inner = getattr(model, 'hand', None)
    if inner is not None:  # the ensemble: its hand stage on the GT hand box
        def hand_stage(img, box):
            k, _ = inner.predict(img, box[None], np.array([-np.pi / 2], np.float32),
                                 model.hand_retry_thr)
            return k[0]

        res['hands21_pck02'] = hand_pck(hand_stage, hands_root)

        def face_stage(img, ann):
            x, y, w, h = ann['face_box']
            return model.face.predict(img, np.array([[x, y, x + w, y + h]], np.float32))[0][0]

        res['helen_face_nme_face_net_gt_box'] = face_nme(face_stage, helen)
    else:
        res['hands21_pck02'] = hand_pck(network_hand(predict), hands_root)
    res['coco_mini_train_body_ap'] = mini_train_body_ap(predict, d)
    res['seconds'] = round(time.time() - t0, 1)
    return res


def evaluate_body_reference(name: str, model, args) -> dict:
    """The measures a body-only model (e.g. the Halpe-26 student) shares with
    the whole-body ones: speed on the Halpe sample and coco_mini_train body AP."""
    predict = model_predictor(model, None)
    d = args.data_root
    t0 = time.time()
    res: Dict[str, object] = dict(model=name)
    res['people_per_s'] = people_per_second(predict, osp.join(d, 'halpe', 'test_halpe.json'),
                                            osp.join(d, 'coco'))
    res['coco_mini_train_body_ap'] = mini_train_body_ap(predict, d)
    res['seconds'] = round(time.time() - t0, 1)
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        'data_root',
        help='folder with halpe/, coco/, coco_wholebody/, faces68/, '
        'hands21/, coco_mini_train/ (e.g. ../shared/data)')
    p.add_argument('--teacher-config', default=TEACHER_CFG)
    p.add_argument('--student-config', default=STUDENT_CFG)
    p.add_argument('--student-checkpoint', default=STUDENT_CKPT)
    p.add_argument(
        '--reference-config',
        default=REFERENCE_CFG,
        help='a body model measured for speed and coco_mini_train body AP '
        '(default: the Halpe-26 student); "none" skips it')
    p.add_argument('--reference-checkpoint', default=REFERENCE_CKPT)
    p.add_argument('--skip-student', action='store_true')
    p.add_argument('--skip-teacher', action='store_true')
    p.add_argument('--det-thr', type=float, default=0.3)
    p.add_argument(
        '--backend',
        default='pytorch',
        choices=['pytorch', 'onnxruntime', 'openvino', 'auto'],
        help='pose backend of the student and reference models (not the teachers)')
    p.add_argument('--threads', type=int, default=2, help='torch threads')
    p.add_argument('--out', help='write the results as JSON here')
    p.add_argument(
        '--pipeline',
        action='store_true',
        help='run the --pipeline-models through the default pipeline instead')
    p.add_argument(
        '--pipeline-models',
        nargs='+',
        default=['halpe26-student', 'halpe136-student-refiner', 'halpe136-student'],
        help='model names of the index (as the index configures them: halpe136-student '
        'with its part refiner); "-refiner" without the config\'s part refiner, "+refiner" '
        'or "+refiner=JSON" with a WholeBodyPartRefiner of --refiner-cfg (+ JSON); '
        '"@flip=H" appended: flip test for boxes >= H px ("all": everybody, "off": nobody)')
    p.add_argument('--bbox-thr', type=float, default=0.2, help='person box score (the demo\'s)')
    p.add_argument('--nms-thr', type=float, default=None,
                   help='extra person-box NMS IoU (the demo\'s --nms-thr; default none)')
    p.add_argument(
        '--refiner-cfg',
        default='{}',
        help='JSON of WholeBodyPartRefiner arguments for "+refiner", e.g. \'{"face_flip": false}\'')
    p.add_argument('--face-px', type=float, default=50.0, help='downscaled face size (pixels)')
    p.add_argument('--max-photos', type=int, default=0, help='HELEN photos (0: all 330)')
    p.add_argument('--max-images', type=int, default=0, help='coco_mini_train images (0: all)')
    p.add_argument(
        '--speed-clips', nargs='*', default=['basketball', 'armwrestling'], choices=SPEED_CLIPS)
    p.add_argument(
        '--speed-frames',
        type=int,
        default=0,
        help='frames per speed clip (0: 75 basketball, 30 arm-wrestling)')
    p.add_argument(
        '--measures',
        nargs='+',
        default=['speed', 'body', 'face', 'hands'],
        choices=['speed', 'body', 'face', 'hands'],
        help='which pipeline measures to run')
    args = p.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    if args.pipeline:
        pipes = {name: build_pipeline(name, args) for name in args.pipeline_models}
        results = []
        if 'speed' in args.measures:
            speed = {name: dict(model=name) for name in pipes}
            for clip in args.speed_clips:
                video, frames = SPEED_CLIPS[clip]
                frames = args.speed_frames or frames
                for name, fps in pipelines_fps(pipes, video, frames).items():
                    speed[name][f'{clip}_fps'] = fps['fps']
                    speed[name][f'{clip}_cpu_fps'] = fps['cpu_fps']
            results.append(dict(speed=list(speed.values())))
            print(json.dumps(results[-1]), flush=True)
        for name, pipe in pipes.items():
            if set(args.measures) - {'speed'}:
                results.append(evaluate_pipeline(pipe, name, args))
                print(json.dumps(results[-1]), flush=True)
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(results, f, indent=1)
        return
    from mmalphapose.apis import init_model
    from mmalphapose.models.detectors import ONNXPersonDetector
    from mmalphapose.utils.resources import resolve_resource
    detector = ONNXPersonDetector(
        resolve_resource('checkpoints/nanodet.onnx', 'detector'), score_thr=args.det_thr)
    results = []
    if not args.skip_teacher:
        model = init_model(resolve_resource(args.teacher_config, 'teacher config'))
        results.append(evaluate('halpe136-teachers', model, args, detector))
        print(json.dumps(results[-1]), flush=True)
    if not args.skip_student:
        model = init_model(
            resolve_resource(args.student_config, 'student config'),
            resolve_resource(args.student_checkpoint, 'student checkpoint'),
            backend=args.backend)
        results.append(evaluate('halpe136-student', model, args, detector))
        print(json.dumps(results[-1]), flush=True)
    if args.reference_config and args.reference_config.lower() != 'none':
        model = init_model(
            resolve_resource(args.reference_config, 'reference config'),
            resolve_resource(args.reference_checkpoint, 'reference checkpoint'),
            backend=args.backend)
        results.append(evaluate_body_reference('halpe26-student', model, args))
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
