"""Face and hand refinement of whole-body poses at the parts' own resolution.

In the spirit of MediaPipe Holistic: a whole-body model sees each person in a
256x192 crop, where a face is 15-30 pixels wide and a hand smaller, too small
for good face / hand points. From each person's body keypoints this module
builds a face box and two hand boxes in the *image*, cuts them at the part
nets' own input size and replaces the model's face / hand points with theirs:

* face: face-api's 68-point net (:class:`FaceLandmarkTeacher`, 112 px crops,
  rotated so the eyes are level; boxes from the nose / eyes / ears,
  :func:`face_boxes_from_body`, plus the tighter :func:`tight_face_boxes`
  candidate, both in :mod:`mmalphapose.structures.bbox.part_boxes`; the flip
  test gives the per-point confidence); all faces of the
  frame in one batch;
* hands: MediaPipe's hand landmark net (:class:`HandLandmarkTeacher`, 224 px
  crops along the forearm, :func:`hand_boxes_from_body`), the other quarter
  turns tried where the presence is low (``HandLandmarkTeacher.predict``'s
  ``retry_thr``) but not where it is so low that the crop shows no hand
  (``hand_retry_min``); the net takes one hand per forward.

A part is skipped (the model's points kept) when its body keypoints are below
``part_thr`` (not visible) or its box is smaller than ``min_face_size`` /
``min_hand_size`` pixels (too small to gain); a hand whose presence stays
below ``min_hand_presence`` keeps the model's points.

``min_face_size`` = 24: on the HELEN test photos downscaled so the face is
N px (the face box from the body is within 10 % of the GT face box; 40
photos, the student pipeline's people refined), median NME / misses of the
student -> refined: 50 px 0.064 / 10 % -> 0.048 / 7.5 %, 40 px 0.066 / 17.5 %
-> 0.052 / 7.5 %, 32 px 0.067 / 20 % -> 0.058 / 10 %, 24 px 0.077 / 30 % ->
0.072 / 30 %, 16 px 0.109 / 62.5 % -> 0.116 / 75 % (worse), 12 px both miss
(82.5 % -> 97.5 %). Below ~24 px the face net loses to the student, and the
pipeline refines only the people P-NMS keeps (docs/wholebody.md, speed).

``min_hand_size`` = 24: in the first frames of the basketball and
arm-wrestling clips, the hand net accepted (presence >= 0.3) 4 of the 38
kept hands of 16-24 px upright, 10 with the rotation search, each such hand
costing up to four forwards; on the COCO-WholeBody sample (10 hands of 11-31
px, GT person boxes) the refined hands' PCK@0.2 is 0.252 with 16 or 24 (the
student's 0.190). Skipping them saves most hand-net forwards in the clips
(the speed runs are in docs/wholebody.md).

``hand_retry_min`` (the default config's 0.05): in the first 30 arm-wrestling
and 75 basketball frames, 26 of the 64 gated hands had a presence < 0.05
along the forearm and no quarter turn lifted any of them to 0.3 (best 0.083),
while hands from 0.067 and 0.129 were rescued: with 0.05 the written hands
equal the full search's there, with 124 -> 58 and 45 -> 33 hand forwards.
hands21 (GT box, no forearm) needs the search from any presence (sideways
hands score 0.005-0.013 upright), so there it is measured without the floor.
"""
from typing import Optional

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import MODELS
from mmalphapose.structures.bbox.part_boxes import (face_boxes_from_body, hand_boxes_from_body,
                                                    tight_face_boxes)
from mmalphapose.structures.pose_metainfo import PoseMetainfo
from mmalphapose.utils.resources import resolve_resource
from ..distillers.face_landmark_teacher import FaceLandmarkTeacher
from ..distillers.onnx_teachers import HandLandmarkTeacher

FACE_MODEL = 'checkpoints/face-api/face_landmark_68_model-weights_manifest.json'
HAND_MODEL = 'checkpoints/handlandmark-full.onnx'
#: the keypoint counts of the whole-body layouts the refiner knows
#: (COCO-WholeBody, Halpe-136: COCO-17 body first, face and hand parts in
#: their bundled metainfo)
WHOLEBODY_LAYOUTS = (133, 136)


@MODELS.register_module()
class WholeBodyPartRefiner:
    """Refine the face and hand keypoints of whole-body instances.

    Call: ``refiner(image, instances) -> instances`` with ``image`` (H,W,3)
    BGR uint8 and ``instances`` holding ``keypoints`` (N,K,2) and
    ``keypoint_scores`` (N,K) in image pixels of a whole-body layout (K = 136
    Halpe or 133 COCO-WholeBody: COCO-17 body first, ``face`` /
    ``left_hand`` / ``right_hand`` parts from the bundled metainfo). Returns
    the same instances with float32 ``keypoints`` / ``keypoint_scores`` whose
    refined face / hand rows are replaced (face scores: flip agreement x head
    score; hand scores: the hand presence); the face scores of the other
    people are capped at their head score (``cap_face_scores``).

    Args:
        face_model: face-api's TF.js weights manifest (None: no face pass).
        hand_model: MediaPipe hand landmark ONNX file (None: no hand pass).
        part_thr: body score the nose and an eye (face) or the elbow and
            wrist (hand) need for a part box.
        min_face_size / min_hand_size: part box side (pixels) below which
            the model's points are kept.
        min_hand_presence: hand presence below which the model's hand
            points are kept.
        face_flip / face_refine / face_padding: see
            :class:`FaceLandmarkTeacher` (the flip test picks the better of
            the two face box candidates).
        face_tight_box: also try the nose-centred face box without the ears
            (:func:`tight_face_boxes`) beside the box from the nose / eyes /
            ears (False: one candidate, half the face crops of the first
            pass; more misses on HELEN, docs/wholebody.md).
        hand_padding: hand crop side / hand box side.
        hand_retry_thr: presence below which the other quarter turns are tried
            (0: upright along the forearm only).
        hand_retry_min: presence along the forearm below which the quarter
            turns are not tried (the crop holds no hand; 0: every hand below
            ``hand_retry_thr`` is searched).
        face_backend: the face net on ``'torch'`` or ``'onnxruntime'`` (the
            same weights exported once into the ONNX cache;
            :class:`FaceLandmarkTeacher`).
        num_threads: torch / onnxruntime threads (0: leave as is).
        cap_face_scores: the model's face points of the faces that are not
            refined (too small, or nose / eyes below ``part_thr``) score at
            most the head score ``min(nose, better eye)``, the factor the
            refined faces' scores carry too (False: left as the model gave
            them).
    """

    def __init__(self,
                 face_model: Optional[str] = FACE_MODEL,
                 hand_model: Optional[str] = HAND_MODEL,
                 part_thr: float = 0.3,
                 min_face_size: float = 24.0,
                 min_hand_size: float = 24.0,
                 min_hand_presence: float = 0.3,
                 face_flip: bool = True,
                 face_refine: int = 1,
                 face_padding: float = 1.3,
                 face_tight_box: bool = True,
                 hand_padding: float = 1.5,
                 hand_retry_thr: float = 0.5,
                 hand_retry_min: float = 0.0,
                 face_backend: str = 'torch',
                 num_threads: int = 0,
                 cap_face_scores: bool = True) -> None:
        self.face = None if face_model is None else FaceLandmarkTeacher(
            resolve_resource(face_model, 'part refiner face model'),
            padding=face_padding,
            flip=face_flip,
            refine=face_refine,
            num_threads=num_threads,
            backend=face_backend)
        self.hand = None if hand_model is None else HandLandmarkTeacher(
            resolve_resource(hand_model, 'part refiner hand model'),
            padding=hand_padding,
            num_threads=num_threads)
        self.face_tight_box = bool(face_tight_box)
        self.cap_face_scores = bool(cap_face_scores)
        self.part_thr = float(part_thr)
        self.min_face_size = float(min_face_size)
        self.min_hand_size = float(min_hand_size)
        self.min_hand_presence = float(min_hand_presence)
        self.hand_retry_thr = float(hand_retry_thr)
        self.hand_retry_min = float(hand_retry_min)
        #: keypoint count -> (face ids (68,), hand ids (2,21): the subject's
        #: left, right hand) of the whole-body layouts, read once
        self.part_ids = {}
        for k in WHOLEBODY_LAYOUTS:
            parts = PoseMetainfo.for_num_keypoints(k).parts
            self.part_ids[k] = (np.asarray(parts['face']),
                                np.stack([parts['left_hand'], parts['right_hand']]))

    def refine_face(self, image: np.ndarray, kpts: np.ndarray, scores: np.ndarray,
                    face_ids: np.ndarray) -> np.ndarray:
        """Refine the face rows of ``kpts`` / ``scores`` (N,K,2) / (N,K) in
        place, all faces in one batch; returns the refined people's ids."""
        body, body_s = kpts[:, :17], scores[:, :17]
        # how well the body sees the face: min(nose, the better eye)
        head = np.minimum(body_s[:, 0], body_s[:, 1:3].max(1))
        boxes, valid, angles = face_boxes_from_body(body, body_s, self.part_thr)
        valid &= (boxes[:, 2] - boxes[:, 0]) >= self.min_face_size
        ids = np.flatnonzero(valid)
        if self.cap_face_scores:
            # the model's own face points (the faces not refined below) are not
            # more confident than the body's view of the face: a person seen
            # from behind gets no confident face on the back of the head
            kept = np.flatnonzero(~valid)
            rows = scores[kept[:, None], face_ids[None]]
            scores[kept[:, None], face_ids[None]] = np.minimum(rows, head[kept, None])
        if len(ids) == 0:
            return ids
        cands = boxes[ids, None]
        if self.face_tight_box:
            cands = np.concatenate([cands, tight_face_boxes(body[ids], boxes[ids])[:, None]], 1)
        pts, conf = self.face.predict_many([image] * len(ids), cands,
                                           np.repeat(angles[ids, None], cands.shape[1], 1))
        kpts[ids[:, None], face_ids[None]] = pts
        scores[ids[:, None], face_ids[None]] = conf * head[ids, None]
        return ids

    def refine_hands(self, image: np.ndarray, kpts: np.ndarray, scores: np.ndarray,
                     hand_ids: np.ndarray) -> np.ndarray:
        """Refine the hand rows in place (``hand_ids`` (2,21): the subject's
        left, right hand); returns (M,2) (person, side) of the refined hands."""
        boxes, valid, angles = hand_boxes_from_body(kpts[:, :17], scores[:, :17], self.part_thr)
        valid &= (boxes[..., 2] - boxes[..., 0]) >= self.min_hand_size
        who = np.argwhere(valid)
        if len(who) == 0:
            return who
        pts, pres = self.hand.predict(image, boxes[who[:, 0], who[:, 1]],
                                      angles[who[:, 0], who[:, 1]], self.hand_retry_thr,
                                      self.hand_retry_min)
        keep = pres[:, 0] >= self.min_hand_presence
        who, pts, pres = who[keep], pts[keep], pres[keep]
        rows = hand_ids[who[:, 1]]  # (M,21)
        kpts[who[:, 0, None], rows] = pts
        scores[who[:, 0, None], rows] = pres
        return who

    def __call__(self, image: np.ndarray, instances: InstanceData) -> InstanceData:
        """Refine faces and hands of all people of one frame (see the class
        docstring); people without visible parts pass unchanged."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError('WholeBodyPartRefiner: image must be (H,W,3) BGR uint8, got '
                             f'{image.shape} {image.dtype}')
        if len(instances) == 0:
            return instances
        kpts = np.array(instances.keypoints, np.float32)  # copies: refined in place
        scores = np.array(instances.keypoint_scores, np.float32).reshape(kpts.shape[:2])
        if kpts.shape[1] not in self.part_ids:
            raise ValueError(f'WholeBodyPartRefiner: a {kpts.shape[1]}-keypoint layout has no '
                             f'face / hand parts (needs a whole-body layout: '
                             f'{" or ".join(map(str, WHOLEBODY_LAYOUTS))} keypoints)')
        face_ids, hand_ids = self.part_ids[kpts.shape[1]]
        if self.face is not None:
            self.refine_face(image, kpts, scores, face_ids)
        if self.hand is not None:
            self.refine_hands(image, kpts, scores, hand_ids)
        instances.keypoints = kpts
        instances.keypoint_scores = scores
        return instances

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(face={self.face is not None}, '
                f'hand={self.hand is not None}, part_thr={self.part_thr}, '
                f'min_face_size={self.min_face_size}, min_hand_size={self.min_hand_size})')
