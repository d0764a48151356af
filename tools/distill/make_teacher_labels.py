"""Write Halpe-26 pseudo-label files (COCO keypoint format) for distillation.

Teachers run top-down on person boxes (the default ONNX detector's, or GT
boxes where the sample has them): MoveNet Thunder labels the COCO-17 body,
BlazePose full the feet, and head/neck/pelvis are derived (see
``mmalphapose.models.distillers.pseudo_labels``). Where a sample has human
GT (the PoseTrack18 frames), GT wins over the teachers.

Output (under ``--out-dir``, default ``data/distill``):
  images/...                the frames / images used (copied or extracted)
  halpe26_train.json        training split (pseudo + GT domains)
  halpe26_heldout_clip.json teacher labels on the held-out clip (evaluation)

Each annotation stores ``keypoints`` (26 x (x, y, w), w = teacher confidence
in (0,1] or 1 for GT, 0 = unsupervised), ``keypoint_sources`` (26 codes:
0 none, 1 gt, 2 movenet, 3 blazepose, 4 derived) and ``domain``.

With ``--wholebody`` it also writes, for the same images and instances:
  halpe136_train.json        Halpe-136 labels of the training split
  halpe136_heldout_clip.json Halpe-136 teacher labels of the held-out clip
The first 26 points are the Halpe-26 labels above (GT still wins for the
body); the face (26-93) comes from MediaPipe face mesh (468 points mapped to
iBUG-68) and the hands (94-114 left, 115-135 right) from the MediaPipe hand
landmark model, both run on boxes derived from the body labels
(``hand_boxes_from_body`` / ``face_boxes_from_body``); a part whose teacher
score (face flag / hand presence) is below ``--part-thr`` gets weight 0.
``keypoint_sources`` has 136 codes (adds 5 hand, 6 facemesh). The hand and
face ONNX files stay in ``<shared>/models``. With ``--det-thr 0.25`` (1648
training instances) about 2 % of the instances get a face (mostly the
arm-wrestling clip; the video faces are small and blurry and the face flag
rejects them) and 19 % a hand (mostly the clasped right hands of the
arm-wrestling clip); the held-out clip's 61 people are too small (1 hand).

Example: ``python tools/distill/make_teacher_labels.py --shared ../shared``
(add ``--wholebody`` for the Halpe-136 files)
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
from mmalphapose.models.detectors.onnx_person_detector import ONNXPersonDetector
from mmalphapose.models.distillers.label_file import LabelWriter, keypoint_names
from mmalphapose.models.distillers.onnx_teachers import (BlazePoseTeacher, FaceMeshTeacher,
                                                         HandLandmarkTeacher, MoveNetTeacher)
from mmalphapose.models.distillers.pseudo_labels import (assemble_halpe26, assemble_halpe136,
                                                         merge_with_gt)
from mmalphapose.structures.bbox.part_boxes import face_boxes_from_body, hand_boxes_from_body

TRAIN_VIDEOS = [  # every frame of these clips (--frame-step subsamples)
    'mmaction2_test_video_structuralize_basketball.mp4',
    'mmaction2_demo_armwrestling.mp4',
    'mmtracking_demo_crowd.mp4',
]
HELDOUT_VIDEO = 'mmpose_demo.mp4'
TRAIN_IMAGES = ['skimage_astronaut.png', 'skimage_camera.png', 'mmpose_rtmpose_human-pose.jpeg']
# PoseTrack18 keypoint -> Halpe-26 index (head_bottom has no Halpe twin)
POSETRACK_TO_HALPE = {0: 0, 2: 17, 3: 3, 4: 4, **{i: i for i in range(5, 17)}}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--shared', default='../shared', help='the shared folder with data/ and models/')
    p.add_argument('--out-dir', default='data/distill')
    p.add_argument('--detector', default='checkpoints/nanodet.onnx')
    p.add_argument('--det-thr', type=float, default=0.4)
    p.add_argument('--min-height', type=float, default=40.0, help='skip smaller person boxes')
    p.add_argument(
        '--min-mean-score',
        type=float,
        default=0.3,
        help='skip crops whose mean body-teacher confidence is lower')
    p.add_argument('--kpt-thr', type=float, default=0.3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument(
        '--frame-step', type=int, default=1, help='label every n-th frame of the training clips')
    p.add_argument(
        '--wholebody',
        action='store_true',
        help='also write Halpe-136 files (hand and face teachers)')
    p.add_argument(
        '--part-thr',
        type=float,
        default=0.5,
        help='--wholebody: a hand / face whose teacher score (hand '
        'presence / face flag) is lower gets weight 0')
    return p.parse_args()


def read_frames(path: str, step: int) -> List[np.ndarray]:
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise FileNotFoundError(f'cannot open video "{path}"')
    frames, i = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i % step == 0:
            frames.append((i, frame))
        i += 1
    cap.release()
    return frames


class Labeller:

    def __init__(self, args: argparse.Namespace) -> None:
        models = osp.join(args.shared, 'models')
        self.args = args
        self.det = ONNXPersonDetector(
            args.detector, score_thr=args.det_thr, num_threads=args.threads)
        self.body = MoveNetTeacher(
            osp.join(models, 'movenet-thunder.onnx'), num_threads=args.threads)
        self.feet = BlazePoseTeacher(
            osp.join(models, 'blazepose-full.onnx'), num_threads=args.threads)
        self.wholebody = getattr(args, 'wholebody', False)
        if self.wholebody:
            self.hand = HandLandmarkTeacher(
                osp.join(models, 'handlandmark-full.onnx'), num_threads=args.threads)
            self.face = FaceMeshTeacher(osp.join(models, 'facemesh.onnx'), num_threads=args.threads)

    def detect(self, img: np.ndarray):
        r = self.det.predict_images([img])[0]
        h = r.bboxes[:, 3] - r.bboxes[:, 1]
        keep = h >= self.args.min_height
        return r.bboxes[keep], r.scores[keep]

    def label(self, img: np.ndarray, bboxes: np.ndarray):
        body, body_s = self.body.predict(img, bboxes)
        blaze, blaze_s = self.feet.predict(img, bboxes)
        return assemble_halpe26(body, body_s, blaze, blaze_s, self.args.kpt_thr), body_s

    def label136(self, img: np.ndarray, kpts: np.ndarray, weights: np.ndarray, sources: np.ndarray):
        """Halpe-136 labels: the (merged) Halpe-26 labels plus the hand and
        face teachers on boxes derived from their body points."""
        n = len(kpts)
        body, body_w = kpts[:, :17], weights[:, :17]
        hb, hv, ha = hand_boxes_from_body(body, body_w, self.args.kpt_thr)
        hands = []
        for h in range(2):  # 0 = the subject's left hand, 1 = right
            pts = np.zeros((n, 21, 2), np.float32)
            sc = np.zeros((n, 21), np.float32)
            idx = np.flatnonzero(hv[:, h])
            if len(idx):
                pts[idx], sc[idx] = self.hand.predict(img, hb[idx, h], ha[idx, h])
            hands += [pts, sc]
        fb, fv, fa = face_boxes_from_body(body, body_w, self.args.kpt_thr)
        face = np.zeros((n, 468, 2), np.float32)
        face_s = np.zeros((n, 468), np.float32)
        idx = np.flatnonzero(fv)
        if len(idx):
            face[idx], face_s[idx] = self.face.predict(img, fb[idx], fa[idx])
        return assemble_halpe136(
            kpts, weights, sources, face, face_s, *hands, score_thr=self.args.part_thr)

    def pseudo_image(self,
                     writer: LabelWriter,
                     img: np.ndarray,
                     rel: str,
                     domain: str,
                     writer136: Optional[LabelWriter] = None) -> None:
        cv2.imwrite(osp.join(self.args.out_dir, rel), img)
        img_id = writer.add_image(rel, img.shape[1], img.shape[0])
        if writer136 is not None:
            writer136.add_image(rel, img.shape[1], img.shape[0])
        bboxes, scores = self.detect(img)
        if len(bboxes) == 0:
            return
        (k, w, s), body_s = self.label(img, bboxes)
        keep = body_s.mean(1) >= self.args.min_mean_score
        writer.add_instances(img_id, bboxes[keep], k[keep], w[keep], s[keep], domain, scores[keep])
        if writer136 is not None and keep.any():
            k1, w1, s1 = self.label136(img, k[keep], w[keep], s[keep])
            writer136.add_instances(img_id, bboxes[keep], k1, w1, s1, domain, scores[keep])


def posetrack_gt(lab: Labeller,
                 writer: LabelWriter,
                 shared: str,
                 writer136: Optional[LabelWriter] = None) -> None:
    """The annotated PoseTrack18 frames: GT boxes, GT keypoints win."""
    root = osp.join(shared, 'data', 'posetrack18')
    ann = json.load(open(osp.join(root, 'annotations', 'test_posetrack18_val.json')))
    for im in ann['images']:
        img = cv2.imread(osp.join(root, im['file_name']))
        if img is None:
            print(f'skip unreadable {im["file_name"]}')
            continue
        rel = osp.join('images', 'posetrack18', im['file_name'].replace('/', '_'))
        cv2.imwrite(osp.join(lab.args.out_dir, rel), img)
        img_id = writer.add_image(rel, img.shape[1], img.shape[0])
        if writer136 is not None:
            writer136.add_image(rel, img.shape[1], img.shape[0])
        anns = [
            a for a in ann['annotations']
            if a['image_id'] == im['id'] and a.get('num_keypoints', 0) > 0
        ]
        if not anns:
            continue
        b = np.array([a['bbox'] for a in anns], np.float32)
        bboxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
        (k, w, s), _ = lab.label(img, bboxes)
        gk = np.zeros((len(anns), 26, 2), np.float32)
        gv = np.zeros((len(anns), 26), np.float32)
        for i, a in enumerate(anns):
            pk = np.array(a['keypoints'], np.float32).reshape(17, 3)
            src = np.array(list(POSETRACK_TO_HALPE.keys()))
            dst = np.array(list(POSETRACK_TO_HALPE.values()))
            gk[i, dst] = pk[src, :2]
            gv[i, dst] = pk[src, 2]
        k, w, s = merge_with_gt(k, w, s, gk, gv)
        writer.add_instances(img_id, bboxes, k, w, s, 'posetrack18_gt')
        if writer136 is not None:  # GT body points drive the part boxes
            k1, w1, s1 = lab.label136(img, k, w, s)
            writer136.add_instances(img_id, bboxes, k1, w1, s1, 'posetrack18_gt')


def main() -> None:
    args = parse_args()
    for sub in ('videos', 'images', 'posetrack18'):
        os.makedirs(osp.join(args.out_dir, 'images', sub), exist_ok=True)
    lab = Labeller(args)
    data = osp.join(args.shared, 'data')
    train = LabelWriter()
    train136 = LabelWriter() if args.wholebody else None
    held136 = LabelWriter() if args.wholebody else None
    for name in TRAIN_VIDEOS:
        for idx, frame in read_frames(osp.join(data, 'videos', name), args.frame_step):
            rel = osp.join('images', 'videos', f'{osp.splitext(name)[0]}_{idx:04d}.jpg')
            lab.pseudo_image(train, frame, rel, 'video_pseudo', train136)
        print(f'{name}: {len(train.annotations)} instances so far')
    pt_dir = osp.join(data, 'posetrack18', 'videos', '000001_mpiinew_test')
    for fn in sorted(os.listdir(pt_dir)):
        if fn.endswith('.jpg'):
            img = cv2.imread(osp.join(pt_dir, fn))
            lab.pseudo_image(train, img, osp.join('images', 'posetrack18', f'000001_{fn}'),
                             'posetrack_pseudo', train136)
    for fn in TRAIN_IMAGES:
        img = cv2.imread(osp.join(data, 'images', fn))
        if img is None:
            print(f'skip unreadable image {fn}')
            continue
        lab.pseudo_image(train, img, osp.join('images', 'images',
                                              osp.splitext(fn)[0] + '.jpg'), 'image_pseudo',
                         train136)
    posetrack_gt(lab, train, args.shared, train136)
    train.dump(
        osp.join(args.out_dir, 'halpe26_train.json'),
        'Halpe-26 pseudo-labels (MoveNet body, BlazePose feet, derived '
        'head/neck/hip) + PoseTrack18 GT; mmalphapose tools/distill', keypoint_names(26))
    held = LabelWriter()
    for idx, frame in read_frames(osp.join(data, 'videos', HELDOUT_VIDEO), 1):
        rel = osp.join('images', 'videos', f'{osp.splitext(HELDOUT_VIDEO)[0]}_{idx:04d}.jpg')
        lab.pseudo_image(held, frame, rel, 'heldout_pseudo', held136)
    held.dump(
        osp.join(args.out_dir, 'halpe26_heldout_clip.json'),
        'Teacher labels on the held-out clip (evaluation only)', keypoint_names(26))
    if args.wholebody:
        names = keypoint_names(136)
        train136.dump(
            osp.join(args.out_dir, 'halpe136_train.json'),
            'Halpe-136 pseudo-labels (Halpe-26 labels + MediaPipe face mesh '
            'face, MediaPipe hand landmark hands on boxes from the body) + '
            'PoseTrack18 body GT; mmalphapose tools/distill', names)
        held136.dump(
            osp.join(args.out_dir, 'halpe136_heldout_clip.json'),
            'Halpe-136 teacher labels on the held-out clip (evaluation only)', names)


if __name__ == '__main__':
    main()
