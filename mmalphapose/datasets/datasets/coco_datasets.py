"""COCO-17, Halpe-26/136, COCO-WholeBody-133 and PoseTrack18 datasets."""
from typing import Any, Optional

import numpy as np

from mmalphapose.registry import DATASETS
from .base_coco_style import BaseCocoStyleDataset


@DATASETS.register_module()
class CocoDataset(BaseCocoStyleDataset):
    """COCO-17 person keypoints."""
    METAINFO = dict(from_file='configs/_base_/datasets/coco.py')


@DATASETS.register_module()
class Halpe136Dataset(BaseCocoStyleDataset):
    """Halpe-FullBody, 136 keypoints in one flat ``keypoints`` list."""
    METAINFO = dict(from_file='configs/_base_/datasets/halpe136.py')


@DATASETS.register_module()
class Halpe26Dataset(BaseCocoStyleDataset):
    """Halpe-26 (body + feet): the first 26 keypoints of a Halpe file.

    Accepts both 26-keypoint records and full 136-keypoint Halpe records
    (sliced to the first 26).
    """
    METAINFO = dict(from_file='configs/_base_/datasets/halpe26.py')
    FULL_NUM_KEYPOINTS = 136

    def extract_keypoints(self, ann: dict) -> np.ndarray:
        values = ann.get('keypoints')
        if isinstance(values, (list, tuple)) and len(values) == 3 * self.FULL_NUM_KEYPOINTS:
            full = self._reshape_keypoints(values, ann, 'keypoints', self.FULL_NUM_KEYPOINTS)
            return full[:self.num_keypoints]
        return self._reshape_keypoints(values, ann, 'keypoints')


@DATASETS.register_module()
class CocoWholeBodyDataset(BaseCocoStyleDataset):
    """COCO-WholeBody v1.0: body, foot, face, left hand, right hand fields
    concatenated in that order (17 + 6 + 68 + 21 + 21 = 133)."""
    METAINFO = dict(from_file='configs/_base_/datasets/coco_wholebody.py')
    FIELDS = (('keypoints', 17), ('foot_kpts', 6), ('face_kpts', 68), ('lefthand_kpts', 21),
              ('righthand_kpts', 21))

    def extract_keypoints(self, ann: dict) -> np.ndarray:
        parts = [self._reshape_keypoints(ann.get(f), ann, f, n) for f, n in self.FIELDS]
        kpts = np.concatenate(parts, axis=0)
        if kpts.shape[0] != self.num_keypoints:
            raise ValueError(f'{self.ann_file}: metainfo has {self.num_keypoints} keypoints but '
                             f'the whole-body fields give {kpts.shape[0]}')
        return kpts


@DATASETS.register_module()
class PoseTrack18Dataset(BaseCocoStyleDataset):
    """PoseTrack18 (COCO-style JSON): adds ``frame_id``, ``video_id``,
    ``nframes`` per image and ``track_id`` (1,) per instance."""
    METAINFO = dict(from_file='configs/_base_/datasets/posetrack18.py')

    def extra_image_info(self, img: dict) -> dict:
        return dict(
            frame_id=img.get('frame_id', img['id']),
            video_id=img.get('vid_id'),
            nframes=img.get('nframes'))

    def extra_instance_info(self, ann: dict) -> dict:
        track: Optional[Any] = ann.get('track_id')
        if track is None:
            return dict(track_id=np.array([-1], dtype=np.int64))
        try:
            return dict(track_id=np.array([int(track)], dtype=np.int64))
        except (TypeError, ValueError) as err:
            raise ValueError(f'{self.ann_file}: annotation id={ann.get("id")} has a non-integer '
                             f'track_id {track!r}') from err


@DATASETS.register_module()
class CocoWholeBodyHalpe136Dataset(CocoWholeBodyDataset):
    """COCO-WholeBody read into the Halpe-136 layout, for multi-domain training
    (AlphaPose's Halpe + COCO-WholeBody mix,
    alphapose/datasets/halpe_coco_wholebody_136.py:85-88).

    Three unlabelled joints (Halpe Head, Neck, Hip: 17-19) are inserted after
    the 17 body joints, then feet, face and hands follow. Unlike AlphaPose's
    loader, the feet are *reordered* from COCO-WholeBody's (L-big, L-small,
    L-heel, R-big, R-small, R-heel) to Halpe's (L-big, R-big, L-small, R-small,
    L-heel, R-heel), so both domains agree on what keypoint 20-25 is.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/halpe136.py')
    # Halpe feet 20..25 <- COCO-WholeBody foot indices 0..5
    FOOT_TO_HALPE = (0, 3, 1, 4, 2, 5)

    def extract_keypoints(self, ann: dict) -> np.ndarray:
        parts = [self._reshape_keypoints(ann.get(f), ann, f, n) for f, n in self.FIELDS]
        body, foot, face, lhand, rhand = parts
        missing = np.zeros((3, body.shape[1]), body.dtype)
        kpts = np.concatenate([body, missing, foot[list(self.FOOT_TO_HALPE)], face, lhand, rhand],
                              axis=0)
        if kpts.shape[0] != self.num_keypoints:
            raise ValueError(f'{self.ann_file}: metainfo has {self.num_keypoints} keypoints but '
                             f'the Halpe-136 layout gives {kpts.shape[0]}')
        return kpts
