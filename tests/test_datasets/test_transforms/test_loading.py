"""LoadImage."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.datasets.transforms import LoadImage


def test_load_color_and_shapes(data_root):
    path = osp.join(data_root, 'coco', '000000000785.jpg')
    out = LoadImage()(dict(img_path=path, img_id=785))
    assert out['img'].shape == (425, 640, 3) and out['img'].dtype == np.uint8
    assert out['img_shape'] == (425, 640) == out['ori_shape']
    np.testing.assert_array_equal(out['img'], cv2.imread(path))  # BGR as cv2
    f32 = LoadImage(to_float32=True)(dict(img_path=path))
    assert f32['img'].dtype == np.float32


def test_grey_image_becomes_three_channels(tmp_path):
    grey = (np.arange(20 * 30) % 255).astype(np.uint8).reshape(20, 30)
    path = str(tmp_path / 'g.png')
    cv2.imwrite(path, grey)
    out = LoadImage()(dict(img_path=path))
    assert out['img'].shape == (20, 30, 3)
    np.testing.assert_array_equal(out['img'][..., 1], grey)
    given = LoadImage()(dict(img=grey))
    assert given['img'].shape == (20, 30, 3) and given['img_path'] is None


def test_missing_and_corrupt_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'nothere\.jpg.*img_id=7'):
        LoadImage()(dict(img_path=str(tmp_path / 'nothere.jpg'), img_id=7))
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image at all')
    with pytest.raises(ValueError, match=r'bad\.jpg'):
        LoadImage()(dict(img_path=str(bad)))
    with pytest.raises(KeyError, match='img_path'):
        LoadImage()(dict())


def test_cache_decodes_once_and_is_read_only(tmp_path, monkeypatch):
    img = np.random.RandomState(0).randint(0, 255, (20, 10, 3), np.uint8)
    path = str(tmp_path / 'a.png')
    cv2.imwrite(path, img)
    t = LoadImage(cache_mb=1)
    calls = []
    orig = t._read
    monkeypatch.setattr(t, '_read', lambda p, w: calls.append(p) or orig(p, w))
    a = t(dict(img_path=path))['img']
    b = t(dict(img_path=path))['img']
    assert calls == [path]
    np.testing.assert_array_equal(a, img)
    assert a is b and not a.flags.writeable


def test_cache_respects_its_size_limit(tmp_path, monkeypatch):
    path = str(tmp_path / 'b.png')
    cv2.imwrite(path, np.zeros((600, 600, 3), np.uint8))  # ~1.03 MB decoded
    t = LoadImage(cache_mb=1)
    calls = []
    orig = t._read
    monkeypatch.setattr(t, '_read', lambda p, w: calls.append(p) or orig(p, w))
    t(dict(img_path=path))
    out = t(dict(img_path=path))['img']
    assert len(calls) == 2 and out.flags.writeable
