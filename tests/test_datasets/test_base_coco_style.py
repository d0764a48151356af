"""Bad inputs of the COCO-style loader: clear errors or logged skips."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest

from mmalphapose.datasets import CocoDataset, CocoWholeBodyDataset, Halpe26Dataset


def _write(tmp_path, data, name='ann.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def _coco(data_root):
    with open(osp.join(data_root, 'coco', 'test_coco.json')) as f:
        return json.load(f)


def _build(cls, ann, data_root, **kw):
    return cls(ann_file=ann, data_prefix=dict(img=osp.join(data_root, 'coco')), **kw)


def test_missing_annotation_file(tmp_path, data_root):
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        _build(CocoDataset, missing, data_root)


def test_corrupt_json(tmp_path, data_root):
    path = tmp_path / 'broken.json'
    path.write_text('{"images": [1, 2,')
    with pytest.raises(ValueError, match='broken.json.*not valid JSON'):
        _build(CocoDataset, str(path), data_root)
    with pytest.raises(ValueError, match='not a COCO annotation file'):
        _build(CocoDataset, _write(tmp_path, [1, 2]), data_root)


def test_wrong_keypoint_count_names_record(tmp_path, data_root):
    data = _coco(data_root)
    data['annotations'][3]['keypoints'] = data['annotations'][3]['keypoints'][:-3]
    bad_id = data['annotations'][3]['id']
    with pytest.raises(ValueError, match=rf'ann.json.*id={bad_id}.*48 values, expected 51'):
        _build(CocoDataset, _write(tmp_path, data), data_root)
    # a COCO-17 file loaded as whole-body lacks the part fields
    with pytest.raises(ValueError, match='foot_kpts'):
        _build(CocoWholeBodyDataset, osp.join(data_root, 'coco', 'test_coco.json'), data_root)
    # COCO-17 loaded as Halpe-26: wrong count
    with pytest.raises(ValueError, match='expected 78'):
        _build(Halpe26Dataset, osp.join(data_root, 'coco', 'test_coco.json'), data_root)


def test_malformed_records(tmp_path, data_root):
    data = _coco(data_root)
    del data['annotations'][2]['bbox']
    with pytest.raises(ValueError, match=rf'id={data["annotations"][2]["id"]}.*"bbox"'):
        _build(CocoDataset, _write(tmp_path, data), data_root)
    data = _coco(data_root)
    data['annotations'][0]['bbox'] = [1, 2, 3]
    with pytest.raises(ValueError, match='malformed "bbox"'):
        _build(CocoDataset, _write(tmp_path, data), data_root)
    data = _coco(data_root)
    data['annotations'][0]['image_id'] = 123456789
    with pytest.raises(ValueError, match='unknown image_id=123456789'):
        _build(CocoDataset, _write(tmp_path, data), data_root)
    data = _coco(data_root)
    data['annotations'][0]['keypoints'][4] = 'x'
    with pytest.raises(ValueError, match='not numeric'):
        _build(CocoDataset, _write(tmp_path, data), data_root)


def test_empty_annotation_list(tmp_path, data_root):
    data = _coco(data_root)
    data['annotations'] = []
    with pytest.raises(ValueError, match='no usable person instance.*0 annotations'):
        _build(CocoDataset, _write(tmp_path, data), data_root)


def test_zero_area_and_crowd_skipped_with_warning(tmp_path, data_root):
    data = _coco(data_root)
    data['annotations'][0]['bbox'][2] = 0.0  # zero width
    data['annotations'][1]['iscrowd'] = 1
    ds = _build(CocoDataset, _write(tmp_path, data), data_root, test_mode=True)
    assert len(ds) == len(data['annotations']) - 2
    assert ds.skip_stats == dict(zero_area=1, crowd=1)
    ids = {ds.get_data_info(i)['id'] for i in range(len(ds))}
    assert data['annotations'][0]['id'] not in ids and data['annotations'][1]['id'] not in ids


def test_detection_file_errors(tmp_path, data_root):
    ann = osp.join(data_root, 'coco', 'test_coco.json')
    with pytest.raises(ValueError, match='test_mode'):
        _build(CocoDataset, ann, data_root, bbox_file='x.json')
    with pytest.raises(FileNotFoundError, match='dets.json'):
        _build(CocoDataset, ann, data_root, bbox_file=str(tmp_path / 'dets.json'), test_mode=True)
    bad = _write(tmp_path, [dict(image_id=999, bbox=[0, 0, 10, 10], score=1.0)], 'd.json')
    with pytest.raises(ValueError, match='image_id=999'):
        _build(CocoDataset, ann, data_root, bbox_file=bad, test_mode=True)
    dets = [
        dict(image_id=785, bbox=[10, 10, 0, 30], score=0.9, category_id=1),
        dict(image_id=785, bbox=[10, 10, 50, 80], score=0.9, category_id=1),
        dict(image_id=785, bbox=[10, 10, 50, 80], score=0.9, category_id=2)
    ]
    ds = _build(
        CocoDataset, ann, data_root, bbox_file=_write(tmp_path, dets, 'd2.json'), test_mode=True)
    assert len(ds) == 1 and ds.skip_stats == dict(zero_area=1)
    info = ds.get_data_info(0)
    np.testing.assert_allclose(info['bbox'][0], [10, 10, 60, 90])
    assert info['keypoints'].shape == (1, 17, 2)


def test_missing_image_file_is_clear(tmp_path, data_root):
    img_dir = tmp_path / 'imgs'
    img_dir.mkdir()
    shutil.copy(osp.join(data_root, 'coco', '000000000785.jpg'), img_dir)
    ds = CocoDataset(
        ann_file=osp.join(data_root, 'coco', 'test_coco.json'),
        data_prefix=dict(img=str(img_dir)),
        test_mode=True,
        pipeline=[dict(type='LoadImage')])
    assert ds[0]['img'].shape == (425, 640, 3)
    with pytest.raises(FileNotFoundError, match=r'000000040083\.jpg.*img_id=40083'):
        ds[1]


def test_unsupported_mode(data_root):
    with pytest.raises(ValueError, match='data_mode'):
        _build(
            CocoDataset,
            osp.join(data_root, 'coco', 'test_coco.json'),
            data_root,
            data_mode='bottomup')


def test_domain_filter_keeps_the_named_label_domains(tmp_path, data_root):
    data = _coco(data_root)
    for i, ann in enumerate(data['annotations']):
        ann['domain'] = 'photos_left_hand' if i % 2 else 'photos'
    kept = [a['id'] for a in data['annotations'] if a['domain'] == 'photos_left_hand']
    ds = _build(
        CocoDataset,
        _write(tmp_path, data),
        data_root,
        test_mode=True,
        filter_cfg=dict(domains=['photos_left_hand']))
    assert sorted(ds.get_data_info(i)['id'] for i in range(len(ds))) == sorted(kept)
    assert ds.skip_stats['domain'] == len(data['annotations']) - len(kept)
    full = _build(CocoDataset, _write(tmp_path, data), data_root, test_mode=True)
    assert len(full) == len(data['annotations'])


def test_gt_box_is_alphapose_inclusive_detection_box_is_not(tmp_path, data_root):
    """COCO [x, y, w, h] -> x + w - 1 on the GT path (AlphaPose
    bbox_xywh_to_xyxy), x + w for a detection file (coco_det.py:77-78)."""
    data = _coco(data_root)
    ann = data['annotations'][0]
    ann['bbox'] = [10.0, 20.0, 50.0, 80.0]
    gt = _build(CocoDataset, _write(tmp_path, data), data_root)
    info = next(
        gt.get_data_info(i) for i in range(len(gt)) if gt.get_data_info(i)['id'] == ann['id'])
    np.testing.assert_allclose(info['bbox'][0], [10, 20, 59, 99])
    dets = _write(tmp_path, [dict(image_id=ann['image_id'], bbox=[10, 20, 50, 80], score=1.0)],
                  'd.json')
    det = _build(CocoDataset, _write(tmp_path, data), data_root, bbox_file=dets, test_mode=True)
    np.testing.assert_allclose(det.get_data_info(0)['bbox'][0], [10, 20, 60, 100])


def test_alphapose_visibility_threshold_and_num_keypoints_zero(tmp_path, data_root):
    """vis_thr=0.35: v >= 0.35 visible, below not (halpe_136.py:107);
    skip_zero_num_keypoints drops num_keypoints == 0 (coco_wholebody.py:104)."""
    data = _coco(data_root)
    for a in data['annotations']:
        a['iscrowd'] = 0
    ann, other = data['annotations'][0], data['annotations'][1]
    kp = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
    kp[:, 2] = 0.0
    kp[:3] = [[50, 60, 0.34], [52, 60, 0.35], [54, 60, 2.0]]
    ann['keypoints'] = kp.ravel().tolist()
    other['num_keypoints'] = 0
    path = _write(tmp_path, data)
    plain = _build(CocoDataset, path, data_root)
    exact = _build(
        CocoDataset, path, data_root, filter_cfg=dict(vis_thr=0.35, skip_zero_num_keypoints=True))

    def by_id(ds, i):
        return next((ds.get_data_info(j) for j in range(len(ds)) if ds.get_data_info(j)['id'] == i),
                    None)

    np.testing.assert_array_almost_equal(
        by_id(plain, ann['id'])['keypoints_visible'][0, :3], [0.34, 0.35, 1], decimal=6)
    np.testing.assert_array_equal(by_id(exact, ann['id'])['keypoints_visible'][0, :3], [0, 1, 1])
    assert by_id(plain, other['id']) is not None
    assert by_id(exact, other['id']) is None
    assert exact.skip_stats.get('num_keypoints_0') == 1


def test_skip_zero_area_field_as_alphapose_mscoco(tmp_path, data_root):
    """skip_zero_area drops an annotation whose "area" field is 0 although
    its box is good (AlphaPose's mscoco.py:86); off by default."""
    data = _coco(data_root)
    for a in data['annotations']:
        a['iscrowd'] = 0
    ann = next(a for a in data['annotations'] if a['num_keypoints'] > 0)
    ann['area'] = 0
    path = _write(tmp_path, data)
    plain = _build(CocoDataset, path, data_root)
    exact = _build(CocoDataset, path, data_root, filter_cfg=dict(skip_zero_area=True))
    ids = [exact.get_data_info(j)['id'] for j in range(len(exact))]
    assert ann['id'] not in ids
    assert ann['id'] in [plain.get_data_info(j)['id'] for j in range(len(plain))]
    assert len(plain) == len(exact) + 1
    assert exact.skip_stats.get('area_0') == 1
