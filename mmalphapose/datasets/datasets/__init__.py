"""Dataset classes and metainfo parsing."""
from .base_coco_style import BaseCocoStyleDataset, load_json_file
from .coco_datasets import (CocoDataset, CocoWholeBodyDataset, CocoWholeBodyHalpe136Dataset,
                            Halpe26Dataset, Halpe136Dataset, PoseTrack18Dataset)
from .smpl_dataset import SMPLDataset
from .utils import parse_pose_metainfo

__all__ = [
    'parse_pose_metainfo', 'BaseCocoStyleDataset', 'CocoDataset', 'Halpe26Dataset',
    'Halpe136Dataset', 'CocoWholeBodyDataset', 'CocoWholeBodyHalpe136Dataset', 'PoseTrack18Dataset',
    'load_json_file', 'SMPLDataset'
]
