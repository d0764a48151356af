"""Dataset classes and metainfo parsing."""
from .base_coco_style import BaseCocoStyleDataset, load_json_file
from .coco_datasets import (CocoDataset, CocoWholeBodyDataset, CocoWholeBodyHalpe136Dataset,
                            Halpe26Dataset, Halpe136Dataset, PoseTrack18Dataset)
from .utils import parse_pose_metainfo, repo_root, resolve_config_path

__all__ = [
    'parse_pose_metainfo', 'resolve_config_path', 'repo_root', 'BaseCocoStyleDataset',
    'CocoDataset', 'Halpe26Dataset', 'Halpe136Dataset', 'CocoWholeBodyDataset',
    'CocoWholeBodyHalpe136Dataset', 'PoseTrack18Dataset', 'load_json_file'
]

from .smpl_dataset import SMPLDataset  # noqa: E402

__all__ += ['SMPLDataset']
