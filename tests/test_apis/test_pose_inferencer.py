import json
import os
import shutil

import cv2
import numpy as np
import pytest

from mmalphapose.apis import PoseInferencer, inference_topdown
from mmalphapose.apis.detection import WholeImageDetector
from mmalphapose.structures import PoseDataSample
from mmalphapose.testing import dots_image, faststart, write_standin_config

VIDEO = 'videos/basketball_20f.mp4'


@pytest.fixture(scope='module')
def cfg(tmp_path_factory):
    return write_standin_config(str(tmp_path_factory.mktemp('cfg')))


@pytest.fixture(scope='module')
def whole(cfg):
    """Stand-in pose model, whole-image boxes (no detector)."""
    return PoseInferencer(cfg, det_model='none', show_progress=False)


def _frames_in(video):
    cap = cv2.VideoCapture(video)
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def test_video_gives_json_and_overlay_per_frame(whole, data_root, tmp_path):
    summary = whole.run(f'{data_root}/{VIDEO}', out_dir=str(tmp_path), workers=1)
    assert summary['frames'] == 20 and not summary['interrupted']
    recs = json.load(open(tmp_path / 'basketball_20f.json'))
    assert len({r['image_id'] for r in recs}) == 20
    assert {r['frame_id'] for r in recs} == set(range(20))
    out = str(tmp_path / 'basketball_20f_vis.mp4')
    assert _frames_in(out) == 20
    cap = cv2.VideoCapture(out)
    assert (cap.get(3), cap.get(4)) == (426, 240) and abs(cap.get(5) - 29.97) < 0.05
    assert sorted(summary['outputs']) == sorted([str(tmp_path / 'basketball_20f.json'), out])


def test_folder_of_real_images_with_coco_detections(cfg, data_root, tmp_path):
    inf = PoseInferencer(
        cfg, detfile=f'{data_root}/coco/test_coco_det_AP_H_56.json', show_progress=False)
    results = list(inf(f'{data_root}/coco', out_dir=str(tmp_path), workers=1))
    assert [r['name'] for r in results
            ] == sorted(f for f in os.listdir(f'{data_root}/coco') if f.endswith('.jpg'))
    assert all(len(r['predictions']) >= 1 for r in results)
    recs = json.load(open(tmp_path / 'coco.json'))
    assert {r['image_id'] for r in recs} == {r['name'] for r in results}
    overlays = sorted(os.listdir(tmp_path / 'coco_vis'))
    assert overlays == [r['name'] for r in results]
    img = cv2.imread(str(tmp_path / 'coco_vis' / overlays[0]))
    assert img.shape == cv2.imread(f'{data_root}/coco/{overlays[0]}').shape


def test_unreadable_image_skipped_rest_processed(whole, data_root, tmp_path):
    src = tmp_path / 'imgs'
    src.mkdir()
    shutil.copy(f'{data_root}/coco/000000000785.jpg', src / 'a.jpg')
    (src / 'b.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    shutil.copy(f'{data_root}/coco/000000040083.jpg', src / 'c.jpg')
    with pytest.warns(UserWarning, match='b.jpg'):
        summary = whole.run(str(src), out_dir=str(tmp_path / 'out'))
    assert summary['frames'] == 2
    recs = json.load(open(tmp_path / 'out' / 'imgs.json'))
    assert {r['image_id'] for r in recs} == {'a.jpg', 'c.jpg'}
    assert sorted(os.listdir(tmp_path / 'out' / 'imgs_vis')) == ['a.jpg', 'c.jpg']


def test_truncated_video_keeps_frames_before_break(whole, data_root, tmp_path):
    data = faststart(open(f'{data_root}/{VIDEO}', 'rb').read())
    cut = tmp_path / 'cut.mp4'
    cut.write_bytes(data[:int(len(data) * 0.6)])
    n_readable = _frames_in(str(cut))
    assert 0 < n_readable < 20
    summary = whole.run(str(cut), out_dir=str(tmp_path / 'out'))
    assert summary['frames'] == n_readable
    recs = json.load(open(tmp_path / 'out' / 'cut.json'))
    assert len({r['image_id'] for r in recs}) == n_readable
    assert _frames_in(str(tmp_path / 'out' / 'cut_vis.mp4')) == n_readable


def test_missing_input_is_a_clear_error(whole, tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing_here'):
        whole.run(str(tmp_path / 'nothing_here.mp4'))


def test_zero_detections_give_empty_records(cfg, data_root, tmp_path):
    det = tmp_path / 'det.json'
    det.write_text(
        json.dumps([
            dict(image_id='0.jpg', bbox=[50, 20, 100, 200], score=0.9),
            dict(image_id='2.jpg', bbox=[50, 20, 100, 200], score=0.9)
        ]))
    inf = PoseInferencer(cfg, detfile=str(det), show_progress=False)
    clip = tmp_path / 'clip.mp4'
    shutil.copy(f'{data_root}/{VIDEO}', clip)
    results = list(
        inf(str(clip), out_dir=str(tmp_path / 'o'), format='openpose', track='pose-aware'))
    assert [len(r['predictions']) for r in results[:4]] == [1, 0, 1, 0]
    assert len(results) == 20
    frame1 = json.load(open(tmp_path / 'o' / 'clip_openpose' / '1_keypoints.json'))
    assert frame1['people'] == []
    assert _frames_in(str(tmp_path / 'o' / 'clip_vis.mp4')) == 20


def test_same_results_one_thread_and_pipelined(whole, data_root):
    kw = dict(det_batch=3, pose_batch=2)
    a = [r['predictions'] for r in whole(f'{data_root}/{VIDEO}', workers=0, **kw)]
    b = [r['predictions'] for r in whole(f'{data_root}/{VIDEO}', workers=2, **kw)]
    assert len(a) == len(b) == 20
    for pa, pb in zip(a, b):
        np.testing.assert_allclose([p['keypoints'] for p in pa], [p['keypoints'] for p in pb])


def test_predictions_match_inference_topdown(cfg):
    img = dots_image([(120, 90)], radius=12)
    inf = PoseInferencer(cfg, det_model='none', pose_nms='none', show_progress=False)
    (res, ) = list(inf(img, return_datasamples=True))
    assert isinstance(res['predictions'], PoseDataSample)
    ref = inference_topdown(inf.model, img)[0].pred_instances.keypoints
    np.testing.assert_allclose(res['predictions'].pred_instances.keypoints, ref)
    np.testing.assert_allclose(ref[0, 0], [120, 90], atol=4)


@pytest.mark.parametrize('nms', ['none', 'pnms', 'oks', 'soft-oks'])
def test_pose_nms_choices(cfg, data_root, nms):
    inf = PoseInferencer(
        cfg,
        detfile=f'{data_root}/coco/test_coco_det_AP_H_56.json',
        pose_nms=nms,
        bbox_thr=0.05,
        show_progress=False)
    res = list(inf(f'{data_root}/coco/000000197388.jpg'))[0]['predictions']
    n_boxes = len(inf.detector.detect([None], ['000000197388.jpg'])[0][0])
    assert n_boxes > 5 and 1 <= len(res) <= n_boxes
    if nms == 'none':
        assert len(res) == n_boxes
    elif nms != 'soft-oks':  # the stand-in's poses collapse to points: NMS merges
        assert len(res) < n_boxes


def test_det_frequency_follows_people_with_tracker(cfg, data_root):

    class CountingDetector(WholeImageDetector):
        calls = 0

        def detect(self, frames, names=(), **thresholds):
            CountingDetector.calls += len(frames)
            return super().detect(frames, names)

    inf = PoseInferencer(cfg, det_model='none', track='pose-aware', show_progress=False)
    inf.detector = CountingDetector()
    res = list(inf(f'{data_root}/{VIDEO}', det_frequency=5, workers=1))
    assert len(res) == 20 and CountingDetector.calls == 4
    assert all(len(r['predictions']) == 1 for r in res)
    assert len({r['predictions'][0]['track_ids'] for r in res}) == 1  # one stable id


def test_ctrl_c_keeps_what_was_written(cfg, data_root, tmp_path):

    class InterruptingDetector(WholeImageDetector):

        def detect(self, frames, names=(), **thresholds):
            if any(n == '6.jpg' for n in names):
                raise KeyboardInterrupt
            return super().detect(frames, names)

    inf = PoseInferencer(cfg, det_model='none', show_progress=False)
    inf.detector = InterruptingDetector()
    summary = inf.run(f'{data_root}/{VIDEO}', out_dir=str(tmp_path), det_batch=1, workers=1)
    assert summary['interrupted'] and summary['frames'] == 6
    recs = json.load(open(tmp_path / 'basketball_20f.json'))
    assert sorted({r['frame_id'] for r in recs}) == list(range(6))
    assert _frames_in(str(tmp_path / 'basketball_20f_vis.mp4')) == 6


def test_kwargs_are_grouped(whole):
    pre, fwd, vis, post = whole._dispatch_kwargs(det_batch=2, flip=True, kpt_thr=0.1, format='coco')
    assert pre == {'det_batch': 2} and fwd == {'flip': True}
    assert vis == {'kpt_thr': 0.1} and post == {'format': 'coco'}
    with pytest.raises(TypeError, match='colour'):
        whole._dispatch_kwargs(colour='red')
    from mmalphapose.apis.builder import build_pose_nms, build_tracker
    with pytest.raises(ValueError, match='pose-nms'):
        build_pose_nms('bogus', whole.model, whole.metainfo)
    with pytest.raises(ValueError, match='track'):
        build_tracker('bogus', whole.metainfo)


def test_several_inputs_get_their_own_outputs(whole, data_root, tmp_path):
    img = f'{data_root}/coco/000000000785.jpg'
    res = list(
        whole([img, f'{data_root}/{VIDEO}', img],
              out_dir=str(tmp_path),
              draw_heatmap=True,
              return_vis=True))
    assert [r['input'] for r in res] == ['000000000785'] + ['basketball_20f'] * 20 + \
        ['000000000785_1']
    assert res[0]['visualization'][0].shape == (425, 640, 3)
    names = sorted(os.listdir(tmp_path))
    assert names == sorted([
        '000000000785.json', '000000000785_vis', '000000000785_1.json', '000000000785_1_vis',
        'basketball_20f.json', 'basketball_20f_vis.mp4'
    ])


@pytest.mark.slow  # real signal delivery timing: failed once in 4 CI runs on a loaded
# machine (the deterministic Ctrl-C path is covered by the test above in the default suite)
def test_real_sigint_in_pipelined_run(cfg, data_root, tmp_path):
    """SIGINT reaches the main thread while the stages run in threads: the
    run stops, and the JSON and video hold the same, complete frames."""
    import signal
    import threading

    class SignallingDetector(WholeImageDetector):

        def detect(self, frames, names=(), **thresholds):
            if any(n == '8.jpg' for n in names):
                os.kill(os.getpid(), signal.SIGINT)
            return super().detect(frames, names)

    if threading.current_thread() is not threading.main_thread():
        pytest.skip('signals need the main thread')
    inf = PoseInferencer(cfg, det_model='none', show_progress=False)
    inf.detector = SignallingDetector()
    summary = inf.run(f'{data_root}/{VIDEO}', out_dir=str(tmp_path), det_batch=1, workers=1)
    assert summary['interrupted'] and summary['frames'] < 20
    recs = json.load(open(tmp_path / 'basketball_20f.json'))  # complete, valid JSON
    n = len({r['frame_id'] for r in recs})
    assert sorted({r['frame_id'] for r in recs}) == list(range(n))
    # the signal may land between writing a frame and handing it to the caller
    assert summary['frames'] <= n <= summary['frames'] + 1
    assert abs(_frames_in(str(tmp_path / 'basketball_20f_vis.mp4')) - n) <= 1


def test_per_call_bbox_thr(cfg, data_root):
    inf = PoseInferencer(
        cfg,
        detfile=f'{data_root}/coco/test_coco_det_AP_H_56.json',
        pose_nms='none',
        bbox_thr=0.9,
        show_progress=False)
    img = f'{data_root}/coco/000000197388.jpg'
    strict = len(list(inf(img))[0]['predictions'])
    loose = len(list(inf(img, bbox_thr=0.05))[0]['predictions'])
    assert loose > strict and inf.detector.score_thr == 0.9  # restored after the call


def test_webcam_drops_frames_instead_of_queueing(cfg, monkeypatch):
    """A camera faster than the pipeline: old frames are replaced by new ones
    (latest-frame slot), the frames that come out stay in order."""
    import time

    from mmalphapose.apis import inputs as inputs_mod

    class FakeCam:

        def __init__(self, cam_id):
            self.i = 0

        def isOpened(self):
            return True

        def read(self):
            if self.i >= 120:
                return False, None
            self.i += 1
            time.sleep(0.001)
            return True, np.full((48, 64, 3), self.i % 255, np.uint8)

        def release(self):
            pass

    class SlowDetector(WholeImageDetector):

        def detect(self, frames, names=(), **thresholds):
            time.sleep(0.03)
            return super().detect(frames, names)

    monkeypatch.setattr(inputs_mod.cv2, 'VideoCapture', FakeCam)
    inf = PoseInferencer(cfg, det_model='none', pose_nms='none', show_progress=False)
    inf.detector = SlowDetector()
    ids = [r['frame_id'] for r in inf('webcam:0', workers=1)]
    assert 1 < len(ids) < 120 and ids == sorted(ids)
    assert ids[-1] >= 100  # the newest frames are the ones kept


def test_show_without_display_is_ignored(whole, data_root, monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    with pytest.warns(UserWarning, match='no display'):
        summary = whole.run(f'{data_root}/coco/000000000785.jpg', show=True)
    assert summary['frames'] == 1


def test_calls_change_no_shared_object(whole, data_root):
    """Drawing options of one call draw with a copy of the visualiser; the
    stages of the same options are built once and reused."""
    vis = whole.visualizer
    before = (vis.radius, vis.line_width, vis.skeleton_style)
    img = f'{data_root}/coco/000000000785.jpg'
    res = list(whole(img, radius=9, thickness=7, skeleton_style='openpose', return_vis=True))
    assert res[0]['visualization'][0] is not None
    assert whole.visualizer is vis and (vis.radius, vis.line_width,
                                        vis.skeleton_style) == before
    list(whole(img))
    stages = dict(whole._built)
    list(whole(img))
    assert dict(whole._built) == stages  # the same stage objects, not rebuilt
