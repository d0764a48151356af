"""Whole-body regression/combined configs carry AlphaPose's regression P-NMS preset."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmalphapose.datasets import parse_pose_metainfo
from mmalphapose.registry import DATASETS, POSE_NMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/wholebody_2d_keypoint/sikr/*/*.py')) +
    glob.glob(osp.join(REPO, 'configs/wholebody_2d_keypoint/combined/*/*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_regression_preset_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.pose_nms.preset == 'regression'
    dataset_cls = DATASETS.get(cfg.test_dataloader.dataset.type)
    metainfo = parse_pose_metainfo(dataset_cls.METAINFO)
    nms = POSE_NMS.build(dict(cfg.pose_nms, metainfo=metainfo))
    assert nms.preset == 'regression'
    assert metainfo['num_keypoints'] in (133, 136)
