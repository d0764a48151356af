"""Write Halpe-136 whole-body distillation labels with the ``halpe136-teachers``
ensemble (``configs/distillation/onnx-teachers_halpe136-256x256.py``) as the
labeller.

Sources (all under the data root given on the command line; the layout of
the project's shared data folder):

* ``people_photos/`` (single-person photos, COCO-17 GT): the ensemble on the
  GT box labels body, feet, face and hands; the GT body points win over the
  teacher's (:func:`merge_with_gt`). From the same photos, part crops in the
  domains of the whole-body evaluation:

  - hand crops: person box = the extent of the teacher's 21 hand points x
    ``--hand-box-scale`` (hands21 evaluates with the GT hand box as the person
    box); only that hand's points are supervised, only hands whose presence
    reaches ``--hand-crop-thr``;
  - face crops: person box = the extent of the teacher's 68 face points x 2
    about its centre (the HELEN evaluation's "GT face box x 2"); only the face
    is supervised, only faces with at least ``--face-crop-thr`` of their points
  supervised.

* ``faces68/helen_train.json`` (HELEN, 68-point GT): face-only samples, person
  box = the GT face box x 2 (:func:`face_person_box`), face = the GT points
  (Halpe 26-93, source ``gt``), every other point weight 0. No teacher runs.
* ``coco_mini_train/`` (COCO-17 GT): as the photos (GT body wins), written to
  its own file, because the whole-body benchmark measures body AP on this set
  (training on it makes that measure a training-set one).
* ``--clip-labels`` (optional): an existing Halpe-136 label file (e.g. the clip
  labels ``data/distill/halpe136_train.json`` of ``make_teacher_labels.py
  --wholebody``); its annotations are copied into the training file as they
  are, its image paths made relative to the new output folder.

Weights are the teacher confidences: body points below ``--kpt-thr`` get 0;
the face (score = flip agreement x head score) keeps the points that reach
``--face-thr``, a hand (score = its presence) is kept whole if its presence
reaches ``--hand-thr``. ``keypoint_sources``: 1 gt, 2 movenet, 3 blazepose,
4 derived, 5 hand, 7 faceapi (``SOURCE_CODES``).

Output under ``--out-dir`` (default ``work_dirs/distill_wb136/labels``; git
ignores it, and the research-only HELEN / photo labels must stay out of the
repository):

  images/<source>, clips        symbolic links to the source image folders
  halpe136_wholebody_train.json photos + part crops + HELEN (+ clip labels)
  halpe136_coco_mini.json       coco_mini_train (GT body + teacher parts)

Example::

    python tools/distill/make_wholebody_labels.py ../shared/data \\
        --clip-labels data/distill/halpe136_train.json --threads 1
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmalphapose.models.distillers.label_file import LabelWriter, keypoint_names
from mmalphapose.models.distillers.pseudo_labels import (HALPE136_FACE, HALPE136_LEFT_HAND,
                                                         HALPE136_RIGHT_HAND, SOURCE_CODES,
                                                         merge_with_gt)

TEACHER_CFG = 'configs/distillation/onnx-teachers_halpe136-256x256.py'
#: source code of each of the ensemble's first 26 points
BODY_SOURCES = np.array([SOURCE_CODES['movenet']] * 17 + [SOURCE_CODES['derived']] * 3 +
                        [SOURCE_CODES['blazepose']] * 6, np.int8)
HANDS = ((HALPE136_LEFT_HAND, 'left'), (HALPE136_RIGHT_HAND, 'right'))

# (kpts (N,136,2), weights (N,136), sources (N,136)) of N instances
Labels = Tuple[np.ndarray, np.ndarray, np.ndarray]


def ensemble_labels(kpts: np.ndarray,
                    scores: np.ndarray,
                    kpt_thr: float = 0.3,
                    face_thr: float = 0.3,
                    hand_thr: float = 0.5,
                    gt_kpts: Optional[np.ndarray] = None,
                    gt_visible: Optional[np.ndarray] = None) -> Labels:
    """Halpe-136 labels from the ensemble's predictions (image pixels).

    Args:
        kpts / scores: (N,136,2) / (N,136), ``inference_topdown`` output of
            the ``halpe136-teachers`` model.
        kpt_thr: body and feet points (0-25) below it get weight 0.
        face_thr: face points (26-93) below it get weight 0.
        hand_thr: a hand whose presence (its points' score) is below it gets
            weight 0 for all of its 21 points.
        gt_kpts / gt_visible: optional (N,17,2) / (N,17) COCO-17 GT; visible
            GT points replace the teacher's (weight 1, source ``gt``).
    Returns:
        keypoints (N,136,2) float32, weights (N,136) float32 in [0,1] and
        sources (N,136) int8.
    """
    kpts = np.asarray(kpts, np.float32).copy()
    scores = np.asarray(scores, np.float32)
    if kpts.ndim != 3 or kpts.shape[1:] != (136, 2) or scores.shape != kpts.shape[:2]:
        raise ValueError(f'ensemble_labels: expected (N,136,2) keypoints and (N,136) scores, '
                         f'got {kpts.shape} / {scores.shape}')
    n = len(kpts)
    weights = np.zeros((n, 136), np.float32)
    sources = np.zeros((n, 136), np.int8)
    body = scores[:, :26] >= kpt_thr
    weights[:, :26] = np.where(body, scores[:, :26], 0)
    sources[:, :26] = np.where(body, BODY_SOURCES[None], SOURCE_CODES['none'])
    face = (scores[:, HALPE136_FACE] >= face_thr) & (scores[:, HALPE136_FACE] > 0)
    weights[:, HALPE136_FACE] = np.where(face, scores[:, HALPE136_FACE], 0)
    sources[:, HALPE136_FACE] = np.where(face, SOURCE_CODES['faceapi'], SOURCE_CODES['none'])
    for sl, _ in HANDS:
        presence = scores[:, sl].max(1, keepdims=True)
        keep = (presence >= hand_thr) & (presence > 0)
        weights[:, sl] = np.where(keep, scores[:, sl], 0)
        sources[:, sl] = np.where(keep, SOURCE_CODES['hand'], SOURCE_CODES['none'])
    if gt_kpts is not None:
        k17, w17, s17 = merge_with_gt(kpts[:, :17], weights[:, :17], sources[:, :17],
                                      np.asarray(gt_kpts, np.float32), gt_visible)
        kpts[:, :17], weights[:, :17], sources[:, :17] = k17, w17, s17
    return kpts, np.clip(weights, 0, 1), sources


def only_part(labels: Labels, part: slice) -> Labels:
    """The labels with every point outside ``part`` unsupervised (weight 0,
    source ``none``)."""
    kpts, weights, sources = labels
    keep = np.zeros(weights.shape[-1], bool)
    keep[part] = True
    return (kpts, np.where(keep, weights,
                           0).astype(np.float32), np.where(keep, sources,
                                                           SOURCE_CODES['none']).astype(np.int8))


def points_box(points: np.ndarray, scale: float) -> np.ndarray:
    """(4,) xyxy: the extent of ``points`` (K,2) scaled by ``scale`` about
    its centre (not squared: the GT part boxes of the evaluation are the
    landmark extents)."""
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    lo, hi = pts.min(0), pts.max(0)
    c, half = (lo + hi) / 2, (hi - lo) * scale / 2
    return np.concatenate([c - half, c + half]).astype(np.float32)


def face_person_box(face_xywh: Sequence[float],
                    shape: Tuple[int, int],
                    scale: float = 2.0) -> np.ndarray:
    """(4,) xyxy person box of a face: the square of ``scale`` x the longest
    side of the face box ``[x, y, w, h]`` about its centre, clipped to the
    image ``shape`` (h, w); the box the whole-body benchmark uses on HELEN."""
    x, y, w, h = [float(v) for v in face_xywh]
    cx, cy, half = x + w / 2, y + h / 2, max(w, h) * scale / 2
    return np.array(
        [max(cx - half, 0),
         max(cy - half, 0),
         min(cx + half, shape[1]),
         min(cy + half, shape[0])], np.float32)


def helen_labels(face_kpts: Sequence[float]) -> Labels:
    """One face-only Halpe-136 label from a HELEN annotation's ``face_kpts``
    (68 x (x, y, v)): the face points with weight 1 (source ``gt``) where
    v > 0, everything else unsupervised."""
    f = np.asarray(face_kpts, np.float32).reshape(68, 3)
    kpts = np.zeros((1, 136, 2), np.float32)
    weights = np.zeros((1, 136), np.float32)
    sources = np.zeros((1, 136), np.int8)
    vis = f[:, 2] > 0
    kpts[0, HALPE136_FACE] = f[:, :2]
    weights[0, HALPE136_FACE] = vis
    sources[0, HALPE136_FACE] = np.where(vis, SOURCE_CODES['gt'], SOURCE_CODES['none'])
    return kpts, weights, sources


def part_crops(labels: Labels,
               face_crop_thr: float = 0.6,
               hand_crop_thr: float = 0.8,
               face_box_scale: float = 2.0,
               hand_box_scale: float = 1.2,
               shape: Optional[Tuple[int, int]] = None) -> List[Tuple[str, np.ndarray, Labels]]:
    """Face and hand crop samples of the instances of ``labels``.

    A face crop needs at least ``face_crop_thr`` of the 68 face points
    supervised (the face teacher's score drops points where its flip passes
    disagree); its box is the face points' extent made square x
    ``face_box_scale`` (:func:`face_person_box`, clipped to ``shape`` when
    given). A hand crop needs the hand's presence (its max weight) >=
    ``hand_crop_thr``; its box is the hand points' extent x ``hand_box_scale``.
    Each crop supervises only its part.

    Returns:
        list of ``(kind, box (4,) xyxy, labels of one instance)`` with kind
        ``'face'``, ``'left_hand'`` or ``'right_hand'``.
    """
    kpts, weights, _ = labels
    out = []
    for i in range(len(kpts)):
        one = tuple(a[i:i + 1] for a in labels)
        if (weights[i, HALPE136_FACE] > 0).mean() >= face_crop_thr:
            f = kpts[i, HALPE136_FACE]
            lo, hi = f.min(0), f.max(0)
            big = (1e9, 1e9) if shape is None else shape
            box = face_person_box([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], big, face_box_scale)
            out.append(('face', box, only_part(one, HALPE136_FACE)))
        for sl, side in HANDS:
            if weights[i, sl].max() >= hand_crop_thr:
                box = points_box(kpts[i, sl], hand_box_scale)
                out.append((f'{side}_hand', box, only_part(one, sl)))
    return out


def link(src: str, dst: str) -> None:
    """Symbolic link ``dst`` -> ``src`` (replacing an older link)."""
    if osp.islink(dst):
        os.remove(dst)
    os.makedirs(osp.dirname(dst), exist_ok=True)
    os.symlink(osp.abspath(src), dst)


def coco_gt_people(ann_file: str) -> Tuple[List[dict], Dict[int, List[dict]]]:
    """Images and, per image id, its non-crowd annotations with keypoints."""
    with open(ann_file) as f:
        d = json.load(f)
    per: Dict[int, List[dict]] = {}
    for a in d['annotations']:
        if a.get('num_keypoints', 0) > 0 and not a.get('iscrowd', 0):
            per.setdefault(a['image_id'], []).append(a)
    return d['images'], per


def label_coco_file(predict, ann_file: str, image_dir: str, rel_dir: str, writer: LabelWriter,
                    args: argparse.Namespace, domain: str, crops: Optional[LabelWriter]) -> None:
    """The ensemble on the GT boxes of a COCO-17 file; GT body wins. Part
    crops of its instances go to ``crops`` (None: no crops)."""
    import cv2
    images, per = coco_gt_people(ann_file)
    if args.max_images:
        images = images[:args.max_images]
    t0 = time.time()
    for n, im in enumerate(images):
        anns = per.get(im['id'], [])
        if not anns:
            continue
        img = cv2.imread(osp.join(image_dir, im['file_name']))
        if img is None:
            print(f'skip unreadable {im["file_name"]}')
            continue
        b = np.array([a['bbox'] for a in anns], np.float32)
        boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
        k, s = predict(img, boxes)
        g = np.array([a['keypoints'] for a in anns], np.float32).reshape(-1, 17, 3)
        labels = ensemble_labels(k, s, args.kpt_thr, args.face_thr, args.hand_thr, g[..., :2],
                                 g[..., 2])
        rel = osp.join(rel_dir, im['file_name'])
        img_id = writer.add_image(rel, img.shape[1], img.shape[0])
        writer.add_instances(img_id, boxes, *labels, domain)
        if crops is not None:
            cid = crops.add_image(rel, img.shape[1], img.shape[0])
            for kind, box, lab in part_crops(labels, args.face_crop_thr, args.hand_crop_thr, 2.0,
                                             args.hand_box_scale, img.shape[:2]):
                crops.add_instances(cid, box[None], *lab, f'{domain}_{kind}')
        if (n + 1) % 100 == 0:
            print(f'{domain}: {n + 1}/{len(images)} images, {time.time() - t0:.0f} s', flush=True)


def label_helen(helen_json: str, rel_dir: str, writer: LabelWriter, max_images: int = 0) -> None:
    """HELEN face-only samples (GT face, box = GT face box x 2)."""
    with open(helen_json) as f:
        d = json.load(f)
    ims = {i['id']: i for i in d['images']}
    anns = d['annotations'][:max_images] if max_images else d['annotations']
    for a in anns:
        im = ims[a['image_id']]
        box = face_person_box(a['face_box'], (im['height'], im['width']))
        img_id = writer.add_image(osp.join(rel_dir, im['file_name']), im['width'], im['height'])
        writer.add_instances(img_id, box[None], *helen_labels(a['face_kpts']), 'helen_gt')


def restore_clip_images(label_file: str, data_root: str) -> int:
    """Write the frames / images a ``make_teacher_labels.py`` label file names
    (``images/videos/<clip>_<frame>.jpg``, ``images/posetrack18/...``,
    ``images/images/<name>.jpg``; git ignores them) where they are missing,
    from the clips and images under ``data_root``, as that script names them.

    Returns:
        the number of files written.
    """
    import cv2
    root = osp.dirname(osp.abspath(label_file))
    with open(label_file) as f:
        need = sorted({im['file_name'] for im in json.load(f)['images']})
    missing = [n for n in need if not osp.exists(osp.join(root, n))]
    if not missing:
        return 0
    frames: Dict[str, Dict[int, str]] = {}  # clip file -> frame index -> output
    for rel in missing:
        sub, name = rel.split('/')[1], osp.splitext(osp.basename(rel))[0]
        if sub == 'videos':
            clip, idx = name.rsplit('_', 1)
            frames.setdefault(osp.join(data_root, 'videos', clip + '.mp4'), {})[int(idx)] = rel
            continue
        if sub == 'posetrack18':
            # <seq>_<frame> (unlabelled clip) or images_val_<video>_<frame> (GT frames)
            pt = osp.join(data_root, 'posetrack18')
            seq, fn = name.split('_', 1)
            video, frame = name.rsplit('_', 1)
            cands = [
                osp.join(pt, 'videos', f'{seq}_mpiinew_test', fn + '.jpg'),
                osp.join(pt, 'images', 'val', video[len('images_val_'):], frame + '.jpg')
            ]
        else:
            cands = glob.glob(osp.join(data_root, 'images', name + '.*'))
        img = next((cv2.imread(c) for c in cands if osp.isfile(c)), None)
        if img is None:
            raise FileNotFoundError(f'restore_clip_images: no source for "{rel}"')
        os.makedirs(osp.dirname(osp.join(root, rel)), exist_ok=True)
        cv2.imwrite(osp.join(root, rel), img)
    for clip, wanted in frames.items():
        cap = cv2.VideoCapture(clip)
        idx = 0
        while wanted:
            ok, frame = cap.read()
            if not ok:
                raise FileNotFoundError(f'restore_clip_images: {clip} has no frame {min(wanted)}')
            if idx in wanted:
                out = osp.join(root, wanted.pop(idx))
                os.makedirs(osp.dirname(out), exist_ok=True)
                cv2.imwrite(out, frame)
            idx += 1
        cap.release()
    return len(missing)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        'data_root',
        help='folder with people_photos/, faces68/, coco_mini_train/ '
        '(the shared data folder)')
    p.add_argument('--out-dir', default='work_dirs/distill_wb136/labels')
    p.add_argument('--teacher-config', default=TEACHER_CFG)
    p.add_argument(
        '--clip-labels',
        help='an existing Halpe-136 label file to copy into the training file '
        '(e.g. data/distill/halpe136_train.json); its images are linked')
    p.add_argument('--kpt-thr', type=float, default=0.3, help='body / feet point threshold')
    p.add_argument('--face-thr', type=float, default=0.3, help='face point threshold')
    p.add_argument('--hand-thr', type=float, default=0.5, help='hand presence threshold')
    p.add_argument(
        '--face-crop-thr',
        type=float,
        default=0.6,
        help='fraction of supervised face points for a face crop')
    p.add_argument('--hand-crop-thr', type=float, default=0.8, help='hand presence for a hand crop')
    p.add_argument(
        '--hand-box-scale',
        type=float,
        default=1.2,
        help='hand crop box = hand points extent x this')
    p.add_argument(
        '--max-images', type=int, default=0, help='label at most this many images per source')
    p.add_argument('--threads', type=int, default=1, help='torch threads')
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from mmalphapose.apis import inference_topdown, init_model

    model = init_model(
        osp.join(ROOT, args.teacher_config) if not osp.isabs(args.teacher_config)
        and not osp.exists(args.teacher_config) else args.teacher_config)

    def predict(img: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        samples = inference_topdown(model, img, boxes)
        k = np.stack([np.asarray(s.pred_instances.keypoints, np.float32)[0] for s in samples])
        s = np.stack(
            [np.asarray(s.pred_instances.keypoint_scores, np.float32).reshape(-1) for s in samples])
        return k, s

    d, out = args.data_root, args.out_dir
    os.makedirs(out, exist_ok=True)
    link(osp.join(d, 'people_photos', 'images'), osp.join(out, 'images', 'people_photos'))
    link(osp.join(d, 'faces68'), osp.join(out, 'images', 'faces68'))
    link(osp.join(d, 'coco_mini_train'), osp.join(out, 'images', 'coco_mini_train'))
    names = keypoint_names(136)
    train, crops = LabelWriter(), LabelWriter()
    label_coco_file(predict, osp.join(d, 'people_photos', 'people_photos_coco17.json'),
                    osp.join(d, 'people_photos', 'images'), 'images/people_photos', train, args,
                    'photos', crops)
    # the crops share the photos' images: append them after the whole photos
    train.merge(crops.images, crops.annotations)
    label_helen(
        osp.join(d, 'faces68', 'helen_train.json'), 'images/faces68', train, args.max_images)
    if args.clip_labels:
        print(f'{args.clip_labels}: restored '
              f'{restore_clip_images(args.clip_labels, d)} missing images')
        clip_root = osp.dirname(osp.abspath(args.clip_labels))
        link(clip_root, osp.join(out, 'clips'))
        train.add_file(args.clip_labels, 'clips')
    train.dump(
        osp.join(out, 'halpe136_wholebody_train.json'),
        'Halpe-136 labels of the halpe136-teachers ensemble on people_photos (GT body wins) '
        'with hand / face crops, HELEN train face GT (research only); mmalphapose '
        'tools/distill/make_wholebody_labels.py', names)
    mini = LabelWriter()
    label_coco_file(predict, osp.join(d, 'coco_mini_train', 'person_keypoints_train2017_mini.json'),
                    osp.join(d, 'coco_mini_train'), 'images/coco_mini_train', mini, args,
                    'coco_mini', None)
    mini.dump(
        osp.join(out, 'halpe136_coco_mini.json'),
        'Halpe-136 labels of the halpe136-teachers ensemble on coco_mini_train '
        '(GT body wins); mmalphapose tools/distill/make_wholebody_labels.py', names)


if __name__ == '__main__':
    main()
