"""models/distillers/label_file.py: the distillation label-file writer."""
import json
import os.path as osp

import numpy as np
import pytest

from mmalphapose.models.distillers.label_file import LabelWriter, keypoint_names, label_counts


def _labels(n: int, k: int = 136):
    rng = np.random.default_rng(0)
    kpts = rng.uniform(10, 200, (n, k, 2)).astype(np.float32)
    weights = np.full((n, k), 0.9, np.float32)
    weights[:, 50:] = 0  # unsupervised points are written as 0, 0, 0
    sources = np.where(weights > 0, 2, 0).astype(np.int8)
    return kpts, weights, sources


def test_writer_roundtrip(tmp_path):
    kpts, weights, sources = _labels(1)
    wr = LabelWriter()
    i = wr.add_image('images/a.jpg', 640, 480)
    assert wr.add_image('images/a.jpg', 640, 480) == i
    wr.add_instances(i, np.array([[0, 0, 100, 200]], np.float32), kpts, weights, sources, 'photos')
    names = [f'k{j}' for j in range(136)]
    path = str(tmp_path / 'a.json')
    wr.dump(path, 'test', names)
    d = json.load(open(path))
    a = d['annotations'][0]
    assert a['bbox'] == [0, 0, 100, 200] and len(a['keypoint_sources']) == 136
    assert len(a['keypoints']) == 408 and a['domain'] == 'photos'
    assert a['bbox_score'] == 1.0 and a['num_keypoints'] == 50
    assert a['keypoints'][50 * 3:50 * 3 + 3] == [0, 0, 0]
    assert d['categories'][0]['keypoints'] == names
    wr2 = LabelWriter()
    wr2.add_image('images/b.jpg', 10, 10)
    wr2.add_file(path, 'clips')
    assert wr2.images[1]['file_name'] == osp.join('clips', 'images/a.jpg')
    assert wr2.annotations[0]['image_id'] == 2
    np.testing.assert_allclose(wr2.weights(), np.array([a['keypoints'][2::3]]))


def test_bbox_scores_and_merge():
    kpts, weights, sources = _labels(2, 26)
    crops = LabelWriter()
    cid = crops.add_image('p.jpg', 20, 30)
    crops.add_instances(cid, np.array([[0, 0, 5, 5], [1, 1, 4, 4]]), kpts, weights, sources, 'x',
                        np.array([0.51234, 0.9]))
    assert [a['bbox_score'] for a in crops.annotations] == [0.5123, 0.9]
    train = LabelWriter()
    train.add_image('q.jpg', 1, 1)
    train.add_image('p.jpg', 20, 30)  # the same image: reused
    train.merge(crops.images, crops.annotations)
    assert len(train.images) == 2
    assert [a['image_id'] for a in train.annotations] == [2, 2]
    assert [a['id'] for a in train.annotations] == [1, 2]


def test_add_file_refuses_another_keypoint_count(tmp_path):
    kpts, weights, sources = _labels(1, 26)
    wr = LabelWriter()
    wr.add_instances(wr.add_image('a.jpg', 9, 9), np.zeros((1, 4)), kpts, weights, sources, 'd')
    path = str(tmp_path / 'a26.json')
    wr.dump(path, 'test', keypoint_names(26))
    with pytest.raises(ValueError, match='a26.json: annotation 1 has 26 keypoints, expected 136'):
        LabelWriter().add_file(path, 'clips')


def test_keypoint_names_and_counts():
    assert keypoint_names(26)[17:20] == ['head', 'neck', 'hip']
    names = keypoint_names(136)
    assert len(names) == 136 and names[0] == 'nose'
    w = np.zeros((3, 136), np.float32)
    w[0, :26] = 1
    w[1, 30] = 1
    w[2, 100] = w[2, 120] = 1
    assert label_counts(w) == dict(instances=3, body=1, face=1, left_hand=1, right_hand=1)
    assert label_counts(np.zeros((0, 136))) == dict(
        instances=0, body=0, face=0, left_hand=0, right_hand=0)
