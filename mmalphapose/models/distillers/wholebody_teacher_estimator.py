"""The offline teachers as one Halpe-136 whole-body top-down model.

Per person crop (``N`` crops ``(N,3,S,S)`` BGR, as the Halpe-26 teacher
model takes them; a larger ``S`` keeps faces and hands sharper):

* body 0-25: MoveNet Thunder + BlazePose feet + derived head / neck / pelvis
  (:class:`ONNXTeacherPoseEstimator`, the ``halpe26-teachers`` model);
* face 26-93: face-api's 68-point net (:class:`FaceLandmarkTeacher`) on a
  square box from the nose, eyes and ears, rotated so the eyes are level
  (:func:`~mmalphapose.structures.bbox.part_boxes.face_boxes_from_body`); all
  faces of a batch in one forward;
* hands 94-135: MediaPipe hand landmark (:class:`HandLandmarkTeacher`) on a
  box beyond the wrist along the elbow -> wrist direction, rotated so the
  forearm points up (``part_boxes.hand_boxes_from_body``). A hand whose presence is
  below ``hand_retry_thr`` is tried again at the three other quarter turns
  and the most confident one kept (``HandLandmarkTeacher.predict``'s ``retry_thr``).

Per-part confidences in ``keypoint_scores``: body and feet the teachers'
scores; face ``flip agreement x head score`` (head score = min(nose, better
eye) of MoveNet); hands the hand-presence probability. A part whose box cannot
be built (nose / eyes or elbow / wrist below ``part_thr``) gets score 0 and its
points at the nose / wrist.
"""
from typing import Optional, Tuple

import numpy as np

from mmalphapose.registry import MODELS
from mmalphapose.structures.bbox.part_boxes import (face_boxes_from_body, hand_boxes_from_body,
                                                    tight_face_boxes)
from .face_landmark_teacher import FaceLandmarkTeacher
from .onnx_teachers import HandLandmarkTeacher
from .pseudo_labels import HALPE136_FACE, HALPE136_LEFT_HAND, HALPE136_RIGHT_HAND
from .teacher_estimator import ONNXTeacherPoseEstimator


@MODELS.register_module()
class WholeBodyTeacherPoseEstimator(ONNXTeacherPoseEstimator):
    """MoveNet + BlazePose + face-api + MediaPipe hands as a Halpe-136 model.

    Args:
        body_model / feet_model: as :class:`ONNXTeacherPoseEstimator`.
        face_model: face-api's TF.js weights manifest.
        hand_model: MediaPipe hand landmark (full) ONNX file.
        face_padding / face_flip / face_flip_tol / face_refine: see
            :class:`FaceLandmarkTeacher`.
        hand_padding: hand crop side / hand box side.
        hand_retry_thr: presence below which the other quarter turns are tried
            (0 disables the search).
        part_thr: body score the nose and an eye (face) or the elbow and
            wrist (hand) need for a part box.
        score_thr, num_threads, metainfo, test_cfg: as the Halpe-26 model.
    """

    def __init__(self,
                 body_model: str,
                 feet_model: Optional[str],
                 face_model: str,
                 hand_model: str,
                 face_padding: float = 1.3,
                 face_flip: bool = True,
                 face_flip_tol: float = 0.03,
                 face_refine: int = 1,
                 hand_padding: float = 1.5,
                 hand_retry_thr: float = 0.5,
                 part_thr: float = 0.1,
                 score_thr: float = 0.0,
                 num_threads: int = 0,
                 metainfo: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            body_model,
            feet_model,
            score_thr=score_thr,
            num_threads=num_threads,
            metainfo=metainfo,
            test_cfg=test_cfg,
            init_cfg=init_cfg)
        self.face = FaceLandmarkTeacher(
            face_model,
            padding=face_padding,
            flip=face_flip,
            flip_tol=face_flip_tol,
            refine=face_refine,
            num_threads=num_threads)
        self.hand = HandLandmarkTeacher(hand_model, padding=hand_padding, num_threads=num_threads)
        self.hand_retry_thr = float(hand_retry_thr)
        self.part_thr = float(part_thr)

    def predict_face(self, imgs: np.ndarray, body: np.ndarray,
                     body_scores: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Face (N,68,2) in crop pixels and scores (N,68) from the COCO-17
        points of each crop; one batched forward for all faces."""
        n = len(imgs)
        boxes, valid, angles = face_boxes_from_body(body, body_scores, self.part_thr)
        pts = np.repeat(body[:, :1], 68, 1).astype(np.float32)
        scores = np.zeros((n, 68), np.float32)
        ids = np.flatnonzero(valid)
        if len(ids) == 0:
            return pts, scores
        cands = np.stack([boxes, tight_face_boxes(body, boxes)], 1)
        p, conf = self.face.predict_many([imgs[i] for i in ids], cands[ids],
                                         np.repeat(angles[ids, None], 2, 1))
        head = np.minimum(body_scores[ids, 0], body_scores[ids, 1:3].max(1))
        pts[ids] = p
        scores[ids] = conf * head[:, None]
        return pts, scores

    def predict_hands(self, imgs: np.ndarray, body: np.ndarray,
                      body_scores: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Hands (N,2,21,2) in crop pixels (0 = the subject's left) and
        scores (N,2,21) (the hand presence)."""
        n = len(imgs)
        boxes, valid, angles = hand_boxes_from_body(body, body_scores, self.part_thr)
        wrists = body[:, [9, 10]]
        pts = np.repeat(wrists[:, :, None], 21, 2).astype(np.float32)
        scores = np.zeros((n, 2, 21), np.float32)
        for i in range(n):
            sides = np.flatnonzero(valid[i])
            if len(sides):
                k, s = self.hand.predict(imgs[i], boxes[i, sides], angles[i, sides],
                                         self.hand_retry_thr)
                pts[i, sides], scores[i, sides] = k, s
        return pts, scores

    def predict_crops(self, imgs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(N,H,W,3) uint8 BGR crops -> Halpe-136 keypoints (N,136,2) in crop
        pixels and scores (N,136)."""
        imgs = np.asarray(imgs)
        k26, s26 = super().predict_crops(imgs)
        n = len(imgs)
        kpts = np.zeros((n, 136, 2), np.float32)
        scores = np.zeros((n, 136), np.float32)
        kpts[:, :26], scores[:, :26] = k26, s26
        if n == 0:
            return kpts, scores
        body, body_s = k26[:, :17], s26[:, :17]
        kpts[:, HALPE136_FACE], scores[:, HALPE136_FACE] = self.predict_face(imgs, body, body_s)
        hands, hand_s = self.predict_hands(imgs, body, body_s)
        kpts[:, HALPE136_LEFT_HAND], scores[:, HALPE136_LEFT_HAND] = hands[:, 0], hand_s[:, 0]
        kpts[:, HALPE136_RIGHT_HAND], scores[:, HALPE136_RIGHT_HAND] = hands[:, 1], hand_s[:, 1]
        scores[scores < self.score_thr] = 0
        return kpts, scores
