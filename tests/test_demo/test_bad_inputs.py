"""The bad-input corpus (tests/data/bad/, made by make_bad_inputs.py) through
the demo command line: per case the message, the exit code, and that the good
inputs beside the bad one were processed (docs/output_formats.md, README
"Errors")."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmalphapose.apis import cli
from mmalphapose.testing import log_to_current_stderr, write_standin_config

BAD = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'bad')
_CACHE = {}


@pytest.fixture(scope='module')
def standin(tmp_path_factory):
    return write_standin_config(str(tmp_path_factory.mktemp('cfg')))


@pytest.fixture
def demo(standin, tmp_path, monkeypatch, capsys):
    """``demo(*args) -> (rc, stdout, stderr, out_dir)``; the stand-in pose model
    and whole-image boxes unless the args say otherwise. Inferencers that
    built are reused across the tests (the command line path is unchanged)."""
    build = cli.build_inferencer

    def cached(args, device, threads, show_progress=True):
        key = (args.pose_config, args.pose_checkpoint, args.det_config, args.det_checkpoint,
               args.detfile)
        if key not in _CACHE:
            _CACHE[key] = build(args, device, threads, show_progress=False)
        return _CACHE[key]

    monkeypatch.setattr(cli, 'build_inferencer', cached)

    def run(*args):
        out = str(tmp_path / 'out')
        argv = [str(a) for a in args] + ['--out-dir', out, '--no-save-video', '--no-save-vis']
        if '--pose-config' not in argv:
            argv += ['--pose-config', standin]
        if '--det-config' not in argv and '--detfile' not in argv:
            argv += ['--det-config', 'none']
        capsys.readouterr()
        log_to_current_stderr()
        rc = cli.main(argv)
        res = capsys.readouterr()
        return rc, res.out, res.err, out

    return run


def _beside_good(tmp_path, bad: str, good: str = 'good.png') -> str:
    folder = tmp_path / 'inputs'
    folder.mkdir()
    shutil.copy(osp.join(BAD, good), folder / good)
    shutil.copy(osp.join(BAD, bad), folder / bad)
    return str(folder)


def _ids(path):
    return [r['image_id'] for r in json.load(open(path))]


def test_corpus_is_what_the_generator_writes(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_bad', osp.join(BAD, 'make_bad_inputs.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    names = mod.make(str(tmp_path))
    assert names == sorted(n for n in os.listdir(BAD) if not n.endswith(('.py', '.md')))
    for name in names:  # small files; same bytes where the encoder is deterministic
        assert os.path.getsize(osp.join(BAD, name)) < 8192
        if not name.endswith(('.mp4', '.pth')):
            assert open(tmp_path / name, 'rb').read() == open(osp.join(BAD, name), 'rb').read()


BAD_IMAGES = ['empty.jpg', 'truncated.png', 'truncated.jpg', 'text_as_image.jpg']


@pytest.mark.parametrize('name', BAD_IMAGES)
def test_bad_image_beside_a_good_one(demo, tmp_path, name):
    rc, out, err, out_dir = demo(_beside_good(tmp_path, name))
    assert rc == 0, err
    assert f'cannot read image "{osp.join(str(tmp_path / "inputs"), name)}"' in out
    assert '1 input(s)/frame(s) could not be read' in out
    assert _ids(osp.join(out_dir, 'inputs.json')) == ['good.png']


@pytest.mark.parametrize('name', BAD_IMAGES)
def test_bad_image_alone_exits_2(demo, name):
    rc, out, err, _ = demo(osp.join(BAD, name))
    assert rc == 2
    why = dict(
        empty='empty file', text_as_image='a text file, not an image').get(
            name[:-4], f'a truncated or corrupt {name[-3:].upper().replace("JPG", "JPEG")} image')
    assert err.strip().splitlines()[-1].startswith(
        f'error: nothing was processed: cannot read image "{osp.join(BAD, name)}": {why}')
    assert 'Traceback' not in err


BAD_VIDEOS = ['text_as_video.mp4', 'empty.mp4', 'cut_before_index.mp4']


@pytest.mark.parametrize('name', BAD_VIDEOS)
def test_bad_video_beside_a_good_one(demo, tmp_path, name):
    listing = tmp_path / 'inputs.txt'
    listing.write_text(f'{osp.join(BAD, "good.mp4")}\n{osp.join(BAD, name)}\n')
    rc, out, err, out_dir = demo(listing)
    assert rc == 0, err
    assert f'cannot open video "{osp.join(BAD, name)}"' in out
    assert len(set(_ids(osp.join(out_dir, 'good.json')))) == 12


@pytest.mark.parametrize('name', BAD_VIDEOS)
def test_bad_video_alone_exits_2(demo, name):
    rc, out, err, _ = demo(osp.join(BAD, name))
    assert rc == 2 and 'Traceback' not in err
    assert f'error: nothing was processed: cannot open video "{osp.join(BAD, name)}"' in err


def test_video_cut_after_its_index_keeps_the_readable_frames(demo):
    rc, out, err, out_dir = demo(osp.join(BAD, 'cut_after_index.mp4'))
    assert rc == 0, err
    frames = set(_ids(osp.join(out_dir, 'cut_after_index.json')))
    assert 0 < len(frames) < 12  # the good.mp4 it was cut from has 12


def test_no_camera_exits_2(demo):
    rc, out, err, _ = demo('webcam:9')
    assert rc == 2 and 'error: nothing was processed: cannot open webcam "webcam:9"' in err


@pytest.mark.parametrize('name, message', [
    ('dets_corrupt.json', 'is not valid JSON'),
    ('dets_not_a_list.json', 'must hold a list of'),
    ('dets_malformed.json', 'record 0 needs "image_id" and "bbox"'),
    ('dets_short_bbox.json', 'record 0 has bbox [1, 2] (need x, y, w, h)'),
])
def test_bad_detection_file(demo, name, message):
    path = osp.join(BAD, name)
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--detfile', path)
    assert rc == 2 and 'Traceback' not in err
    assert err.strip() == f'error: detection file "{path}": {message}' or \
        (err.startswith(f'error: detection file "{path}"') and message in err)
    assert len(err.strip().splitlines()) == 1


def test_detection_file_without_boxes(demo):
    rc, out, err, out_dir = demo(
        osp.join(BAD, 'good.png'), '--detfile', osp.join(BAD, 'dets_empty.json'))
    assert rc == 0 and '1 frames, 0 people' in out
    assert _ids(osp.join(out_dir, 'good.json')) == []


def test_zero_area_nan_and_outside_boxes_dropped(demo):
    rc, out, err, out_dir = demo(
        osp.join(BAD, 'good.png'), '--detfile', osp.join(BAD, 'dets_bad_boxes.json'))
    assert rc == 0, err
    recs = json.load(open(osp.join(out_dir, 'good.json')))
    assert [r['box'] for r in recs] == [[10.0, 5.0, 40.0, 50.0]]  # the one good box


@pytest.mark.parametrize('name', ['corrupt.pth', 'text_as_checkpoint.pth', 'truncated.pth'])
def test_corrupt_pose_checkpoint(demo, name):
    path = osp.join(BAD, name)
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--pose-checkpoint', path)
    assert rc == 2 and 'Traceback' not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f'error: checkpoint "{path}" is not a PyTorch checkpoint or is '
                          'corrupt/truncated')
    assert 'trusted' not in err.lower() and 'weights_only' not in err


def test_hostile_pose_checkpoint_refused(demo):
    path = osp.join(BAD, 'hostile.pth')
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--pose-checkpoint', path)
    assert rc == 2 and 'Traceback' not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f'error: checkpoint "{path}" holds code (it asks for the Python '
                          'global "print") and was refused')
    assert 'MMALPHAPOSE_TRUSTED_CHECKPOINTS=1' in err
    assert 'HOSTILE CODE RAN' not in out + err


def test_debug_shows_the_traceback(demo, monkeypatch):
    path = osp.join(BAD, 'hostile.pth')
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--pose-checkpoint', path, '--debug')
    assert rc == 2 and 'Traceback' in err and 'UnsafeCheckpointError' in err
    monkeypatch.setenv('MMALPHAPOSE_DEBUG', '1')
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--pose-checkpoint', path)
    assert rc == 2 and 'Traceback' in err


def test_bad_onnx_detector_file(demo):
    path = osp.join(BAD, 'not_onnx.onnx')
    rc, out, err, _ = demo(
        osp.join(BAD, 'good.png'), '--det-config', 'nanodet-person', '--det-checkpoint', path)
    assert rc == 2 and 'Traceback' not in err and len(err.strip().splitlines()) == 1
    assert f'"{path}" is not a valid ONNX model' in err and 'protobuf' in err.lower()


def test_keypoint_part_the_model_lacks(demo):
    rc, out, err, _ = demo(osp.join(BAD, 'good.png'), '--keypoints', 'face')
    assert rc == 2
    assert err.strip() == ('error: --keypoints: the pose model (17 keypoints) has no "face" '
                           'keypoints (it has: body)')


def test_nan_model_output_drops_those_people_not_the_run(demo, tmp_path, monkeypatch):
    """The pose model gives NaN for every person of good.mp4's frame 3: the
    frame loses its people (logged), the other frames are written."""
    from mmalphapose.apis.inference import TopdownPredictor
    predict = TopdownPredictor.__call__

    def nan_on_frame_3(self, images, image_ids, bboxes, *args, **kwargs):
        people = predict(self, images, image_ids, bboxes, *args, **kwargs)
        for i, img in enumerate(images):
            if img is marked['frame3']:
                people.keypoints[np.asarray(image_ids) == i] = np.nan
        return people

    from mmalphapose.apis import inputs
    marked = {}
    frames = inputs.Source.frames

    def remember(self, stop=None):
        for frame in frames(self, stop):
            if frame.index == 3:
                marked['frame3'] = frame.img
            yield frame

    monkeypatch.setattr(TopdownPredictor, '__call__', nan_on_frame_3)
    monkeypatch.setattr(inputs.Source, 'frames', remember)
    rc, out, err, out_dir = demo(osp.join(BAD, 'good.mp4'), '--workers', '0')
    assert rc == 0, err
    assert 'good frame 3.jpg: the pose model gave NaN/inf for 1 of 1 people' in out + err
    ids = _ids(osp.join(out_dir, 'good.json'))
    assert '3.jpg' not in ids and len(set(ids)) == 11


@pytest.mark.parametrize('name', ['hostile.pth', 'corrupt.pth'])
def test_alphapose_api_raises_the_same_one_line_errors(standin, name):
    from mmalphapose import AlphaPose
    from mmalphapose.utils import CheckpointError, UnsafeCheckpointError
    path = osp.join(BAD, name)
    kind = UnsafeCheckpointError if name == 'hostile.pth' else CheckpointError
    with pytest.raises(kind) as err:
        AlphaPose(standin, pose_checkpoint=path, detector='none')
    assert str(err.value).startswith(f'checkpoint "{path}"') and '\n' not in str(err.value)
