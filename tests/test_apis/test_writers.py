import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.apis.writers import (ResultWriter, VideoSink, atomic_write_json, keypoint_parts,
                                      select_keypoint_ids)
from mmalphapose.post_processing.scores import proposal_score
from mmalphapose.structures import PoseMetainfo


@pytest.fixture(scope='module')
def metas():
    return {k: PoseMetainfo.for_num_keypoints(k) for k in (17, 26, 133, 136)}


def _inst(k, n=2, track=False):
    rng = np.random.default_rng(0)
    inst = InstanceData(
        keypoints=rng.uniform(0, 100, (n, k, 2)).astype(np.float32),
        keypoint_scores=rng.uniform(0, 1, (n, k)).astype(np.float32),
        bboxes=np.array([[10, 20, 50, 80], [0, 0, 30, 30]][:n], np.float32),
        bbox_scores=np.array([0.9, 0.5][:n], np.float32))
    if track:
        inst.track_ids = np.array([3, 7][:n])
    return inst


def test_parts_and_subsets(metas):
    p26 = keypoint_parts(metas[26])
    assert p26['foot'] == list(range(20, 26)) and p26['body'] == list(range(20))
    assert keypoint_parts(metas[17])['foot'] == []
    assert select_keypoint_ids(metas[136], 'face').tolist() == list(range(26, 94))
    assert select_keypoint_ids(metas[133], 'body,hands').tolist() == \
        list(range(17)) + list(range(91, 133))
    with pytest.raises(ValueError, match='elbows'):
        select_keypoint_ids(metas[17], 'elbows')


def test_alphapose_format(metas, tmp_path):
    inst = _inst(26)
    w = ResultWriter(str(tmp_path), 'clip', metas[26])
    w.add('0.jpg', 0, inst)
    w.add('1.jpg', 1, InstanceData())  # a frame without people
    path = w.close()
    recs = json.load(open(path))
    assert len(recs) == 2 and {r['image_id'] for r in recs} == {'0.jpg'}
    r = recs[0]
    assert r['category_id'] == 1 and len(r['keypoints']) == 26 * 3
    np.testing.assert_allclose(
        r['keypoints'][:3], [*inst.keypoints[0, 0], inst.keypoint_scores[0, 0]], atol=1e-3)
    np.testing.assert_allclose(r['box'], [10, 20, 40, 60])  # xywh of the detector box
    expect = proposal_score(inst.keypoint_scores, inst.bbox_scores)[0]
    assert r['score'] == pytest.approx(expect, abs=1e-3) and r['idx'] == [0]
    assert w.num_frames == 2


def test_alphapose_idx_from_nms_and_tracking(metas, tmp_path):
    inst = _inst(17, track=True)
    w = ResultWriter(str(tmp_path), 't', metas[17], tracking=True)
    w.add('a.jpg', 0, inst)
    assert [r['idx'] for r in json.load(open(w.close()))] == [3, 7]
    inst = _inst(17)
    inst.idx = [[0, 2], [1]]
    inst.scores = np.array([2.5, 1.5])  # the person score of POSE_NMS
    w = ResultWriter(str(tmp_path), 'n', metas[17], keypoints='body')
    w.add('a.jpg', 0, inst)
    recs = json.load(open(w.close()))
    assert [r['idx'] for r in recs] == [[0, 2], [1]] and recs[0]['score'] == 2.5


def test_cmu_and_open_formats(metas, tmp_path):
    inst = _inst(17)
    for fmt, key, field in (('cmu', 'bodies', 'joints'), ('open', 'people', 'pose_keypoints_2d')):
        w = ResultWriter(str(tmp_path), fmt, metas[17], fmt=fmt)
        w.add('img1.jpg', 0, inst)
        data = json.load(open(w.close()))
        entry = data['img1.jpg']
        assert entry['version'] == 'AlphaPose v0.3' and len(entry[key]) == 2
        joints = np.array(entry[key][0][field]).reshape(18, 3)
        k, s = inst.keypoints[0], inst.keypoint_scores[0]
        neck = np.r_[(k[5] + k[6]) / 2, (s[5] + s[6]) / 2]
        np.testing.assert_allclose(joints[1], neck, atol=1e-3)
        np.testing.assert_allclose(joints[2, :2], k[6], atol=1e-3)  # RShoulder
        np.testing.assert_allclose(joints[15, :2], k[1], atol=1e-3)  # LEye
        assert osp.isfile(tmp_path / f'{fmt}_sep-json' / 'img1.json')


def test_openpose_per_frame_wholebody(metas, tmp_path):
    inst = _inst(136, track=True)
    w = ResultWriter(str(tmp_path), 'wb', metas[136], fmt='openpose', tracking=True)
    w.add('5.jpg', 5, inst)
    w.add('6.jpg', 6, InstanceData())
    index = json.load(open(w.close()))
    assert index['body_order'] == 'BODY_25' and index['frames']['6.jpg']['people'] == 0
    frame = json.load(open(tmp_path / 'wb_openpose' / '5_keypoints.json'))
    p = frame['people'][0]
    assert p['person_id'] == [3]
    assert len(p['pose_keypoints_2d']) == 75 and len(p['face_keypoints_2d']) == 68 * 3
    assert len(p['hand_left_keypoints_2d']) == len(p['hand_right_keypoints_2d']) == 63
    body = np.array(p['pose_keypoints_2d']).reshape(25, 3)
    np.testing.assert_allclose(body[1, :2], inst.keypoints[0, 18], atol=1e-3)  # Halpe neck
    np.testing.assert_allclose(body[8, :2], inst.keypoints[0, 19], atol=1e-3)  # Halpe hip
    np.testing.assert_allclose(body[24, :2], inst.keypoints[0, 25], atol=1e-3)  # RHeel
    empty = json.load(open(tmp_path / 'wb_openpose' / '6_keypoints.json'))
    assert empty['people'] == []
    # --keypoints face: body and hands left empty
    w = ResultWriter(str(tmp_path), 'face', metas[133], fmt='openpose', keypoints='face')
    w.add('0.jpg', 0, _inst(133))
    p = json.load(open(tmp_path / 'face_openpose' / '0_keypoints.json'))['people'][0]
    assert p['pose_keypoints_2d'] == [] and len(p['face_keypoints_2d']) == 204


def test_coco_results(metas, tmp_path):
    w = ResultWriter(str(tmp_path), 'c', metas[17], fmt='coco')
    w.add('000000197388.jpg', 0, _inst(17))
    recs = json.load(open(w.close()))
    assert recs[0]['image_id'] == 197388 and set(
        recs[0]) == {'image_id', 'category_id', 'keypoints', 'score'}
    with pytest.raises(ValueError, match='format'):
        ResultWriter(str(tmp_path), 'x', metas[17], fmt='xml')


def test_atomic_write_leaves_no_temp_and_keeps_old_on_failure(tmp_path):
    path = tmp_path / 'out.json'
    atomic_write_json(str(path), {'a': 1})
    with pytest.raises(TypeError):
        atomic_write_json(str(path), {'bad': object()})
    assert json.load(open(path)) == {'a': 1}
    assert os.listdir(tmp_path) == ['out.json']
    assert os.stat(path).st_mode & 0o044  # readable by others like a normal file


def test_video_sink_keeps_fps_and_size(tmp_path):
    sink = VideoSink(str(tmp_path / 'v.mp4'), fps=12.5, size=(64, 48))
    for i in range(6):
        sink.write(np.full((48, 64, 3), i * 40, np.uint8))
    sink.write(np.zeros((10, 10, 3), np.uint8))  # resized to the video size
    assert sink.close() == str(tmp_path / 'v.mp4')
    cap = cv2.VideoCapture(str(tmp_path / 'v.mp4'))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 7
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12.5)
    assert (cap.get(3), cap.get(4)) == (64, 48)


def test_non_finite_values_still_give_valid_json(metas, tmp_path):
    inst = _inst(17, n=1)
    inst.keypoints[0, 3] = np.nan
    inst.keypoint_scores[0, 4] = np.inf
    w = ResultWriter(str(tmp_path), 'nan', metas[17])
    w.add('a.jpg', 0, inst)
    text = open(w.close()).read()
    assert 'NaN' not in text and 'Infinity' not in text
    json.loads(text)


def test_records_stream_to_jsonl_and_final_json_is_unchanged(metas, tmp_path):
    w = ResultWriter(str(tmp_path), 's', metas[17], tracking=True)
    w.add('0.jpg', 0, _inst(17, track=True))
    w.add('1.jpg', 1, InstanceData())
    w.add('2.jpg', 2, _inst(17, n=1, track=True))
    # a run killed now keeps every finished frame in the .jsonl
    lines = [json.loads(ln) for ln in open(tmp_path / 's.jsonl')]
    assert [r['image_id'] for r in lines] == ['0.jpg', '0.jpg', '2.jpg']
    assert not osp.exists(tmp_path / 's.json')
    w.close()
    assert not osp.exists(tmp_path / 's.jsonl')
    text = open(tmp_path / 's.json').read()
    assert text == json.dumps(lines)  # what json.dump of the records writes
    assert ResultWriter(str(tmp_path), 'e', metas[17]).close() and \
        open(tmp_path / 'e.json').read() == '[]'


def test_per_frame_formats_do_not_stream_and_name_their_folder(metas, tmp_path):
    w = ResultWriter(str(tmp_path), 'c', metas[17], fmt='cmu')
    w.add('3.jpg', 3, _inst(17))
    assert not osp.exists(tmp_path / 'c.jsonl') and w.frame_folder == str(tmp_path / 'c_sep-json')
    w.close()
    index = json.load(open(tmp_path / 'c.json'))
    assert index == {'3.jpg': json.load(open(tmp_path / 'c_sep-json' / '3.json'))}


def test_keypoint_part_the_model_lacks_is_an_error(metas):
    with pytest.raises(ValueError, match='has no "face" keypoints'):
        select_keypoint_ids(metas[26], 'body,face')
    assert len(select_keypoint_ids(metas[133], 'face')) == 68


def test_frame_writer_lists_the_folders_and_makes_stems_unique(metas, tmp_path):
    from functools import partial
    from types import SimpleNamespace

    from mmalphapose.apis.inputs import Frame, Source, SourceEnd, SourceStart
    from mmalphapose.apis.writers import FrameWriter
    drawn = []
    vis = SimpleNamespace(draw_instances=lambda img, inst, **kw: drawn.append(len(inst)) or img)
    w = FrameWriter(vis, 0.3, str(tmp_path),
                    partial(ResultWriter, str(tmp_path), metainfo=metas[17], fmt='open'))
    src, again = Source('images', 'imgs'), Source('images', 'imgs')
    for s in (src, again):
        w(SourceStart(s))
        frame = Frame(s, 0, 'a.jpg', np.zeros((8, 8, 3), np.uint8), instances=_inst(17))
        assert w(frame)[2] in ('imgs', 'imgs_1') and w(SourceEnd(s)) is None
    assert drawn == [2, 2]
    assert sorted(w.close()) == sorted(
        str(tmp_path / n) for n in ('imgs.json', 'imgs_sep-json', 'imgs_vis', 'imgs_1.json',
                                    'imgs_1_sep-json', 'imgs_1_vis'))


def test_records_round_like_python(metas, tmp_path):
    """The records of a frame are built from the batched arrays at once; each
    value is what ``round(float32 value, 3)`` gives (ties and near-ties)."""
    rng = np.random.default_rng(3)
    ties = (rng.integers(0, 640000, (6, 17, 2)) + 0.5) / 1000  # x.yyy5 before float32
    inst = InstanceData(
        keypoints=(ties + rng.choice([0, 1e-7, -1e-7], ties.shape)).astype(np.float32),
        keypoint_scores=rng.uniform(0, 1, (6, 17)).astype(np.float32),
        bboxes=rng.uniform(0, 640, (6, 4)).astype(np.float32),
        bbox_scores=rng.uniform(0, 1, 6).astype(np.float32),
        scores=rng.uniform(0, 3, 6).astype(np.float32))
    w = ResultWriter(str(tmp_path), 'r', metas[17])
    w.add('a.jpg', 0, inst)
    recs = json.load(open(w.close()))
    for i, r in enumerate(recs):
        flat = np.concatenate([inst.keypoints[i], inst.keypoint_scores[i, :, None]], 1)
        assert r['keypoints'] == [round(v, 3) for v in flat.reshape(-1).tolist()]
        b = inst.bboxes[i]  # xywh in float32, as the writer computes it
        box = np.array([b[0], b[1], b[2] - b[0], b[3] - b[1]], np.float32).tolist()
        assert r['box'] == [round(v, 3) for v in box]
        assert r['score'] == round(inst.scores[i:i + 1].tolist()[0], 3)
