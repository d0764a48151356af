"""Dataset metainfo parsing (MMPose 1.x's ``parse_pose_metainfo``; the parsing
itself lives in :class:`mmalphapose.structures.PoseMetainfo`)."""
from typing import Any, Dict

from mmalphapose.structures.pose_metainfo import PoseMetainfo


def parse_pose_metainfo(metainfo: Dict[str, Any]) -> PoseMetainfo:
    """Parse a dataset metainfo into MMPose 1.x's flat dict.

    Args:
        metainfo: ``dict(from_file='configs/_base_/datasets/coco.py')``
            (resolved from the cwd or the package resources), a
            ``dataset_info`` dict itself (with ``keypoint_info``,
            ``skeleton_info``, ...), or an already parsed metainfo (a
            PoseMetainfo is returned as is, a plain dict is wrapped).

    Returns:
        :class:`PoseMetainfo` (a dict) with dataset_name, num_keypoints,
        keypoint_id2name, keypoint_name2id, upper_body_ids, lower_body_ids,
        flip_indices, flip_pairs, keypoint_colors (K,3 uint8),
        num_skeleton_links, skeleton_links, skeleton_link_colors (L,3 uint8),
        dataset_keypoint_weights (K,), sigmas (K,), and for whole-body
        datasets ``parts`` (name -> list of keypoint ids).
    """
    if not isinstance(metainfo, dict):
        raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}')
    return PoseMetainfo.load(metainfo)


__all__ = ['parse_pose_metainfo']
