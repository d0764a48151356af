"""OpenPose joint orders and limb layout (COCO-18 / BODY_25), built from our
keypoint names so they work for COCO-17, Halpe-26/136 and COCO-WholeBody-133.
"""
from typing import Sequence

import numpy as np

# OpenPose joint orders, by our keypoint names ('neck' / 'mid_hip' are
# synthesised from the shoulders / hips when the dataset has none).
COCO18 = ('nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist', 'left_shoulder',
          'left_elbow', 'left_wrist', 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
          'left_knee', 'left_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear')
BODY25 = COCO18[:8] + ('mid_hip', ) + COCO18[8:] + (
    'left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe', 'right_heel')
# OpenPose's 17 COCO-18 limbs (0-based joint ids of COCO18) and its RGB palette
COCO18_LIMBS = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11),
                (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))
OPENPOSE_COLORS = np.array(
    [[255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
     [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
     [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85]],
    dtype=np.uint8)


def openpose_joints(metainfo: dict,
                    keypoints: np.ndarray,
                    scores: np.ndarray,
                    order: Sequence[str] = COCO18) -> np.ndarray:
    """Gather (N,K,2) keypoints + (N,K) scores into (N,J,3) OpenPose joints.

    A missing neck is the mean of the shoulders, a missing mid_hip the mean of
    the hips (x, y and score, as AlphaPose's ``--format open``).
    """
    name2id = metainfo['keypoint_name2id']
    full = np.concatenate(
        [np.asarray(keypoints, np.float32),
         np.asarray(scores, np.float32)[..., None]], axis=-1)
    extra = {}
    if 'neck' not in name2id:
        extra['neck'] = full[:, [name2id['left_shoulder'], name2id['right_shoulder']]].mean(1)
    if 'mid_hip' in order and 'hip' not in name2id:
        extra['mid_hip'] = full[:, [name2id['left_hip'], name2id['right_hip']]].mean(1)
    cols = []
    for name in order:
        key = 'hip' if name == 'mid_hip' and 'hip' in name2id else name
        if name not in extra and key not in name2id:
            raise KeyError(f'keypoint "{key}" needed for the OpenPose layout is not '
                           f'in dataset "{metainfo.get("dataset_name")}"')
        cols.append(extra[name] if name in extra else full[:, name2id[key]])
    return np.stack(cols, axis=1)
