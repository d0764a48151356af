"""COCO-WholeBody read into the Halpe-136 layout, and the multi-domain config's data."""
import json
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmalphapose.datasets import CocoWholeBodyHalpe136Dataset
from mmalphapose.registry import DATASETS


def test_wholebody_to_halpe136_layout(data_root):
    ds = CocoWholeBodyHalpe136Dataset(
        ann_file='coco_wholebody/test_coco_wholebody.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True)
    assert ds.metainfo['num_keypoints'] == 136
    raw = json.load(open(osp.join(data_root, 'coco_wholebody/test_coco_wholebody.json')))
    checked = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        ann = next(a for a in raw['annotations'] if a['id'] == info['id'])
        k, v = info['keypoints'][0], info['keypoints_visible'][0]
        body = np.reshape(ann['keypoints'], (-1, 3))
        foot = np.reshape(ann['foot_kpts'], (-1, 3))
        np.testing.assert_allclose(k[:17], body[:, :2])
        assert not v[17:20].any()  # head/neck/hip unlabelled
        # Halpe feet: L-big, R-big, L-small, R-small, L-heel, R-heel
        np.testing.assert_allclose(k[20], foot[0, :2])  # L big toe
        np.testing.assert_allclose(k[21], foot[3, :2])  # R big toe
        np.testing.assert_allclose(k[22], foot[1, :2])  # L small toe
        np.testing.assert_allclose(k[24], foot[2, :2])  # L heel
        np.testing.assert_allclose(k[25], foot[5, :2])  # R heel
        np.testing.assert_allclose(k[26:94], np.reshape(ann['face_kpts'], (-1, 3))[:, :2])
        np.testing.assert_allclose(k[115:], np.reshape(ann['righthand_kpts'], (-1, 3))[:, :2])
        checked += 1
    assert checked == len(ds) > 0


def test_flip_pairs_agree_across_domains(data_root):
    """A left foot point must flip to the right one in both domains' layout."""
    ds = CocoWholeBodyHalpe136Dataset(
        ann_file='coco_wholebody/test_coco_wholebody.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True)
    flip = ds.metainfo['flip_indices']
    assert flip[20] == 21 and flip[22] == 23 and flip[24] == 25


def test_multi_domain_config_builds_mixed_dataset(repo_root, data_root):
    cfg = Config.fromfile(
        osp.join(
            repo_root, 'configs/wholebody_2d_keypoint/sikr/halpe136/'
            'sikr_fastpose-se-res50_4xb48-265e_halpe136-coco-wholebody-256x192.py'))
    dcfg = cfg.train_dataloader.dataset.to_dict()
    # point both domains at the real samples of tests/data
    halpe, wb = dcfg['datasets']
    halpe['dataset'].update(
        data_root=data_root, ann_file='halpe/test_halpe.json', data_prefix=dict(img='coco/'))
    wb.update(
        data_root=data_root,
        ann_file='coco_wholebody/test_coco_wholebody.json',
        data_prefix=dict(img='coco/'))
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        ds = DATASETS.build(dcfg)
    n_halpe = 12  # people with keypoints in the Halpe sample
    assert len(ds) == halpe['times'] * n_halpe + len(ds.datasets[1])
    sample = ds[len(ds) - 1]  # a COCO-WholeBody sample through the training pipeline
    assert sample['data_samples'].gt_instance_labels.keypoint_weights.shape[-1] == 136
