"""WholeBodyPartRefiner: faces / hands of whole-body poses refined at the
parts' own resolution, from the body keypoints of each person."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from mmalphapose.models.part_refiners import WholeBodyPartRefiner
from mmalphapose.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CWB = osp.join(ROOT, 'tests/data/coco_wholebody/test_coco_wholebody.json')
IMAGES = osp.join(ROOT, 'tests/data/coco')


def _people(img_id):
    """COCO-WholeBody-133 instances of one sample image: GT body, the face
    collapsed onto the nose and the hands onto the wrists (a model that saw
    nothing of them); and the GT face points / validity."""
    gt = json.load(open(CWB))
    anns = [a for a in gt['annotations'] if a['image_id'] == img_id]
    k = np.zeros((len(anns), 133, 2), np.float32)
    s = np.zeros((len(anns), 133), np.float32)
    for i, a in enumerate(anns):
        body = np.asarray(a['keypoints'], np.float32).reshape(17, 3)
        k[i, :17], s[i, :17] = body[:, :2], (body[:, 2] > 0)
        k[i, 23:91] = body[0, :2]
        k[i, 91:112], k[i, 112:133] = body[9, :2], body[10, :2]
        s[i, 23:] = 0.05
    faces = np.stack([np.asarray(a['face_kpts'], np.float32).reshape(68, 3) for a in anns])
    valid = np.array([a['face_valid'] for a in anns])
    name = next(i['file_name'] for i in gt['images'] if i['id'] == img_id)
    return cv2.imread(osp.join(IMAGES, name)), InstanceData(keypoints=k, keypoint_scores=s), \
        faces, valid


@pytest.fixture(scope='module')
def refiner():
    # the sample's faces are 21-29 px: below the default min_face_size (24)
    # some would keep the model's points
    return WholeBodyPartRefiner(min_face_size=8, num_threads=1)


def test_faces_move_onto_the_faces(refiner):
    img, inst, faces, valid = _people(40083)
    before = inst.keypoints.copy()
    out = refiner(img, inst.clone())
    assert out.keypoints.dtype == np.float32 and out.keypoint_scores.dtype == np.float32
    assert out.keypoints.shape == (len(inst), 133, 2)
    np.testing.assert_array_equal(out.keypoints[:, :23], before[:, :23])  # body untouched
    for i in np.flatnonzero(valid):
        g = faces[i]
        vis = g[:, 2] > 0
        side = np.ptp(g[vis, :2], 0).max()
        err_before = np.linalg.norm(before[i, 23:91] - g[:, :2], axis=1)[vis].mean() / side
        err_after = np.linalg.norm(out.keypoints[i, 23:91] - g[:, :2], axis=1)[vis].mean() / side
        assert err_after < 0.15 < err_before, (i, err_before, err_after)
        assert out.keypoint_scores[i, 23:91].max() > 0.05
    # a person without a visible nose keeps the model's face
    no_nose = np.flatnonzero(inst.keypoint_scores[:, 0] == 0)
    np.testing.assert_array_equal(out.keypoints[no_nose, 23:91], before[no_nose, 23:91])


def test_small_parts_are_skipped_and_registry_build():
    img, inst, _, _ = _people(40083)
    with DefaultScope.overwrite_default_scope('mmengine'):
        big = MODELS.build(
            dict(
                type='mmalphapose.WholeBodyPartRefiner',
                min_face_size=1e4,
                min_hand_size=1e4,
                num_threads=1,
                cap_face_scores=False))
    assert isinstance(big, WholeBodyPartRefiner)
    out = big(img, inst.clone())
    np.testing.assert_array_equal(out.keypoints, inst.keypoints)
    np.testing.assert_array_equal(out.keypoint_scores, inst.keypoint_scores)


def test_faces_not_refined_score_at_most_the_head_score():
    img, inst, _, _ = _people(40083)
    inst.keypoint_scores[:, 23:91] = 0.9
    s = inst.keypoint_scores[:, :17]
    s[0, 0], s[0, 1:3] = 0.6, (0.2, 0.5)  # head score min(nose, better eye) = 0.5
    s[1, 0], s[1, 1:3] = 0.1, (0.8, 0.8)  # seen from behind: nose 0.1
    nothing = WholeBodyPartRefiner(hand_model=None, min_face_size=1e4, num_threads=1)
    out = nothing(img, inst.clone())
    head = np.minimum(s[:, 0], s[:, 1:3].max(1))
    np.testing.assert_allclose(out.keypoint_scores[:, 23:91],
                               np.broadcast_to(np.minimum(0.9, head)[:, None], (len(inst), 68)))
    assert out.keypoint_scores[1, 23:91].max() == np.float32(0.1)
    np.testing.assert_array_equal(out.keypoints, inst.keypoints)  # points unchanged
    np.testing.assert_array_equal(out.keypoint_scores[:, :23], inst.keypoint_scores[:, :23])
    np.testing.assert_array_equal(out.keypoint_scores[:, 91:], inst.keypoint_scores[:, 91:])


def test_faces_below_min_face_size_keep_the_models_points(refiner):
    from mmalphapose.structures.bbox.part_boxes import face_boxes_from_body
    img, inst, _, _ = _people(197388)  # face boxes of 21-30 px
    boxes, valid, _ = face_boxes_from_body(inst.keypoints[:, :17], inst.keypoint_scores[:, :17],
                                           0.3)
    side = boxes[:, 2] - boxes[:, 0]
    small, large = valid & (side < 24), valid & (side >= 24)
    assert small.any() and large.any()  # the sample has both
    default = WholeBodyPartRefiner(hand_model=None, num_threads=1)
    assert default.min_face_size == 24
    out = default(img, inst.clone())
    np.testing.assert_array_equal(out.keypoints[small, 23:91], inst.keypoints[small, 23:91])
    assert (out.keypoints[large, 23:91] != inst.keypoints[large, 23:91]).any(-1).all()
    # with a lower size the small faces are refined too (the same as the fixture's)
    low = refiner(img, inst.clone())
    assert (low.keypoints[small, 23:91] != inst.keypoints[small, 23:91]).any(-1).all()
    np.testing.assert_allclose(low.keypoints[large, 23:91], out.keypoints[large, 23:91], atol=1e-3)


def test_bad_input(refiner):
    img, inst, _, _ = _people(40083)
    with pytest.raises(ValueError, match='BGR uint8'):
        refiner(img.astype(np.float32), inst)
    body = InstanceData(
        keypoints=np.zeros((1, 26, 2), np.float32), keypoint_scores=np.ones((1, 26), np.float32))
    with pytest.raises(ValueError, match='whole-body layout'):
        refiner(img, body)
    empty = InstanceData(keypoints=np.zeros((0, 133, 2)), keypoint_scores=np.zeros((0, 133)))
    assert len(refiner(img, empty)) == 0


def test_layouts_read_once_not_per_frame(refiner, monkeypatch):
    """The face / hand ids of both whole-body layouts come from the bundled
    metainfo in __init__; a frame reads no metainfo file."""
    from mmalphapose.structures.pose_metainfo import PoseMetainfo
    face, hands = refiner.part_ids[133]
    assert face.tolist() == list(range(23, 91))
    assert hands.tolist() == [list(range(91, 112)), list(range(112, 133))]
    face, hands = refiner.part_ids[136]
    assert face.tolist() == list(range(26, 94)) and hands[1].tolist() == list(range(115, 136))

    def no_reads(*args, **kwargs):
        raise AssertionError('metainfo read per frame')

    monkeypatch.setattr(PoseMetainfo, 'for_num_keypoints', no_reads)
    monkeypatch.setattr(PoseMetainfo, 'load', no_reads)
    img, inst, _, _ = _people(40083)
    keypoints = inst.keypoints.copy()
    out = refiner(img, inst)
    assert out.keypoints.dtype == np.float32 and (out.keypoints != keypoints).any()
    np.testing.assert_array_equal(inst.keypoints, out.keypoints)  # the same instances back


def test_face_backend_and_hand_retry_min(refiner, tmp_path, monkeypatch):
    """face_backend='onnxruntime' (the face net exported into the ONNX
    cache) gives the torch refiner's points; hand_retry_min reaches the hand
    net's search: hands below it along the forearm get one forward each."""
    monkeypatch.setenv('MMALPHAPOSE_ONNX_CACHE', str(tmp_path))
    img, inst, _, _ = _people(40083)
    fast = WholeBodyPartRefiner(min_face_size=8, face_backend='onnxruntime',
                                hand_retry_min=0.2, num_threads=1)
    assert fast.face.backend == 'onnxruntime' and fast.hand_retry_min == 0.2
    want = refiner(img, inst.clone())
    calls = []
    run = fast.hand.session.run

    def counting(names, feeds):
        calls.append(1)
        return run(names, feeds)

    monkeypatch.setattr(fast.hand, 'session', type('S', (), {'run': staticmethod(counting)})())
    got = fast(img, inst.clone())
    face = np.r_[23:91]
    np.testing.assert_allclose(got.keypoints[:, face], want.keypoints[:, face], atol=0.05)
    np.testing.assert_allclose(got.keypoint_scores[:, face], want.keypoint_scores[:, face],
                               atol=0.02)
    # the sample's hands score < 0.2 along their forearms: no quarter turns tried
    from mmalphapose.structures.bbox.part_boxes import hand_boxes_from_body
    boxes, valid, _ = hand_boxes_from_body(inst.keypoints[:, :17], inst.keypoint_scores[:, :17],
                                           fast.part_thr)
    gated = int((valid & ((boxes[..., 2] - boxes[..., 0]) >= fast.min_hand_size)).sum())
    assert gated > 0 and len(calls) == gated
    with pytest.raises(ValueError, match='backend'):
        WholeBodyPartRefiner(face_backend='jax', hand_model=None)
