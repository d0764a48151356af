"""SMPLDataset + GenerateSMPLTarget + PackSMPLInputs on a generated annotation file."""
import json

import cv2
import numpy as np
import pytest

from mmalphapose.registry import DATASETS


def _write(tmp_path, anns, cam=True):
    img = np.full((200, 300, 3), 128, np.uint8)
    cv2.imwrite(str(tmp_path / 'a.jpg'), img)
    image = dict(id=7, file_name='a.jpg', width=300, height=200)
    if cam:
        image['cam_param'] = dict(f=[500., 500.], c=[150., 100.])
    (tmp_path / 'ann.json').write_text(json.dumps(dict(images=[image], annotations=anns)))
    return str(tmp_path / 'ann.json')


def _pipeline():
    codec = dict(type='HybrIKLabel', input_size=(64, 64), heatmap_size=(16, 16), depth_size=8)
    return [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale', padding=1.25),
        dict(type='TopdownAffine', input_size=(64, 64)),
        dict(type='GenerateSMPLTarget', encoder=codec),
        dict(type='PackSMPLInputs')
    ]


def test_load_project_and_pack(tmp_path):
    rng = np.random.default_rng(0)
    k3d = np.concatenate([rng.uniform(-0.5, 0.5, (29, 2)), rng.uniform(3.5, 4.5, (29, 1))], 1)
    anns = [
        dict(
            id=1,
            image_id=7,
            bbox=[100, 40, 100, 120],
            keypoints_3d=(k3d * 1000).tolist(),
            smpl_pose=rng.normal(0, .2, 72).tolist(),
            smpl_betas=[0.1] * 10),
        dict(id=2, image_id=7, bbox=[10, 10, 50, 80])
    ]  # box only
    ds = DATASETS.build(
        dict(
            type='SMPLDataset',
            ann_file=_write(tmp_path, anns),
            data_root=str(tmp_path),
            joints_3d_unit='mm',
            pipeline=_pipeline()))
    assert len(ds) == 2 and ds.metainfo['num_keypoints'] == 29
    info = ds.get_data_info(0)
    # 2D joints projected from the 3D ones with the camera
    proj = k3d[:, :2] / k3d[:, 2:] * 500 + [150, 100]
    np.testing.assert_allclose(info['keypoints'][0], proj, rtol=1e-5)
    np.testing.assert_allclose(info['keypoints_3d'][0], k3d, rtol=1e-5)
    s = ds[0]['data_samples']
    lab = s.gt_instance_labels
    assert lab.keypoint_labels.shape == (1, 29, 3) and lab.smpl_pose.shape == (1, 72)
    assert float(lab.smpl_weight[0]) == 1 and float(lab.smpl_twist_weight.sum()) == 0
    np.testing.assert_allclose(
        lab.keypoint_labels[0, :, 2].numpy(), (k3d[:, 2] - k3d[0, 2]) / 2.2, atol=1e-5)
    assert s.gt_instances.keypoints_3d.shape == (1, 29, 3)
    s2 = ds[1]['data_samples'].gt_instance_labels
    assert float(s2.smpl_weight[0]) == 0 and float(s2.keypoint_weights.sum()) == 0


def test_bad_annotations(tmp_path):
    with pytest.raises(ValueError, match=r'annotation id=3: field "smpl_betas"'):
        DATASETS.build(
            dict(
                type='SMPLDataset',
                ann_file=_write(tmp_path,
                                [dict(id=3, image_id=7, bbox=[0, 0, 5, 5], smpl_betas=[1, 2])])))
    with pytest.raises(ValueError, match='unknown image_id 9'):
        DATASETS.build(
            dict(
                type='SMPLDataset',
                ann_file=_write(tmp_path, [dict(id=4, image_id=9, bbox=[0, 0, 5, 5])])))
    with pytest.raises(FileNotFoundError, match='SMPL annotation file'):
        DATASETS.build(dict(type='SMPLDataset', ann_file=str(tmp_path / 'none.json')))
