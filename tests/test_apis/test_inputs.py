import shutil

import cv2
import numpy as np
import pytest

from mmalphapose.apis.inputs import resolve_inputs
from mmalphapose.testing import faststart

VIDEO = 'videos/basketball_20f.mp4'


def test_folder_glob_list_and_image(data_root, tmp_path):
    srcs = resolve_inputs(f'{data_root}/coco')
    assert len(srcs) == 1 and srcs[0].kind == 'images' and srcs[0].num_frames == 4
    srcs = resolve_inputs(f'{data_root}/coco/*.jpg')
    assert [len(s.items) for s in srcs] == [4]
    lst = tmp_path / 'list.txt'
    lst.write_text(f'{data_root}/coco/000000000785.jpg\n\n{data_root}/{VIDEO}\n')
    srcs = resolve_inputs(str(lst))
    assert [s.kind for s in srcs] == ['images', 'video']
    (single, ) = resolve_inputs(f'{data_root}/coco/000000000785.jpg')
    assert single.stem == '000000000785'
    frames = list(single.frames())
    assert len(frames) == 1 and frames[0].img.shape == (425, 640, 3)


def test_video_probe_and_frames(data_root):
    (src, ) = resolve_inputs(f'{data_root}/{VIDEO}')
    assert src.kind == 'video' and src.num_frames == 20 and src.size == (426, 240)
    assert abs(src.fps - 29.97) < 0.1
    names = [f.name for f in src.frames()]
    assert names[:2] == ['0.jpg', '1.jpg'] and len(names) == 20


def test_webcam_ids_and_arrays():
    assert resolve_inputs(0)[0].kind == 'webcam'
    assert resolve_inputs('webcam:2')[0].cam_id == 2
    gray = np.zeros((10, 12), np.uint8)
    (src, ) = resolve_inputs([gray, np.zeros((10, 12, 3), np.uint8)])
    frames = list(src.frames())
    assert len(frames) == 2 and frames[0].img.shape == (10, 12, 3)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        resolve_inputs(str(tmp_path / 'nope.mp4'))
    with pytest.raises(FileNotFoundError, match='no files match'):
        resolve_inputs(str(tmp_path / '*.jpg'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no images or videos'):
        resolve_inputs(str(tmp_path / 'empty'))


def test_unreadable_image_is_flagged_not_raised(data_root, tmp_path):
    shutil.copy(f'{data_root}/coco/000000000785.jpg', tmp_path / 'a.jpg')
    (tmp_path / 'b.jpg').write_bytes(b'\xff\xd8 broken jpeg')
    shutil.copy(f'{data_root}/coco/000000040083.jpg', tmp_path / 'c.jpg')
    frames = list(resolve_inputs(str(tmp_path))[0].frames())
    assert [f.img is None for f in frames] == [False, True, False]
    assert 'b.jpg' in frames[1].error


def test_truncated_video_keeps_frames_before_the_break(data_root, tmp_path):
    data = faststart(open(f'{data_root}/{VIDEO}', 'rb').read())
    cut = tmp_path / 'cut.mp4'
    cut.write_bytes(data[:int(len(data) * 0.6)])
    frames = list(resolve_inputs(str(cut))[0].frames())
    assert 5 <= len(frames) < 20
    full = cv2.VideoCapture(f'{data_root}/{VIDEO}')
    ok, first = full.read()
    assert ok and np.array_equal(frames[0].img, first)


def test_unopenable_video_and_webcam_give_an_error_frame(tmp_path):
    bad = tmp_path / 'notes.mp4'
    bad.write_text('not a video')
    src, = resolve_inputs(str(bad))
    assert src.error.startswith(f'cannot open video "{bad}"')
    frames = list(src.frames())
    assert len(frames) == 1 and frames[0].img is None and frames[0].error == src.error
    cam, = resolve_inputs('webcam:9')
    frames = list(cam.frames())
    assert len(frames) == 1 and frames[0].error == 'cannot open webcam "webcam:9"'


def test_glob_of_one_image_names_outputs_without_the_extension(data_root):
    src, = resolve_inputs(f'{data_root}/coco/*0785.jpg')
    assert src.stem == '0785' and len(src.items) == 1
    src, = resolve_inputs(f'{data_root}/coco/*.jpg')
    assert src.stem == 'glob' and len(src.items) == 4  # a pattern without a name
