"""Write distillation label files: COCO keypoint JSON whose annotations carry
per-point weights, ``keypoint_sources`` and a ``domain`` (the files the
Halpe-26 / Halpe-136 datasets of the distillation recipes read).

Each annotation: ``keypoints`` K x (x, y, w) with w the label weight (teacher
confidence in (0, 1], 1 for GT, 0 = unsupervised, where x = y = 0 too),
``keypoint_sources`` (K codes of
:data:`~mmalphapose.models.distillers.pseudo_labels.SOURCE_CODES`),
``bbox`` xywh, ``bbox_score`` and ``domain`` (where the sample came from).
Used by ``tools/distill/make_teacher_labels.py`` and
``tools/distill/make_wholebody_labels.py``.
"""
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from .pseudo_labels import HALPE136_FACE, HALPE136_LEFT_HAND, HALPE136_RIGHT_HAND


def keypoint_names(num_keypoints: int) -> List[str]:
    """Keypoint names of the bundled metainfo with ``num_keypoints`` points
    (26: Halpe-26, 136: Halpe-136, ...)."""
    from mmalphapose.structures import PoseMetainfo
    id2name = PoseMetainfo.for_num_keypoints(num_keypoints)['keypoint_id2name']
    return [id2name[i] for i in range(num_keypoints)]


def label_counts(weights: np.ndarray) -> Dict[str, int]:
    """Instances with any supervised body / face / left-hand / right-hand
    point, from (N,136) Halpe-136 weights."""
    w = np.asarray(weights) > 0
    if w.size == 0:
        return dict(instances=0, body=0, face=0, left_hand=0, right_hand=0)
    return dict(
        instances=int(len(w)),
        body=int(w[:, :26].any(1).sum()),
        face=int(w[:, HALPE136_FACE].any(1).sum()),
        left_hand=int(w[:, HALPE136_LEFT_HAND].any(1).sum()),
        right_hand=int(w[:, HALPE136_RIGHT_HAND].any(1).sum()))


class LabelWriter:
    """Accumulates the images and annotations of one label file."""

    def __init__(self) -> None:
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self._image_ids: Dict[str, int] = {}

    def add_image(self, file_name: str, width: int, height: int) -> int:
        """The image's id (an image is added once per file name)."""
        if file_name not in self._image_ids:
            self._image_ids[file_name] = len(self.images) + 1
            self.images.append(
                dict(
                    id=self._image_ids[file_name],
                    file_name=file_name,
                    width=int(width),
                    height=int(height)))
        return self._image_ids[file_name]

    def add_instances(self,
                      img_id: int,
                      bboxes: np.ndarray,
                      kpts: np.ndarray,
                      weights: np.ndarray,
                      sources: np.ndarray,
                      domain: str,
                      bbox_scores: Optional[np.ndarray] = None) -> None:
        """Add N instances of image ``img_id``: ``bboxes`` (N,4) xyxy,
        ``kpts`` (N,K,2), ``weights`` (N,K), ``sources`` (N,K), optional
        ``bbox_scores`` (N,) (default 1)."""
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
        for i in range(len(bboxes)):
            x1, y1, x2, y2 = [float(v) for v in bboxes[i]]
            k = np.concatenate([kpts[i], weights[i][:, None]], 1)
            k[weights[i] <= 0] = 0
            self.annotations.append(
                dict(
                    id=len(self.annotations) + 1,
                    image_id=img_id,
                    category_id=1,
                    iscrowd=0,
                    bbox=[round(x1, 2),
                          round(y1, 2),
                          round(x2 - x1, 2),
                          round(y2 - y1, 2)],
                    area=round((x2 - x1) * (y2 - y1), 2),
                    num_keypoints=int((weights[i] > 0).sum()),
                    keypoints=[round(float(v), 3) for v in k.ravel()],
                    keypoint_sources=[int(s) for s in sources[i]],
                    bbox_score=1.0 if bbox_scores is None else round(float(bbox_scores[i]), 4),
                    domain=domain))

    def merge(self, images: List[dict], annotations: List[dict], prefix: str = '') -> None:
        """Append another file's ``images`` (file names joined to ``prefix``;
        an image already here is reused) and ``annotations`` (renumbered)."""
        ids = {
            im['id']: self.add_image(osp.join(prefix, im['file_name']), im['width'], im['height'])
            for im in images
        }
        for a in annotations:
            self.annotations.append(
                dict(a, id=len(self.annotations) + 1, image_id=ids[a['image_id']]))

    def add_file(self, path: str, prefix: str, num_keypoints: int = 136) -> None:
        """Copy the images and annotations of an existing label file with
        ``num_keypoints`` points, image paths prefixed with ``prefix``."""
        with open(path) as f:
            d = json.load(f)
        for a in d['annotations']:
            if len(a['keypoints']) != num_keypoints * 3:
                raise ValueError(f'{path}: annotation {a["id"]} has '
                                 f'{len(a["keypoints"]) // 3} keypoints, expected {num_keypoints}')
        self.merge(d['images'], d['annotations'], prefix)

    def weights(self) -> np.ndarray:
        """(N,K) label weights of the N annotations so far."""
        return np.array([a['keypoints'][2::3] for a in self.annotations], np.float32)

    def dump(self, path: str, description: str, names: List[str]) -> None:
        """Write the file (``names``: the K keypoint names) and print what it
        holds (instances per domain; for Halpe-136 the :func:`label_counts`)."""
        with open(path, 'w') as f:
            json.dump(
                dict(
                    info=dict(description=description),
                    images=self.images,
                    annotations=self.annotations,
                    categories=[dict(id=1, name='person', keypoints=names)]),
                f,
                separators=(',', ':'))
        domains: Dict[str, int] = {}
        for a in self.annotations:
            domains[a['domain']] = domains.get(a['domain'], 0) + 1
        counts = ''
        if len(names) == 136:
            counts = f'; with labels: {label_counts(self.weights().reshape(-1, 136))}'
        print(f'wrote {path}: {len(self.images)} images, {len(self.annotations)} instances '
              f'{domains}{counts}')
