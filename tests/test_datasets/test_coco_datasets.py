"""The five datasets load their real tests/data sample; crops are drawn to tests/artifacts."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.datasets import (CocoDataset, CocoWholeBodyDataset, Halpe26Dataset,
                                  Halpe136Dataset, PoseTrack18Dataset)

CASES = {
    'coco': (CocoDataset, 'coco/test_coco.json', 'coco/', 17),
    'halpe26': (Halpe26Dataset, 'halpe/test_halpe.json', 'coco/', 26),
    'halpe136': (Halpe136Dataset, 'halpe/test_halpe.json', 'coco/', 136),
    'coco_wholebody':
    (CocoWholeBodyDataset, 'coco_wholebody/test_coco_wholebody.json', 'coco/', 133),
    'posetrack18':
    (PoseTrack18Dataset, 'posetrack18/annotations/test_posetrack18_val.json', 'posetrack18/', 17),
}
PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(192, 256))
]


def _browse_module(repo_root):
    spec = importlib.util.spec_from_file_location(
        'browse_dataset', osp.join(repo_root, 'tools', 'misc', 'browse_dataset.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _raw(data_root, ann):
    with open(osp.join(data_root, ann)) as f:
        return json.load(f)


@pytest.mark.parametrize('name', list(CASES))
def test_loads_real_sample(name, data_root):
    cls, ann, prefix, k = CASES[name]
    raw = _raw(data_root, ann)
    ds = cls(ann_file=ann, data_root=data_root, data_prefix=dict(img=prefix), test_mode=True)
    assert len(ds) == len([a for a in raw['annotations'] if not a.get('iscrowd')])
    assert ds.metainfo['num_keypoints'] == k and ds.metainfo['dataset_name'] == name
    info = ds.get_data_info(0)
    first = next(a for a in raw['annotations'] if a['id'] == info['id'])
    assert info['keypoints'].shape == (1, k, 2) and info['keypoints_visible'].shape == (1, k)
    x, y, w, h = first['bbox']  # AlphaPose's GT convention: x + w - 1
    np.testing.assert_allclose(info['bbox'][0], [x, y, x + w - 1, y + h - 1], atol=1e-3)
    body = np.asarray(first['keypoints'], np.float32).reshape(-1, 3)
    np.testing.assert_allclose(info['keypoints'][0, :17], body[:17, :2])
    np.testing.assert_array_equal(info['keypoints_visible'][0, :17], np.minimum(1, body[:17, 2]))
    assert osp.isfile(info['img_path'])
    for key in ('sigmas', 'flip_indices', 'flip_pairs', 'upper_body_ids', 'skeleton_links'):
        assert key in info, key
    assert len(info['sigmas']) == k
    if name == 'coco_wholebody':  # fields concatenated body, foot, face, lhand, rhand
        np.testing.assert_allclose(info['keypoints'][0, 17:23],
                                   np.reshape(first['foot_kpts'], (-1, 3))[:, :2])
        np.testing.assert_allclose(info['keypoints'][0, 112:],
                                   np.reshape(first['righthand_kpts'], (-1, 3))[:, :2])
    if name in ('halpe26', 'halpe136'):
        np.testing.assert_allclose(info['keypoints'][0], body[:k, :2])
    if name == 'posetrack18':
        img = next(i for i in raw['images'] if i['id'] == info['img_id'])
        assert info['track_id'].tolist() == [first['track_id']]
        assert info['frame_id'] == img['frame_id'] and info['video_id'] == img['vid_id']


@pytest.mark.parametrize('name', list(CASES))
def test_training_mode_filters_empty(name, data_root):
    cls, ann, prefix, _ = CASES[name]
    raw = _raw(data_root, ann)
    ds = cls(ann_file=ann, data_root=data_root, data_prefix=dict(img=prefix))
    assert all(ds.get_data_info(i)['keypoints_visible'].sum() > 0 for i in range(len(ds)))
    assert len(ds) + ds.skip_stats.get('empty', 0) == len(raw['annotations'])


@pytest.mark.parametrize('name', list(CASES))
def test_transformed_crop_drawn(name, data_root, repo_root, artifacts_dir):
    cls, ann, prefix, k = CASES[name]
    ds = cls(
        ann_file=ann,
        data_root=data_root,
        data_prefix=dict(img=prefix),
        test_mode=True,
        pipeline=PIPELINE)
    # the sample with most visible keypoints
    idx = int(np.argmax([ds.get_data_info(i)['keypoints_visible'].sum() for i in range(len(ds))]))
    res = ds[idx]
    assert res['img'].shape == (256, 192, 3) and res['img'].mean() > 10
    vis = res['keypoints_visible'][0] > 0
    crop = res['transformed_keypoints'][0][vis]
    assert (crop[:, 0] >= 0).all() and (crop[:, 0] < 192).all()
    assert (crop[:, 1] >= 0).all() and (crop[:, 1] < 256).all()
    # mapping back with input_center / input_scale recovers the image keypoints
    back = (res['transformed_keypoints'][0] / np.array([192, 256]) - 0.5) \
        * res['input_scale'] + res['input_center']
    np.testing.assert_allclose(back, res['keypoints'][0], atol=1e-2)
    browse = _browse_module(repo_root)
    paths = browse.browse(
        ds, osp.join(artifacts_dir, 'datasets'), max_samples=1, scale=2.0, prefix=name)
    assert osp.getsize(paths[0]) > 1000
    drawn = browse.draw_sample(res, ds.metainfo)
    assert (drawn != res['img']).any()  # keypoints were drawn


def test_detection_boxes(data_root):
    ds = CocoDataset(
        ann_file='coco/test_coco.json',
        bbox_file='coco/test_coco_det_AP_H_56.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True,
        filter_cfg=dict(bbox_score_thr=0.3))
    dets = _raw(data_root, 'coco/test_coco_det_AP_H_56.json')
    assert len(ds) == sum(d['score'] >= 0.3 for d in dets)
    assert ds.skip_stats['low_score'] == sum(d['score'] < 0.3 for d in dets)
    scores = np.array([ds.get_data_info(i)['bbox_score'][0] for i in range(len(ds))])
    assert (scores >= 0.3).all()
    ds_all = CocoDataset(
        ann_file='coco/test_coco.json',
        bbox_file='coco/test_coco_det_AP_H_56.json',
        data_root=data_root,
        data_prefix=dict(img='coco/'),
        test_mode=True)
    assert len(ds_all) == len(dets)
